// Progress while the CLI waits for a batch (rate, ETA, plain lines) and the exit code a batch
// ends with: the pure parts, on batch views shaped like GET /api/resyncs/:batch.
import { describe, expect, it } from 'vitest';
import type { BatchView, ObjectRow } from '../../src/cli/batch-view';
import { EXIT, exitCodeForBatch } from '../../src/cli/exit-codes';
import { formatDuration, progressSnapshot, recordRate } from '../../src/cli/progress/estimate';
import { plainReporter, progressLine } from '../../src/cli/progress/reporter';

const object = (name: string, status: string, processed: number, extra: Partial<ObjectRow> = {}): ObjectRow => ({
  object: name, status, colour: status === 'completed' ? 'green' : 'gray', processed, errors: 0, sent: processed, failure: null, ...extra,
});

const batch = (status: string, objects: ObjectRow[], extra: Partial<BatchView> = {}): BatchView => ({
  batchId: 'b1', districtId: '1001', schoolYear: 2026, initiator: 'district', status, phase: status === 'running' ? 'syncing' : null,
  requestedAt: '2026-09-01T00:00:00Z', startedAt: null, finishedAt: null, objects, ...extra,
});

describe('recordRate', () => {
  it('is records per second between the oldest sample in the window and the newest', () => {
    expect(recordRate([])).toBeNull();
    expect(recordRate([{ atMs: 0, processed: 0 }])).toBeNull();
    expect(recordRate([{ atMs: 0, processed: 0 }, { atMs: 2000, processed: 1000 }])).toBe(500);
    // Samples older than the window (15 s) no longer count.
    expect(recordRate([{ atMs: 0, processed: 0 }, { atMs: 10_000, processed: 100 }, { atMs: 20_000, processed: 2100 }])).toBe(200);
  });
});

describe('progressSnapshot', () => {
  it('counts objects done (completed, failed, skipped) and records processed over the objects', () => {
    const view = batch('running', [object('District', 'completed', 1), object('School', 'failed', 4), object('Test', 'skipped', 0), object('Enrollment', 'running', 500), object('Roster', 'pending', 0)]);
    const snapshot = progressSnapshot(view, [{ atMs: 0, processed: 5 }, { atMs: 1000, processed: 505 }]);
    expect(snapshot).toMatchObject({ status: 'running', phase: 'syncing', objectsDone: 3, objectsTotal: 5, processed: 505, running: ['Enrollment'], recordsPerSecond: 500 });
  });

  it('estimates the records left from the records per finished object, divided by the rate', () => {
    // 2 objects done with 3000 records: 1500 per object; 2 left, one 500 records in: 2500 to go at 500/s.
    const view = batch('running', [object('A', 'completed', 1000), object('B', 'completed', 2000), object('C', 'running', 500), object('D', 'pending', 0)]);
    expect(progressSnapshot(view, [{ atMs: 0, processed: 2500 }, { atMs: 2000, processed: 3500 }]).etaSeconds).toBe(5);
  });

  it('uses the exact remainder when the objects carry their planned records', () => {
    const view = batch('running', [object('A', 'completed', 1000, { records: 1000 }), object('B', 'running', 250, { records: 1250 })]);
    expect(progressSnapshot(view, [{ atMs: 0, processed: 1050 }, { atMs: 1000, processed: 1250 }]).etaSeconds).toBe(5);
  });

  it('has no ETA before the first object finishes or while queued, and 0 once ended', () => {
    const samples = [{ atMs: 0, processed: 0 }, { atMs: 1000, processed: 100 }];
    expect(progressSnapshot(batch('running', [object('A', 'running', 100)]), samples).etaSeconds).toBeNull();
    expect(progressSnapshot(batch('queued', [], { plan: { levels: [['A'], ['B']] } }), samples)).toMatchObject({ etaSeconds: null, objectsTotal: 2 });
    expect(progressSnapshot(batch('completed', [object('A', 'completed', 100)]), samples).etaSeconds).toBe(0);
  });
});

describe('plain progress lines', () => {
  const running = (done: number, processed: number) => progressSnapshot(
    batch('running', [object('A', done > 0 ? 'completed' : 'running', processed), object('B', 'pending', 0)]),
    [{ atMs: 0, processed: 0 }, { atMs: 1000, processed }],
  );

  it('say objects done/total, records, rate and ETA in one line', () => {
    expect(progressLine(running(1, 1234))).toBe('running (syncing): 1/2 objects done, 1,234 records processed, 1,234 records/s, ETA 1s');
    expect(progressLine(running(0, 10))).toBe('running (syncing): 0/2 objects done, 10 records processed, 10 records/s, ETA –; copying A');
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(65)).toBe('1m 05s');
  });

  it('print one line per change, repeat record counts alone at most every 10 s, and never use carriage returns', () => {
    const lines: string[] = [];
    let clock = 0;
    const reporter = plainReporter((text) => lines.push(text), () => clock);
    reporter.update(running(0, 10));
    clock = 1000;
    reporter.update(running(0, 20));
    clock = 11_000;
    reporter.update(running(0, 30));
    clock = 12_000;
    reporter.update(running(1, 40));
    reporter.update(running(1, 40));
    expect(lines.map((line) => line.match(/^\S+ \S+ (\d+\/\d+) objects done, (\d+) records/)?.slice(1))).toEqual([['0/2', '10'], ['0/2', '30'], ['1/2', '40']]);
    expect(lines.join('')).not.toContain('\r');
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true);
  });
});

describe('exitCodeForBatch', () => {
  it('says the outcome: green 0, errors 3, failed 4, cancelled 5, out of sync 6, unfinished 7', () => {
    const green = object('A', 'completed', 10);
    expect(exitCodeForBatch(batch('completed', [green], { errors: 0 }))).toBe(EXIT.OK);
    expect(exitCodeForBatch(batch('completed', [{ ...green, errors: 1, colour: 'red' }], { errors: 1 }))).toBe(EXIT.COMPLETED_WITH_ERRORS);
    expect(exitCodeForBatch({ status: 'completed', outcome: 'completed with errors' })).toBe(EXIT.COMPLETED_WITH_ERRORS);
    expect(exitCodeForBatch(batch('failed', [green]))).toBe(EXIT.FAILED);
    expect(exitCodeForBatch(batch('cancelled', [green]))).toBe(EXIT.CANCELLED);
    expect(exitCodeForBatch(batch('completed', [{ ...green, verifiedInSync: false }]))).toBe(EXIT.OUT_OF_SYNC);
    expect(exitCodeForBatch(batch('completed', [green], { verifications: [{ purpose: 'post-run', inSync: false }] }))).toBe(EXIT.OUT_OF_SYNC);
    // "verify, then resync" files its 'before' verification (out of sync by definition) with the batch.
    expect(exitCodeForBatch(batch('completed', [green], { verifications: [{ purpose: 'before', inSync: false }, { purpose: 'post-run', inSync: true }] }))).toBe(EXIT.OK);
    expect(exitCodeForBatch(batch('running', [green]))).toBe(EXIT.NOT_FINISHED);
  });

  it('reports errors before out-of-sync: errored records are also missing at the state', () => {
    expect(exitCodeForBatch(batch('completed', [{ ...object('A', 'completed', 10), errors: 1, colour: 'yellow', verifiedInSync: false }], { errors: 1 }))).toBe(EXIT.COMPLETED_WITH_ERRORS);
  });
});
