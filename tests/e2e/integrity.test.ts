// Integrity and access faults, each reproduced against real Temporal and PostgreSQL: what a
// cancelled batch leaves behind, the race between cancelling and starting a queued batch, what a
// district can learn of a state request, what operators can find in Temporal's visibility, which
// errors are never retried, and batch ids that meet.
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi';
import { newBatchId } from '../../src/client/resyncs';
import { BatchIdCollisionError } from '../../src/domain';
import { resyncBatch } from '../../src/workflows/resync-batch';
import { batchWorkflowId, laneWorkflowId, type ResyncRequest } from '../../src/workflows/types';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { localActivities, localActivityAttempts, scheduledActivities } from '../setup/history';
import { bearer, waitForBatch, type BatchBody } from './helpers';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 300, excludedShare: 0 });
  await system.seed({ districtId: '1002', students: 40, excludedShare: 0, seed: 2 });
});

afterAll(async () => {
  await system?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(token: string, districtId: string, body: object): Promise<string> {
  const path = token === TOKENS.state ? `/api/state/districts/${districtId}/resync-requests` : `/api/districts/${districtId}/resyncs`;
  const response = await request(system.app).post(path).set(bearer(token)).send(body);
  if (response.status !== 202) throw new Error(`start: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.batchId as string;
}

interface ObjectRow { object: string; status: string; processed: number; errors: number; sent: number }

/** A batch records its end a moment before its lane hears of it: wait until the lane is idle. */
async function laneIdle(districtId: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const lane = await system.resyncs.lane(districtId, 2026);
    if (!lane?.running && (lane?.queued.length ?? 0) === 0) return;
    await sleep(100);
  }
  throw new Error(`the lane of ${districtId} never became idle`);
}

async function objectRows(batchId: string): Promise<ObjectRow[]> {
  return system.db.sql<ObjectRow[]>`select object, status, processed, errors, sent from resync.batch_object
    where batch_id = ${batchId} order by object`;
}

async function batchTotals(batchId: string) {
  const [row] = await system.db.sql`select status, processed, errors, sent, failure from resync.batch where batch_id = ${batchId}`;
  return row as { status: string; processed: number; errors: number; sent: number; failure: string | null };
}

/** Visibility is eventually consistent: ask until the expected runs show up. */
async function listIds(query: string, expected: (ids: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ids: string[] = [];
    for await (const run of system.worker.client.workflow.list({ query })) ids.push(run.workflowId);
    if (expected(ids) || Date.now() > deadline) return ids.sort();
    await sleep(500);
  }
}

let goodBatch: string;
let cancelledBatch: string;

describe('cancelling a running batch', () => {
  it('records the batch cancelled only after every copy stopped; totals are the sums of its objects; the tool keeps the last good result', async () => {
    goodBatch = await start(TOKENS.district1001, '1001', { objects: 'all' });
    expect((await waitForBatch(system, TOKENS.district1001, goodBatch)).status).toBe('completed');

    // Every statement writing a big object's page at the state takes a while, and pages are small:
    // the cancellation lands while copies are in flight.
    await system.db.sql.unsafe(`create or replace function slow_page() returns trigger language plpgsql as $$ begin perform pg_sleep(0.15); return null; end $$`);
    const slowed = ['vaccine_shot', 'test_score', 'behavior', 'health_screening', 'program_participation', 'enrollment', 'roster'];
    for (const table of slowed) await system.db.sql.unsafe(`create trigger slow_page after insert or update on state.${table} for each statement execute function slow_page()`);
    try {
      await laneIdle('1001');
      cancelledBatch = newBatchId();
      const requestBody: ResyncRequest = {
        batchId: cancelledBatch, districtId: '1001', yearChoice: 'current', schoolYear: 2026, objects: 'all', checkDependencies: true,
        initiator: 'district', requestedBy: 'district:1001', options: { pageSize: 40 },
      };
      await system.resyncs.submit(requestBody);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const rows = await objectRows(cancelledBatch);
        if (rows.some((row) => row.status === 'completed') && rows.some((row) => row.status === 'running' && row.processed > 0)) break;
        if (Date.now() > deadline) throw new Error(`never mid-copy: ${JSON.stringify(rows)}`);
        await sleep(50);
      }
      const cancel = await request(system.app).post(`/api/resyncs/${cancelledBatch}/cancel`).set(bearer(TOKENS.district1001));
      expect(cancel.status).toBe(202);
      expect(cancel.body).toMatchObject({ cancellationRequested: true, outcome: 'cancelling' });

      const ended = await waitForBatch(system, TOKENS.district1001, cancelledBatch);
      expect(ended.status).toBe('cancelled');
      expect(ended.failure).toMatch(/^cancelled by district:1001 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);

      const rows = await objectRows(cancelledBatch);
      const statuses = new Set(rows.map((row) => row.status));
      expect([...statuses].every((status) => status === 'completed' || status === 'cancelled')).toBe(true);
      expect(statuses.has('completed') && statuses.has('cancelled')).toBe(true);
      const sum = (key: 'processed' | 'errors' | 'sent') => rows.reduce((total, row) => total + Number(row[key]), 0);
      const totals = await batchTotals(cancelledBatch);
      expect({ processed: totals.processed, errors: totals.errors, sent: totals.sent }).toEqual({ processed: sum('processed'), errors: sum('errors'), sent: sum('sent') });

      // Nothing lands after the batch was recorded: the counts stand still, and every record the
      // state holds from this batch is one its object counted as sent.
      await sleep(2000);
      expect(await objectRows(cancelledBatch)).toEqual(rows);
      for (const row of rows.filter((r) => slowed.includes(r.object.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()))) {
        const table = row.object.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
        const [held] = await system.db.sql.unsafe(`select count(*)::int as n from state.${table} where source_district = '1001' and synced_batch = $1`, [cancelledBatch]);
        expect(held?.n, row.object).toBe(Number(row.sent));
      }
      const [ranges] = await system.db.sql`select coalesce(sum(processed), 0)::int as processed from resync.batch_range where batch_id = ${cancelledBatch}`;
      expect(ranges?.processed).toBe(sum('processed'));

      // The tool keeps each cancelled object's last good result (the first batch's), not a red 0/0.
      const table = await request(system.app).get('/api/districts/1001/objects').set(bearer(TOKENS.district1001));
      const byObject = new Map((table.body.objects as { object: string; batchId: string; colour: string }[]).map((row) => [row.object, row]));
      for (const row of rows.filter((r) => r.status === 'cancelled')) {
        expect(byObject.get(row.object), row.object).toMatchObject({ batchId: goodBatch, colour: 'green' });
      }
      for (const row of rows.filter((r) => r.status === 'completed')) {
        expect(byObject.get(row.object)?.batchId, row.object).toBe(cancelledBatch);
      }
    } finally {
      for (const table of slowed) await system.db.sql.unsafe(`drop trigger if exists slow_page on state.${table}`);
    }
  });
});

describe('cancelling a queued batch as its lane starts it', () => {
  it('answers 202 (and the batch ends cancelled) or 409 (it already ran), never 500, whatever the timing', async () => {
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      const running = await start(TOKENS.state, '1002', { objects: ['District'] });
      const queued = await start(TOKENS.state, '1002', { objects: ['District'] });
      for (;;) {
        const totals = await batchTotals(running);
        if (totals.status !== 'queued' && totals.status !== 'running') break;
        await sleep(5);
      }
      await sleep(attempt * 12);
      const cancel = await request(system.app).post(`/api/resyncs/${queued}/cancel`).set(bearer(TOKENS.state));
      expect([202, 409], JSON.stringify(cancel.body)).toContain(cancel.status);
      const ended = await waitForBatch(system, TOKENS.state, queued);
      if (cancel.status === 202) {
        expect(ended.status).toBe('cancelled');
        expect(ended.failure).toMatch(/^cancelled by state at /);
        outcomes.push(cancel.body.outcome as string);
      } else {
        expect(ended.status).toBe('completed');
        outcomes.push('409');
      }
    }
    expect(outcomes.length).toBe(8);
    const [left] = await system.db.sql`select count(*)::int as n from resync.batch where district_id = '1002' and status in ('queued', 'running')`;
    expect(left?.n).toBe(0);
  });
});

describe('a state request, as a district sees it', () => {
  it('names its objects in no workflow input, no API route the district token reaches, and no Temporal link', async () => {
    const before = await request(system.app).get('/api/districts/1002/objects').set(bearer(TOKENS.district1002));
    const stateBatch = await start(TOKENS.state, '1002', { objects: ['TestScore'], checkDependencies: true });
    expect((await waitForBatch(system, TOKENS.state, stateBatch)).status).toBe('completed');

    // Workflow inputs: the batch's start input and the lane's accepted update carry no objects.
    const batchHistory = await system.worker.client.workflow.getHandle(batchWorkflowId('1002', 2026, stateBatch)).fetchHistory();
    const started = batchHistory.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    const input = JSON.parse(Buffer.from(started ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;
    expect(input).toMatchObject({ batchId: stateBatch, districtId: '1002', initiator: 'state' });
    expect(input).not.toHaveProperty('objects');
    expect(JSON.stringify(input)).not.toContain('TestScore');
    const laneHistory = await system.worker.client.workflow.getHandle(laneWorkflowId('1002', 2026)).fetchHistory();
    const updates = (laneHistory.events ?? []).flatMap((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? []);
    expect(updates.length).toBeGreaterThan(0);
    for (const payload of updates) expect(Buffer.from(payload.data ?? new Uint8Array()).toString('utf8')).not.toContain('TestScore');

    // Every GET route of the API, with the district's token.
    const paths = Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>)
      .filter(([, operations]) => 'get' in operations).map(([path]) => path.replace('{district}', '1002').replace('{batch}', stateBatch));
    for (const path of paths) {
      const response = await request(system.app).get(path).set(bearer(TOKENS.district1002));
      const text = JSON.stringify(response.body ?? response.text);
      expect(text, path).not.toMatch(/requestedObjects|"plan"|\/workflows\//);
      if (path.endsWith('/objects')) {
        // The table lists every object the district may resync; the state's batch changes none of its rows.
        expect(response.body, path).toEqual(before.body);
      } else if (!path.endsWith('/verification')) {
        expect(text, path).not.toContain('TestScore');
      }
    }
    const errors = await request(system.app).get(`/api/resyncs/${stateBatch}/errors?format=csv`).set(bearer(TOKENS.district1002));
    expect(errors.text ?? '').not.toContain('TestScore');
    const alerts = await request(system.app).get('/api/alerts').set(bearer(TOKENS.district1002));
    const alert = (alerts.body.alerts as { batchId: string; message: string }[]).find((entry) => entry.batchId === stateBatch);
    expect(alert?.message).toBe('The state requested a resync of district 1002 for 2026-27.');

    // The state's own view links to Temporal; a district's never does, even for its own batches.
    expect((await request(system.app).get(`/api/resyncs/${stateBatch}`).set(bearer(TOKENS.state))).body.temporalUi).toMatch(/\/workflows\//);
    expect((await request(system.app).get(`/api/resyncs/${goodBatch}`).set(bearer(TOKENS.district1001))).body.temporalUi).toBeNull();
  });
});

describe('what operators find in the Temporal UI', () => {
  it('every run of a batch carries DistrictId, SchoolYear, ResyncKind, Initiator and its ResyncOutcome', async () => {
    const workflowId = batchWorkflowId('1001', 2026, goodBatch);
    expect(await listIds(`DistrictId = "1001" AND SchoolYear = 2026 AND WorkflowId = "${workflowId}"`, (found) => found.length === 1)).toEqual([workflowId]);
    // Large objects get child runs of their own (here every object counts as large).
    const batchId = newBatchId();
    await laneIdle('1002');
    await system.resyncs.submit({
      batchId, districtId: '1002', yearChoice: 'current', schoolYear: 2026, objects: ['School'], checkDependencies: true,
      initiator: 'district', requestedBy: 'district:1002', options: { largeObjectRecords: 1 },
    });
    expect((await waitForBatch(system, TOKENS.district1002, batchId)).status).toBe('completed');
    const parent = batchWorkflowId('1002', 2026, batchId);
    const objects = [`${parent}/District`, `${parent}/School`];
    const ids = await listIds('DistrictId = "1002" AND SchoolYear = 2026', (found) => objects.every((id) => found.includes(id)));
    expect(ids).toEqual(expect.arrayContaining([laneWorkflowId('1002', 2026), parent, ...objects]));
    const child = await system.worker.client.workflow.getHandle(objects[1] ?? '').describe();
    const ours = new Set(['DistrictId', 'Initiator', 'ResyncKind', 'ResyncOutcome', 'SchoolYear']);
    expect(child.typedSearchAttributes.getAll().filter((pair) => ours.has(pair.key.name)).map((pair) => [pair.key.name, pair.value]).sort()).toEqual([
      ['DistrictId', '1002'], ['Initiator', 'district'], ['ResyncKind', 'partial'], ['ResyncOutcome', 'green'], ['SchoolYear', 2026],
    ]);
    expect(await listIds(`ResyncOutcome = "green" AND WorkflowId = "${workflowId}"`, (found) => found.length === 1)).toEqual([workflowId]);
    const cancelledId = batchWorkflowId('1001', 2026, cancelledBatch);
    expect(await listIds(`ResyncOutcome = "cancelled" AND WorkflowId = "${cancelledId}"`, (found) => found.length === 1)).toEqual([cancelledId]);
  });

  it('a batch whose every record failed completes red, and is found as red', async () => {
    await system.seed({ districtId: '1005', students: 30, excludedShare: 0, seed: 5 });
    // TestScore alone, without its parents, on an empty state: every record's parent is missing.
    const batchId = await start(TOKENS.state, '1005', { objects: ['TestScore'] });
    const batch = await waitForBatch(system, TOKENS.state, batchId);
    expect(batch.status).toBe('completed');
    const testScore = batch.objects?.find((o) => o.object === 'TestScore');
    expect(testScore).toMatchObject({ colour: 'red', sent: 0 });
    expect(testScore?.errors).toBe(testScore?.processed);
    const workflowId = batchWorkflowId('1005', 2026, batchId);
    expect(await listIds(`ResyncOutcome = "red" AND DistrictId = "1005"`, (found) => found.includes(workflowId))).toEqual([workflowId]);
  });
});

describe('a batch whose end cannot be recorded at first', () => {
  it('retries recording it as an activity the Temporal UI shows pending, with its last failure, and completes once it can', async () => {
    await system.seed({ districtId: '1011', students: 5, excludedShare: 0, seed: 11 });
    // The state's database refuses this district's batch ends until the test lets them through.
    await system.db.sql`create table test_refuse_end (district_id text primary key)`;
    await system.db.sql`insert into test_refuse_end values ('1011')`;
    await system.db.sql.unsafe(`create function test_refuse_end() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from test_refuse_end r where r.district_id = new.district_id) then raise exception 'test: batch end refused'; end if;
        return new;
      end $$`);
    await system.db.sql.unsafe(`create trigger test_refuse_end before update on resync.batch for each row
      when (new.status in ('completed', 'failed', 'cancelled')) execute function test_refuse_end()`);
    try {
      const batchId = await start(TOKENS.state, '1011', { objects: ['School'] });
      const handle = system.worker.client.workflow.getHandle(batchWorkflowId('1011', 2026, batchId));
      let pending: { activityType?: { name?: string | null } | null; lastFailure?: { message?: string | null } | null } | undefined;
      for (const deadline = Date.now() + 60_000; !pending?.lastFailure?.message;) {
        if (Date.now() > deadline) throw new Error(`no pending recordBatchFinished: ${JSON.stringify(pending)}`);
        pending = (await handle.describe()).raw.pendingActivities?.find((activity) => activity.activityType?.name === 'recordBatchFinished');
        await sleep(200);
      }
      expect(pending?.lastFailure?.message).toContain('test: batch end refused');
      await system.db.sql`delete from test_refuse_end`;
      const batch = await waitForBatch(system, TOKENS.state, batchId);
      expect(batch.status).toBe('completed');
      const events = (await handle.fetchHistory()).events ?? [];
      // The local try failed; the activity that followed recorded the end.
      expect(localActivities(events)).toEqual(['loadBatch', 'recordBatchFinished']);
      expect(scheduledActivities(events)).toContain('recordBatchFinished');
    } finally {
      await system.db.sql`drop trigger if exists test_refuse_end on resync.batch`;
      await system.db.sql`drop function if exists test_refuse_end()`;
      await system.db.sql`drop table if exists test_refuse_end`;
    }
  });
});

describe('errors retrying cannot fix', () => {
  it('an unknown district fails the batch on the (local) activity\'s first attempt', async () => {
    const batchId = newBatchId();
    const handle = await system.worker.client.workflow.start(resyncBatch, {
      taskQueue: system.worker.taskQueue, workflowId: batchWorkflowId('nowhere', 2026, batchId),
      args: [{ batchId, districtId: 'nowhere', yearChoice: 'current', schoolYear: 2026, kind: 'full', initiator: 'state', requestedBy: 'test' }],
    });
    const failure = await handle.result().then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    // loadBatch runs as a local activity: its error reaches the workflow as it was thrown.
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('UnknownDistrictError');
    expect((cause as ApplicationFailure).message).toBe('district "nowhere" is not registered');
    // One attempt: a retry would have recorded a second marker, or waited for its backoff first.
    const events = (await handle.fetchHistory()).events ?? [];
    // (Then the batch tries to record its end, which has no history row to go to: logged.)
    expect(localActivities(events)).toEqual(['loadBatch', 'recordBatchFinished']);
    expect(localActivityAttempts(events, 'loadBatch')).toEqual([1]);
  });
});

describe('a district database that cannot be reached', () => {
  it('leaves its batch planning (not waiting for a copy slot) while counting fails and is retried', async () => {
    await system.seed({ districtId: '1009', students: 5, excludedShare: 0, seed: 9 });
    const gone = new URL(system.district.url);
    gone.pathname = '/district_gone';
    await system.db.sql`update resync.district set source_url = ${gone.toString()} where district_id = '1009'`;
    const started = await request(system.app).post('/api/districts/1009/resyncs').set(bearer(TOKENS.state)).send({ objects: 'all' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const batchId = started.body.batchId as string;
    try {
      // Past the first attempts of the start (1 s, then 2 s of backoff).
      await sleep(4000);
      const seen = await request(system.app).get(`/api/resyncs/${batchId}`).set(bearer(TOKENS.state));
      expect(seen.status).toBe(200);
      expect([seen.body.status, seen.body.phase]).toEqual(['running', 'planning']);
    } finally {
      const cancelled = await request(system.app).post(`/api/resyncs/${batchId}/cancel`).set(bearer(TOKENS.state));
      expect(cancelled.status).toBe(202);
    }
  });
});

describe('batch ids that meet', () => {
  it('refuses a second request under a taken id, loudly, and leaves the first batch whole', async () => {
    const batchId = newBatchId();
    const first: ResyncRequest = {
      batchId, districtId: '1001', yearChoice: 'current', schoolYear: 2026, objects: ['District'], checkDependencies: false,
      initiator: 'state', requestedBy: 'state',
    };
    await system.resyncs.submit(first);
    await expect(system.resyncs.submit({ ...first, districtId: '1002' })).rejects.toBeInstanceOf(BatchIdCollisionError);
    const done = await waitForBatch(system, TOKENS.state, batchId);
    expect(done).toMatchObject({ batchId, districtId: '1001', status: 'completed', requestedObjects: ['District'] });
    const history = await request(system.app).get('/api/districts/1002/history').set(bearer(TOKENS.district1002));
    expect((history.body.batches as BatchBody[]).some((batch) => batch.batchId === batchId)).toBe(false);
    expect((await request(system.app).get(`/api/resyncs/${batchId}`).set(bearer(TOKENS.district1002))).status).not.toBe(200);
  });

  it('refuses, in the lane, an id the history already holds for another district', async () => {
    const batchId = newBatchId();
    // A row written under this id by another district (e.g. by an earlier release's generator).
    await system.db.sql`insert into resync.batch (batch_id, district_id, school_year, year_choice, kind, initiator, requested_by,
      check_dependencies, workflow_id, status) values (${batchId}, '1002', 2026, 'current', 'full', 'district', 'district:1002', false,
      ${batchWorkflowId('1002', 2026, batchId)}, 'completed')`;
    await expect(system.resyncs.submit({
      batchId, districtId: '1001', yearChoice: 'current', schoolYear: 2026, objects: ['District'], checkDependencies: false,
      initiator: 'state', requestedBy: 'state',
    })).rejects.toBeInstanceOf(BatchIdCollisionError);
    const [row] = await system.db.sql`select district_id, status from resync.batch where batch_id = ${batchId}`;
    expect(row).toEqual({ district_id: '1002', status: 'completed' });
    const lane = await system.resyncs.lane('1001', 2026);
    expect([lane?.running?.batchId, ...(lane?.queued ?? []).map((entry) => entry.batchId)]).not.toContain(batchId);
  });
});
