// The operator CLI (`start`, `status`, `cancel`, `history`) against a listening API on a real
// test system (Temporal, worker, PostgreSQL): --year labels resolve against the district's scoped
// year, `start --wait` shows plain progress lines when not on a terminal, and the exit code says
// how the batch ended: green 0, completed with errors 3, failed 4, cancelled 5, out of sync 6.
// `rollover` start/status/signal take the ending year as 2026-27.
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes';
import { newBatchId } from '../../src/client/resyncs';
import { getDistrict } from '../../src/data/district-registry';
import { rolloverQuery, type RolloverState } from '../../src/workflows/year-rollover';
import { runCli, startCli } from '../setup/cli';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer, waitForBatch, type BatchBody } from './helpers';

let system: TestSystem;
let server: Server;
let env: NodeJS.ProcessEnv;
let asState: NodeJS.ProcessEnv;

beforeAll(async () => {
  system = await startTestSystem();
  for (const [index, districtId] of ['1001', '1002', '1003', '1004', '1005'].entries()) {
    await system.seed({ districtId, students: 80, excludedShare: 0, seed: index + 1 });
  }
  server = system.app.listen(0);
  const address = server.address();
  const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  env = { API_URL: apiUrl, RESYNC_TOKEN: TOKENS.district1001, RESYNC_POLL_MS: '200' };
  asState = { ...env, RESYNC_TOKEN: TOKENS.state };
});

afterAll(async () => {
  server?.close();
  await system?.stop();
});

interface EndedBatch { batchId: string; status: string; schoolYear: number; year: string; objects: { object: string; status: string; colour: string; errors: number; verifiedInSync: boolean | null }[] }

/** The progress lines `start --wait` / `status --watch` wrote to stderr (not a terminal here). */
const progressLines = (stderr: string) => stderr.split('\n').filter((line) => / records processed, /.test(line));

/** The district's newest batch once it exists (the CLI is still waiting for it). */
async function newestBatch(districtId: string): Promise<string> {
  for (;;) {
    const history = await request(system.app).get(`/api/districts/${districtId}/history?limit=1`).set(bearer(TOKENS.state));
    const [batch] = (history.body as { batches: { batchId: string }[] }).batches;
    if (batch) return batch.batchId;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function objectStatus(batchId: string, object: string): Promise<string | undefined> {
  const response = await request(system.app).get(`/api/resyncs/${batchId}`).set(bearer(TOKENS.state));
  return (response.body as BatchBody).objects?.find((o) => o.object === object)?.status;
}

describe('npx resync start / status / history / cancel', () => {
  it('starts a green resync for the school year written 2026-27, waits for it (exit 0), and reads it back', async () => {
    const started = await runCli(['start', '--district', '1001', '--objects', 'School', '--check-dependencies', '--year', '2026-27', '--wait', '--json'], env);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(EXIT.OK);
    const batch = JSON.parse(started.stdout) as EndedBatch;
    expect(batch).toMatchObject({ status: 'completed', schoolYear: 2026, year: 'current' });
    expect(batch.objects.map((o) => [o.object, o.colour, o.verifiedInSync])).toEqual([['District', 'green', true], ['School', 'green', true]]);

    const status = await runCli(['status', batch.batchId], env);
    expect(status.code).toBe(EXIT.OK);
    expect(status.stdout).toMatch(new RegExp(`batch ${batch.batchId}  district 1001  2026-27 .*completed`));
    expect(status.stdout).toMatch(/School\s+completed\s+green/);

    const history = await runCli(['history', '--district', '1001', '--year', '2026-27', '--json'], env);
    expect(history.code).toBe(EXIT.OK);
    expect((JSON.parse(history.stdout) as { batches: { batchId: string }[] }).batches[0]?.batchId).toBe(batch.batchId);

    const cancel = await runCli(['cancel', batch.batchId], env);
    expect(cancel.code).toBe(EXIT.ERROR);
    expect(cancel.stderr).toMatch(/409 Resync Not Running/);

    const foreign = await runCli(['history', '--district', '1002'], env);
    expect(foreign.code).toBe(EXIT.ERROR);
    expect(foreign.stderr).toMatch(/403/);
  });

  it('start --wait off a terminal prints plain progress lines (no carriage returns), then the per-object table', async () => {
    const started = await runCli(['start', '--district', '1001', '--objects', 'Calendar', '--check-dependencies', '--wait'], env);
    expect(started.code).toBe(EXIT.OK);
    expect(started.stderr).not.toContain('\r');
    expect(started.stderr).toMatch(/^batch \S+ (starting|queued)[^:]*: 3 object\(s\) in 3 level\(s\)\n/);
    const lines = progressLines(started.stderr);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) {
      expect(line).toMatch(/^(queued|running \([a-z ]+\)|completed): (\d\/3 objects done, )?[\d,]+ records processed, ([\d,]+|–) records\/s, ETA (–|\d+[hms].*?)(; copying .*)?$/);
    }
    expect(lines[lines.length - 1]).toMatch(/^completed: 3\/3 objects done, [\d,]+ records processed/);
    expect(started.stdout).toMatch(/^batch \S+ {2}district 1001 {2}2026-27 {2}partial by district {2}completed/);
    expect(started.stdout).toMatch(/^ {2}Calendar\s+completed\s+green/m);
  });

  it('refuses school years the district cannot work on, naming its scoped year, before starting anything', async () => {
    const far = await runCli(['start', '--district', '1001', '--objects', 'all', '--year', '2024-25'], env);
    expect(far.code).toBe(EXIT.USAGE);
    expect(far.stderr).toBe('resync start: 2024-25 is not a school year this district can work on: its scoped year is 2026-27, so the choices are 2025-26 (previous), 2026-27 (current) and 2027-28 (next)\n');
    await system.db.sql`update resync.district set year_sync_next = '{}' where district_id = '1001'`;
    const notOffered = await runCli(['start', '--district', '1001', '--objects', 'all', '--year', '2027-28'], env);
    expect(notOffered.code).toBe(EXIT.USAGE);
    expect(notOffered.stderr).toBe('resync start: district 1001 (scoped year 2026-27) is not configured to sync the next school year, 2027-28\n');
    const unknown = await runCli(['start', '--district', '1009', '--objects', 'all', '--year', 'previous'], asState);
    expect(unknown.code).toBe(EXIT.USAGE);
    expect(unknown.stderr).toBe('resync start: district "1009" is not registered (or this token may not see it)\n');
    const history = await request(system.app).get('/api/districts/1001/history').set(bearer(TOKENS.state));
    expect((history.body as { total: number }).total).toBe(2);
  });

  it('a batch whose records the state refuses completes with errors: exit 3', async () => {
    // The state keeps text in varchar(100): a longer school name is refused record by record.
    await system.district.sql.unsafe(`update district_1002.school set name = repeat('x', 150) where id = (select min(id) from district_1002.school)`);
    const started = await runCli(['start', '--district', '1002', '--objects', 'School', '--check-dependencies', '--wait', '--json'], asState);
    expect(started.code).toBe(EXIT.COMPLETED_WITH_ERRORS);
    const batch = JSON.parse(started.stdout) as EndedBatch;
    expect(batch.status).toBe('completed');
    const school = batch.objects.find((o) => o.object === 'School');
    expect(school).toMatchObject({ status: 'completed', errors: 1, colour: expect.stringMatching(/yellow|red/) });
    const status = await runCli(['status', batch.batchId], asState);
    expect(status.code).toBe(EXIT.COMPLETED_WITH_ERRORS);
  });

  it('a green batch that the post-run verification finds out of sync: exit 6', async () => {
    // Something at the state rewrites what the district sent: the records land, but differ.
    await system.db.sql.unsafe(`create function rewrite_1003() returns trigger language plpgsql as $$
      begin new.school_type := 'rewritten by the state'; return new; end $$`);
    await system.db.sql.unsafe(`create trigger rewrite_1003 before insert or update on state.school for each row
      when (new.source_district = '1003') execute function rewrite_1003()`);
    try {
      const started = await runCli(['start', '--district', '1003', '--objects', 'School', '--check-dependencies', '--wait'], asState);
      expect(started.code).toBe(EXIT.OUT_OF_SYNC);
      expect(started.stdout).toMatch(/^ {2}School\s+completed\s+green .* OUT OF SYNC$/m);
      expect(started.stdout).toMatch(/^ {2}verification after the run: OUT OF SYNC$/m);
    } finally {
      await system.db.sql.unsafe('drop trigger rewrite_1003 on state.school');
      await system.db.sql.unsafe('drop function rewrite_1003()');
    }
  });

  it('a batch whose object fails after its retries: status --watch exits 4', async () => {
    await system.db.sql.unsafe(`create function fail_1004() returns trigger language plpgsql as $$
      begin raise exception 'state database rejected the write (test)'; end $$`);
    await system.db.sql.unsafe(`create trigger fail_1004 before insert on state.school for each row
      when (new.source_district = '1004') execute function fail_1004()`);
    try {
      // Through the client rather than the API: only it can shorten the retries (copyAttempts).
      const submitted = await system.resyncs.submit({
        batchId: newBatchId(), districtId: '1004', yearChoice: 'current', schoolYear: 2026, objects: ['School'],
        checkDependencies: true, initiator: 'district', requestedBy: 'test', options: { copyAttempts: 2 },
      });
      const watched = await runCli(['status', submitted.batchId, '--watch'], asState);
      expect(watched.code).toBe(EXIT.FAILED);
      expect(watched.stdout).toMatch(/^ {2}School\s+failed\s+red .*rejected the write/m);
      expect(watched.stderr).not.toContain('\r');
      expect(progressLines(watched.stderr).pop()).toMatch(/^failed: 2\/2 objects done/);
      const json = await runCli(['status', submitted.batchId, '--json'], asState);
      expect(json.code).toBe(EXIT.FAILED);
      expect((JSON.parse(json.stdout) as EndedBatch).status).toBe('failed');
    } finally {
      await system.db.sql.unsafe('drop trigger fail_1004 on state.school');
      await system.db.sql.unsafe('drop function fail_1004()');
    }
  });

  it('a running batch: status exits 7; cancel exits 0; the waiting start exits 5', async () => {
    // Inserts into the state's vaccine shots wait for a lock this test holds: the batch stays
    // running until the test lets go, whatever the machine's speed.
    const lock = await system.db.sql.reserve();
    await lock`select pg_advisory_lock(1005)`;
    await system.db.sql.unsafe(`create function hold_1005() returns trigger language plpgsql as $$
      begin perform pg_advisory_lock_shared(1005); perform pg_advisory_unlock_shared(1005); return null; end $$`);
    await system.db.sql.unsafe('create trigger hold_1005 after insert on state.vaccine_shot for each statement execute function hold_1005()');
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await lock`select pg_advisory_unlock(1005)`;
      lock.release();
    };
    try {
      const waiting = startCli(['start', '--district', '1005', '--objects', 'VaccineShot', '--check-dependencies', '--wait'], asState);
      const batchId = await newestBatch('1005');
      while (await objectStatus(batchId, 'VaccineShot') !== 'running') await new Promise((resolve) => setTimeout(resolve, 100));
      // The waiting command has seen it running (a slow machine may take a while to start it).
      while (!waiting.stderrSoFar().includes('copying VaccineShot')) await new Promise((resolve) => setTimeout(resolve, 100));

      const running = await runCli(['status', batchId], asState);
      expect(running.code).toBe(EXIT.NOT_FINISHED);
      expect(running.stdout).toMatch(/^ {2}VaccineShot\s+running\s+gray/m);

      const cancel = await runCli(['cancel', batchId], asState);
      expect(cancel.code).toBe(EXIT.OK);
      expect(cancel.stdout).toBe(`cancellation of batch ${batchId} requested\n`);
      await release();

      const started = await waiting.done;
      expect(started.code).toBe(EXIT.CANCELLED);
      expect(started.stdout).toMatch(new RegExp(`^batch ${batchId} .* cancelled`));
      expect(started.stderr).not.toContain('\r');
      const lines = progressLines(started.stderr);
      expect(lines.some((line) => /^running \(syncing\): \d+\/\d+ objects done, .*; copying VaccineShot$/.test(line)), lines.join('\n')).toBe(true);
      expect(lines.pop()).toMatch(/^cancelled: /);
      expect((await waitForBatch(system, TOKENS.state, batchId)).status).toBe('cancelled');
    } finally {
      await release();
      await system.db.sql.unsafe('drop trigger hold_1005 on state.vaccine_shot');
      await system.db.sql.unsafe('drop function hold_1005()');
    }
  });
});

describe('npx resync rollover', () => {
  it('starts the rollover of 2026-27, shows its status, and lets it finish on the enrollments signal', async () => {
    await system.seed({ districtId: '1006', students: 40, excludedShare: 0, years: [2026, 2027], seed: 6 });
    // The rollover talks to Temporal, and checks the scoped year in the state database first.
    const temporal = {
      TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: system.worker.namespace, TEMPORAL_TASK_QUEUE: system.worker.taskQueue,
      DATABASE_URL: system.db.url,
    };
    const year = ['--district', '1006', '--ending-year', '2026-27'];

    const started = await runCli(['rollover', 'start', ...year, '--reminder-every', '1 hour', '--json'], temporal);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(EXIT.OK);
    expect(JSON.parse(started.stdout)).toEqual({ workflowId: 'rollover/1006/2026', districtId: '1006', endingYear: 2026 });

    const handle = system.worker.client.workflow.getHandle('rollover/1006/2026');
    while ((await handle.query(rolloverQuery)).phase !== 'waiting for enrollments to be rolled forward') await new Promise((resolve) => setTimeout(resolve, 300));
    const status = await runCli(['rollover', 'status', ...year], temporal);
    expect(status.code).toBe(EXIT.OK);
    expect(status.stdout).toMatch(/^waiting for enrollments to be rolled forward; year-end batches: \S+; year-start batch: -\n$/);
    expect((await getDistrict(system.db.sql, '1006')).scopedYear).toBe(2027);

    const signalled = await runCli(['rollover', 'signal', ...year, 'enrollments-rolled-forward'], temporal);
    expect(signalled.code).toBe(EXIT.OK);
    expect(signalled.stdout).toBe('signalled: enrollments rolled forward\n');
    expect(((await handle.result()) as RolloverState).phase).toBe('finished');

    const none = await runCli(['rollover', 'status', '--district', '1006', '--ending-year', '2025-26'], temporal);
    expect({ code: none.code, stdout: none.stdout }).toEqual({ code: EXIT.USAGE, stdout: '' });
    expect(none.stderr).toBe('resync rollover status: no year rollover was started for district 1006 ending 2025-26: '
      + 'start one with npx resync rollover start --district 1006 --ending-year 2025-26\n');
  });

  it('status and signal of a rollover never started say so and how to start one: exit 2', async () => {
    const temporal = { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: system.worker.namespace, TEMPORAL_TASK_QUEUE: system.worker.taskQueue };
    const year = ['--district', '1001', '--ending-year', '2026-27'];
    const status = await runCli(['rollover', 'status', ...year], temporal);
    expect({ code: status.code, stdout: status.stdout }).toEqual({ code: EXIT.USAGE, stdout: '' });
    expect(status.stderr).toBe('resync rollover status: no year rollover was started for district 1001 ending 2026-27: '
      + 'start one with npx resync rollover start --district 1001 --ending-year 2026-27\n');
    const signal = await runCli(['rollover', 'signal', ...year, 'retry'], temporal);
    expect({ code: signal.code, stdout: signal.stdout }).toEqual({ code: EXIT.USAGE, stdout: '' });
    expect(signal.stderr).toBe('resync rollover signal: no year rollover was started for district 1001 ending 2026-27: '
      + 'start one with npx resync rollover start --district 1001 --ending-year 2026-27\n');
  });
});
