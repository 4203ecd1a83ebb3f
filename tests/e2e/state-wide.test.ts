// State-wide resyncs on real Temporal and PostgreSQL: one request for many districts, each batch
// in its district's lane (one at a time per district, alerted), the global throttle bounding how
// many copy at once, progress across districts, and cancellation of what has not finished.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resyncs } from '../../src/client/resyncs';
import { COPY_PERMITS_WORKFLOW_ID, copyPermitsQuery } from '../../src/workflows/copy-permits';
import type { StateWideProgress } from '../../src/workflows/state-wide-resync';
import { laneWorkflowId } from '../../src/workflows/types';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { localActivities, scheduledActivities } from '../setup/history';
import { bearer, waitForBatch, waitForStatus } from './helpers';

const LIMIT = 2;
const DISTRICTS = ['3001', '3002', '3003', '3004', '3005'];
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ maxActiveDistricts: LIMIT });
  for (const [index, districtId] of DISTRICTS.entries()) await system.seed({ districtId, students: 40, excludedShare: 0, seed: 30 + index });
});

afterAll(async () => {
  await system?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function progressOf(requestId: string): Promise<StateWideProgress> {
  const response = await request(system.app).get(`/api/state/resyncs/${requestId}`).set(bearer(TOKENS.state));
  expect(response.status).toBe(200);
  return response.body as StateWideProgress;
}

async function untilFinished(requestId: string): Promise<StateWideProgress> {
  for (const deadline = Date.now() + 180_000; ;) {
    const progress = await progressOf(requestId);
    if (progress.phase === 'finished') return progress;
    if (Date.now() > deadline) throw new Error(`state-wide resync still ${progress.phase}: ${JSON.stringify(progress.counts)}`);
    await sleep(300);
  }
}

/** The most batches of `batchIds` whose copies overlapped in time (from their objects' times). */
async function peakOverlap(batchIds: readonly string[]): Promise<number> {
  const spans = await system.db.sql<{ start: Date; end: Date }[]>`select min(started_at) as start, max(finished_at) as end
    from resync.batch_object where batch_id = any(${batchIds as string[]}) and started_at is not null group by batch_id`;
  const edges = spans.flatMap((span) => [{ at: span.start.getTime(), delta: 1 }, { at: span.end.getTime(), delta: -1 }])
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const edge of edges) peak = Math.max(peak, (current += edge.delta));
  return peak;
}

async function slowState(): Promise<() => Promise<void>> {
  await system.db.sql.unsafe(`create or replace function slow_state() returns trigger language plpgsql as $$ begin perform pg_sleep(0.3); return null; end $$`);
  const tables = ['person_identity', 'enrollment', 'vaccine_shot'];
  for (const table of tables) await system.db.sql.unsafe(`create trigger slow_state after insert or update on state.${table} for each statement execute function slow_state()`);
  return async () => {
    for (const table of tables) await system.db.sql.unsafe(`drop trigger if exists slow_state on state.${table}`);
  };
}

describe('a state-wide resync', () => {
  it('refuses unknown districts and objects, and starts nothing', async () => {
    const unknown = await request(system.app).post('/api/state/resyncs').set(bearer(TOKENS.state)).send({ districts: ['3001', '9999'], objects: 'all' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ detail: 'not registered: 9999', unknownDistricts: ['9999'] });
    const badObject = await request(system.app).post('/api/state/resyncs').set(bearer(TOKENS.state)).send({ districts: 'all', objects: ['TestScores'] });
    expect(badObject.status).toBe(422);
    expect(badObject.body.detail).toBe('unknown object: "TestScores" (did you mean TestScore?)');
    const district = await request(system.app).post('/api/state/resyncs').set(bearer(TOKENS.district1001)).send({ districts: 'all', objects: 'all' });
    expect(district.status).toBe(403);
    const [batches] = await system.db.sql`select count(*)::int as n from resync.batch`;
    expect(batches?.n).toBe(0);
    // Nothing copied yet and this API has no bound configured (the test system's): none to report.
    const list = await request(system.app).get('/api/state/resyncs').set(bearer(TOKENS.state));
    expect(list.body).toEqual({ requests: [], maxActiveDistricts: null });
  });

  it('resyncs every district, each in its lane with its alert, never more than the global bound at once', async () => {
    const restore = await slowState();
    try {
      const started = await request(system.app).post('/api/state/resyncs').set(bearer(TOKENS.state)).send({ districts: 'all', objects: 'all' });
      expect(started.status).toBe(202);
      expect(started.body.districts).toEqual(DISTRICTS);
      const seen = new Set<string>();
      let progress = await progressOf(started.body.requestId as string);
      while (progress.phase !== 'finished') {
        // Never more running than the bound, whenever we look.
        expect(progress.counts.running).toBeLessThanOrEqual(LIMIT);
        if (progress.counts.running > 0 && progress.counts.queued > 0) seen.add('running while others wait');
        await sleep(200);
        progress = await progressOf(started.body.requestId as string);
      }
      expect(seen.has('running while others wait')).toBe(true);
      expect(progress.counts).toMatchObject({ total: 5, completed: 5, failed: 0, cancelled: 0, running: 0, queued: 0, pending: 0, skipped: 0 });
      const batchIds = progress.districts.map((district) => district.batchId as string);
      const rows = await system.db.sql<{ batch_id: string; district_id: string; initiator: string; status: string; processed: number; errors: number; sent: number }[]>`
        select batch_id, district_id, initiator, status, processed, errors, sent from resync.batch where batch_id = any(${batchIds})`;
      expect(rows.map((row) => row.district_id).sort()).toEqual(DISTRICTS);
      expect(rows.every((row) => row.initiator === 'state' && row.status === 'completed')).toBe(true);
      expect(progress.records).toEqual({
        processed: rows.reduce((sum, row) => sum + Number(row.processed), 0),
        errors: rows.reduce((sum, row) => sum + Number(row.errors), 0),
        sent: rows.reduce((sum, row) => sum + Number(row.sent), 0),
      });
      expect(await peakOverlap(batchIds)).toBe(LIMIT);
      // A batch gives its permit back after its waiters heard its end (resync-batch.ts, finish): the
      // last release may still be on its way when the run reads finished.
      const permitsNow = () => system.worker.client.workflow.getHandle(COPY_PERMITS_WORKFLOW_ID).query(copyPermitsQuery);
      let permits = await permitsNow();
      for (const deadline = Date.now() + 10_000; permits.active.length > 0 && Date.now() < deadline; permits = await permitsNow()) await sleep(100);
      expect(permits).toMatchObject({ limit: LIMIT, peakActive: LIMIT, active: [], waiting: [] });
      for (const districtId of DISTRICTS) {
        const [alert] = await system.db.sql`select title from resync.alert where district_id = ${districtId} and batch_id = any(${batchIds})`;
        expect(alert?.title, districtId).toBe('State Resync Requested');
      }
      // The list names the request; the bound reported is the workers' (the throttle's), which this
      // API was not configured with.
      // (Temporal's visibility may take a moment to show the run closed.)
      const listed = async () => (await request(system.app).get('/api/state/resyncs').set(bearer(TOKENS.state))).body as
        { requests: { requestId: string; status: string }[]; maxActiveDistricts: number | null };
      let list = await listed();
      for (const deadline = Date.now() + 10_000; !list.requests.some((r) => r.requestId === started.body.requestId && r.status === 'COMPLETED') && Date.now() < deadline;) {
        await sleep(200);
        list = await listed();
      }
      expect(list.maxActiveDistricts).toBe(LIMIT);
      expect(system.deps.resyncs.maxActiveDistricts).toBe(0);
      expect(list.requests).toContainEqual(expect.objectContaining({ requestId: started.body.requestId, status: 'COMPLETED' }));
    } finally {
      await restore();
    }
  });

  it('keeps one batch at a time per district: a district already resyncing gets the state-wide batch queued behind the running one', async () => {
    const restore = await slowState();
    try {
      const own = await request(system.app).post('/api/districts/3001/resyncs').set(bearer(TOKENS.state)).send({ objects: ['Enrollment'], checkDependencies: true });
      expect(own.status).toBe(202);
      await waitForStatus(system, TOKENS.state, own.body.batchId as string, 'running');
      const started = await request(system.app).post('/api/state/resyncs').set(bearer(TOKENS.state)).send({ districts: ['3001', '3002'], objects: ['School'], checkDependencies: true });
      expect(started.status).toBe(202);
      const done = await untilFinished(started.body.requestId as string);
      expect(done.counts).toMatchObject({ total: 2, completed: 2 });
      const stateBatch = done.districts.find((district) => district.districtId === '3001')?.batchId as string;
      const first = await waitForBatch(system, TOKENS.state, own.body.batchId as string);
      const second = await waitForBatch(system, TOKENS.state, stateBatch);
      expect(first.status).toBe('completed');
      expect(new Date(second.startedAt as string).getTime()).toBeGreaterThanOrEqual(new Date(first.finishedAt as string).getTime());
    } finally {
      await restore();
    }
  });

  it('cancelled, cancels every district batch that has not ended, queued ones included', async () => {
    const restore = await slowState();
    try {
      const started = await request(system.app).post('/api/state/resyncs').set(bearer(TOKENS.state)).send({ districts: 'all', objects: 'all' });
      const requestId = started.body.requestId as string;
      for (let progress = await progressOf(requestId); progress.counts.running === 0; progress = await progressOf(requestId)) await sleep(100);
      const cancel = await request(system.app).post(`/api/state/resyncs/${requestId}/cancel`).set(bearer(TOKENS.state));
      expect(cancel.status).toBe(202);
      const done = await untilFinished(requestId);
      expect(done.cancelledBy).toBe('state');
      expect(done.counts.running + done.counts.queued + done.counts.pending).toBe(0);
      expect(done.counts.cancelled).toBeGreaterThanOrEqual(5 - LIMIT);
      const batchIds = done.districts.map((district) => district.batchId).filter((id): id is string => id !== null);
      const rows = await system.db.sql<{ status: string; failure: string | null }[]>`select status, failure from resync.batch where batch_id = any(${batchIds})`;
      expect(rows.every((row) => row.status === 'cancelled' || row.status === 'completed')).toBe(true);
      for (const row of rows.filter((r) => r.status === 'cancelled')) expect(row.failure).toMatch(/^cancelled by state at /);
      const again = await request(system.app).post(`/api/state/resyncs/${requestId}/cancel`).set(bearer(TOKENS.state));
      expect(again.status).toBe(409);
      // The list says cancelled, not finished (the run itself ends normally once its batches stopped).
      const listed = async () => ((await request(system.app).get('/api/state/resyncs').set(bearer(TOKENS.state))).body.requests as { requestId: string; status: string; outcome: string | null }[])
        .find((entry) => entry.requestId === requestId);
      let entry = await listed();
      for (let tries = 0; tries < 50 && entry?.outcome !== 'cancelled'; tries++, entry = await listed()) await sleep(100);
      expect(entry).toMatchObject({ status: 'COMPLETED', outcome: 'cancelled' });
    } finally {
      await restore();
    }
  });
});

/**
 * Holds every batch between its end in the history and its signal to whoever waits for it:
 * recording the outcome reads the batch's error log last, and a clean copy (these districts') writes
 * none, so while the test holds that table the batches read completed and their waiters have not
 * heard of it. Take it before the batches start; release it once.
 */
async function holdBatchEnds(): Promise<() => Promise<void>> {
  const hold = await system.db.sql.reserve();
  await hold`begin`;
  await hold`lock table resync.sync_error in access exclusive mode`;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await hold`rollback`;
    hold.release();
  };
}

/** The events of a workflow's history for activities of a type: scheduled, completed, cancel requested. */
async function activityEvents(workflowId: string, activityType: string): Promise<{ scheduled: number; completed: number; cancelRequested: number }> {
  const { events } = await system.worker.client.workflow.getHandle(workflowId).fetchHistory();
  const ids = new Set((events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
    .map((event) => String(event.eventId)));
  const of = (id: unknown) => ids.has(String(id));
  return {
    scheduled: ids.size,
    completed: (events ?? []).filter((event) => of(event.activityTaskCompletedEventAttributes?.scheduledEventId)).length,
    cancelRequested: (events ?? []).filter((event) => of(event.activityTaskCancelRequestedEventAttributes?.scheduledEventId)).length,
  };
}

async function batchRows(batchIds: readonly string[]) {
  return system.db.sql<{ batch_id: string; status: string; cancel_requested_by: string | null; workflow_id: string; school_year: number; district_id: string }[]>`
    select batch_id, status, cancel_requested_by, workflow_id, school_year, district_id from resync.batch where batch_id = any(${batchIds as string[]}) order by district_id`;
}

async function untilRecorded(batchIds: readonly string[], status: string): Promise<void> {
  for (const deadline = Date.now() + 120_000; ;) {
    const rows = await batchRows(batchIds);
    if (rows.length === batchIds.length && rows.every((row) => row.status === status)) return;
    if (Date.now() > deadline) throw new Error(`batches not ${status}: ${JSON.stringify(rows.map((row) => row.status))}`);
    await sleep(200);
  }
}

describe('a district batch of a state-wide resync', () => {
  it('takes one bookkeeping activity before its copy (reading the batch and recording its end run locally), and none for a follow-up its district did not ask for', async () => {
    const started = await request(system.app).post('/api/state/resyncs').set(bearer(TOKENS.state)).send({ districts: ['3004'], objects: 'all' });
    expect(started.status).toBe(202);
    const done = await untilFinished(started.body.requestId as string);
    expect(done.counts).toMatchObject({ total: 1, completed: 1 });
    const [row] = await batchRows([done.districts[0]?.batchId as string]);
    if (!row) throw new Error('no batch row');
    const { events } = await system.worker.client.workflow.getHandle(row.workflow_id).fetchHistory();
    // Its copy removes what the district no longer has in the same activity (no pruneObjects).
    expect(scheduledActivities(events)).toEqual(['startBatch', 'copyLevels', 'verifyBatch']);
    // Reading the batch and recording its end run inside the workflow tasks that need them.
    expect(localActivities(events)).toEqual(['loadBatch', 'recordBatchFinished']);
    // Its end reaches the state-wide run and the throttle from recordBatchFinished: the workflow
    // itself signals only that it started.
    const signalled = (events ?? []).map((event) => event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName).filter(Boolean);
    expect(signalled).toEqual(['batchStarted']);
    // Its lane recorded it and raised the district's alert in one activity (one transaction).
    const alerts = await system.db.sql`select title from resync.alert where batch_id = ${row.batch_id}`;
    expect(alerts.map((alert) => alert.title)).toEqual(['State Resync Requested']);
    const lane = await system.worker.client.workflow.getHandle(laneWorkflowId(row.district_id, row.school_year)).fetchHistory();
    const laneActivities = scheduledActivities(lane.events);
    // (The lane may hold earlier batches of this district: none of them raised the alert apart.)
    expect(laneActivities).toContain('recordBatchQueued');
    expect(laneActivities).not.toContain('raiseAlert');
  });
});

describe('a copy permit', () => {
  it('goes back when the worker ending its batch runs without a bound of its own (a fleet changing its setting)', async () => {
    const permits = () => system.worker.client.workflow.getHandle(COPY_PERMITS_WORKFLOW_ID).query(copyPermitsQuery);
    const release = await holdBatchEnds();
    try {
      const started = await request(system.app).post('/api/districts/3005/resyncs').set(bearer(TOKENS.state)).send({ objects: 'all' });
      expect(started.status).toBe(202);
      const holding = async () => (await permits()).active.find((holder) => holder.districtId === '3005')?.holder;
      let holder = await holding().catch(() => undefined);
      for (const deadline = Date.now() + 60_000; !holder && Date.now() < deadline; holder = await holding().catch(() => undefined)) await sleep(100);
      if (!holder) throw new Error('the batch never held a copy permit');
      // recordBatchFinished on a worker whose RESYNC_MAX_ACTIVE_DISTRICTS is 0 gives it back.
      await new Resyncs(system.worker.client, system.worker.taskQueue, system.db.sql, 0).releaseCopyPermit(holder);
      let active = (await permits()).active.map((entry) => entry.holder);
      for (const deadline = Date.now() + 10_000; active.includes(holder) && Date.now() < deadline; active = (await permits()).active.map((entry) => entry.holder)) await sleep(100);
      expect(active).not.toContain(holder);
      await release();
      expect((await waitForBatch(system, TOKENS.state, started.body.batchId as string)).status).toBe('completed');
    } finally {
      await release();
    }
  });
});

describe('a cancel arriving after the batches recorded their end', () => {
  beforeAll(async () => {
    // Districts that asked for automatic retries: each batch ends by submitting its follow-up.
    for (const districtId of ['3001', '3002', '3003']) {
      const settings = await request(system.app).patch(`/api/districts/${districtId}`).set(bearer(TOKENS.state)).send({ autoRetryDeferred: true });
      expect(settings.status).toBe(200);
    }
  });

  it('cancels nothing: the state-wide run ends as its districts did, saying who asked, and no batch records a cancel request', async () => {
    const release = await holdBatchEnds();
    try {
      const started = await request(system.app).post('/api/state/resyncs').set(bearer(TOKENS.state)).send({ districts: ['3001', '3002'], objects: 'all' });
      expect(started.status).toBe(202);
      const requestId = started.body.requestId as string;
      let progress = await progressOf(requestId);
      for (; progress.phase === 'submitting'; progress = await progressOf(requestId)) await sleep(100);
      const batchIds = progress.districts.map((district) => district.batchId as string);
      expect(batchIds).toHaveLength(2);
      await untilRecorded(batchIds, 'completed');
      // Completed in the history; the run has not heard it yet.
      expect((await progressOf(requestId)).counts).toMatchObject({ running: 2, completed: 0, cancelled: 0 });
      const cancel = await request(system.app).post(`/api/state/resyncs/${requestId}/cancel`).set(bearer(TOKENS.state));
      expect(cancel.status).toBe(202);
      const workflowId = `state-resync/${requestId}`;
      for (const deadline = Date.now() + 60_000; (await activityEvents(workflowId, 'cancelBatch')).completed < 2;) {
        if (Date.now() > deadline) throw new Error('the run never asked to cancel its batches');
        await sleep(100);
      }
      await release();
      const done = await untilFinished(requestId);
      expect(done.cancelledBy).toBe('state');
      expect(done.counts).toMatchObject({ total: 2, completed: 2, failed: 0, cancelled: 0, running: 0, queued: 0, pending: 0 });
      expect(done.districts.map((district) => [district.districtId, district.status, district.failure]))
        .toEqual([['3001', 'completed', null], ['3002', 'completed', null]]);
      expect((await batchRows(batchIds)).map((row) => [row.district_id, row.status, row.cancel_requested_by]))
        .toEqual([['3001', 'completed', null], ['3002', 'completed', null]]);
      // Neither batch's follow-up was disturbed: each asked for it once, and it completed (the run
      // hears a batch's end as it is recorded: the follow-up may still be on its way).
      for (const row of await batchRows(batchIds)) {
        let followUp = await activityEvents(row.workflow_id, 'submitDeferredRetry');
        for (const deadline = Date.now() + 30_000; followUp.completed === 0 && Date.now() < deadline;) {
          await sleep(100);
          followUp = await activityEvents(row.workflow_id, 'submitDeferredRetry');
        }
        expect(followUp, row.district_id).toEqual({ scheduled: 1, completed: 1, cancelRequested: 0 });
      }
      const listed = async () => ((await request(system.app).get('/api/state/resyncs').set(bearer(TOKENS.state))).body.requests as { requestId: string; status: string; outcome: string | null }[])
        .find((entry) => entry.requestId === requestId);
      let entry = await listed();
      for (let tries = 0; tries < 50 && (entry?.status !== 'COMPLETED' || entry.outcome === null); tries++, entry = await listed()) await sleep(100);
      expect(entry).toMatchObject({ status: 'COMPLETED', outcome: 'green' });
    } finally {
      await release();
    }
  });

  it('a batch cancelled through its lane after recording its end keeps its outcome, records no cancel request, and submits its follow-up', async () => {
    const release = await holdBatchEnds();
    try {
      // The race the cancel paths' checks cannot close: the lane still runs the batch whose end is recorded.
      const own = await request(system.app).post('/api/districts/3003/resyncs').set(bearer(TOKENS.state)).send({ objects: ['School'], checkDependencies: true });
      expect(own.status).toBe(202);
      const batchId = own.body.batchId as string;
      await untilRecorded([batchId], 'completed');
      const [row] = await batchRows([batchId]);
      if (!row) throw new Error('no batch row');
      expect(await system.resyncs.cancel({ batchId, districtId: '3003', schoolYear: row.school_year }, 'state')).toBe('cancelling');
      await release();
      const handle = system.worker.client.workflow.getHandle(row.workflow_id);
      await handle.result();
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect(await activityEvents(row.workflow_id, 'submitDeferredRetry')).toEqual({ scheduled: 1, completed: 1, cancelRequested: 0 });
      expect((await batchRows([batchId])).map((r) => [r.status, r.cancel_requested_by])).toEqual([['completed', null]]);
    } finally {
      await release();
    }
  });
});

describe('npx resync state-resync', () => {
  it('requests a state-wide resync, follows it with a line per change, prints each district and exits 0', async () => {
    const { runCli } = await import('../setup/cli');
    const { EXIT } = await import('../../src/cli/exit-codes');
    const server = system.app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const address = server.address();
      const env = { API_URL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, RESYNC_TOKEN: TOKENS.state, RESYNC_POLL_MS: '200' };
      const result = await runCli(['state-resync', '--districts', '3004,3005', '--objects', 'School', '--check-dependencies', '--wait'], env);
      expect(result.stderr).toMatch(/^state-wide resync \S+: 2 district\(s\)\n/);
      expect(result.stderr).toMatch(/^2\/2 districts done \(0 failed, 0 cancelled\), 0 running, 0 waiting; [\d,]+ records, 0 errors$/m);
      expect(result.stdout).toMatch(/^ {2}3004\s+completed\s+processed\s+\d+\s+errors\s+0\n {2}3005\s+completed/);
      expect(result.code).toBe(EXIT.OK);
      const usage = await runCli(['state-resync', '--objects', 'all'], env);
      expect(usage.code).toBe(EXIT.USAGE);
      expect(usage.stderr).toContain('--districts all|<id>,<id>… is required');
    } finally {
      server.close();
    }
  });
});
