// End to end through the API, on real Temporal and PostgreSQL: full and partial resyncs, the
// colours, skipped dependents, state requests and alerts, one batch at a time, cancellation.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBatchId } from '../../src/client/resyncs';
import { statusColour } from '../../src/domain';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer, waitForBatch, waitForStatus } from './helpers';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 200, excludedShare: 0.02 });
  await system.seed({ districtId: '1002', students: 150, excludedShare: 0, seed: 2 });
});

afterAll(async () => {
  await system?.stop();
});

const districtToken = TOKENS.district1001;

async function startResync(token: string, district: string, body: object) {
  return request(system.app).post(`/api/districts/${district}/resyncs`).set(bearer(token)).send(body);
}

describe('resyncs through the API', () => {
  it('runs a full resync: every object completes with the right colour, verification is in sync, the run is findable by DistrictId', async () => {
    const started = await startResync(districtToken, '1001', { objects: 'all' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ districtId: '1001', schoolYear: 2026, initiator: 'district', workflowId: expect.stringMatching(/^resync\/1001\/2026\//) });
    expect(started.body.plan.levels[0]).toEqual(['CourseCode', 'District']);

    const batch = await waitForBatch(system, districtToken, started.body.batchId as string);
    expect(batch.status).toBe('completed');
    for (const object of batch.objects ?? []) {
      expect(object.status).toBe('completed');
      expect(object.colour).toBe(statusColour('completed', object));
    }
    expect(batch.objects?.some((o) => o.colour === 'green')).toBe(true);
    expect(batch.objects?.some((o) => o.colour !== 'green')).toBe(true);

    const table = await request(system.app).get('/api/districts/1001/objects').set(bearer(districtToken));
    expect(table.status).toBe(200);
    const enrollment = (table.body.objects as { object: string; colour: string; errors: number; batchId: string }[]).find((o) => o.object === 'Enrollment');
    expect(enrollment).toMatchObject({ batchId: started.body.batchId, colour: expect.stringMatching(/yellow|red/) });

    const verification = await request(system.app).get('/api/districts/1001/verification').set(bearer(districtToken));
    expect(verification.body.inSync).toBe(true);

    const deadline = Date.now() + 20_000;
    let found: string[] = [];
    while (Date.now() < deadline && !found.includes(started.body.workflowId as string)) {
      found = [];
      for await (const execution of system.worker.client.workflow.list({ query: 'DistrictId="1001" AND ResyncKind="full" AND Initiator="district"' })) {
        found.push(execution.workflowId);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(found).toContain(started.body.workflowId);
  });

  it('a partial resync with Check Dependencies syncs the parents first and ends green', async () => {
    const started = await startResync(TOKENS.district1002, '1002', { objects: ['TestScore', 'Roster'], checkDependencies: true });
    expect(started.status).toBe(202);
    expect(started.body.plan.addedByCheckDependencies).toEqual(expect.arrayContaining(['District', 'School', 'Calendar', 'ScheduleStructure', 'PersonIdentity', 'Test', 'Enrollment', 'StructureGradeLevel']));
    const batch = await waitForBatch(system, TOKENS.district1002, started.body.batchId as string);
    expect(batch.status).toBe('completed');
    expect(batch.objects?.map((o) => o.colour)).toEqual(Array(10).fill('green'));
  });

  it('a partial resync without Check Dependencies on an empty state counts errors, goes red, and does not crash', async () => {
    await system.seed({ districtId: '1003', students: 100, excludedShare: 0, seed: 3 });
    const done = await system.resyncs.submit({
      batchId: newBatchId(), districtId: '1003', yearChoice: 'current', schoolYear: 2026, objects: ['Enrollment'],
      checkDependencies: false, initiator: 'district', requestedBy: 'test',
    });
    const batch = await waitForBatch(system, TOKENS.state, done.batchId);
    expect(batch.status).toBe('completed');
    const [enrollment] = batch.objects ?? [];
    expect(enrollment).toMatchObject({ object: 'Enrollment', status: 'completed', colour: 'red', processed: 100, errors: 100, sent: 0 });
    const errors = await request(system.app).get(`/api/resyncs/${done.batchId}/errors?limit=5`).set(bearer(TOKENS.state));
    expect(errors.body.total).toBe(100);
    expect(errors.body.reasons).toEqual([{ object: 'Enrollment', reasonCode: 'parent-missing', count: 100 }]);
  });

  it('an object that fails after its retries skips its dependents, and its siblings continue', async () => {
    await system.seed({ districtId: '1004', students: 100, seed: 4 });
    await system.db.sql.unsafe(`create function fail_1004() returns trigger language plpgsql as $$
      begin if new.source_district = '1004' then raise exception 'state database rejected the write (test)'; end if; return new; end $$`);
    await system.db.sql.unsafe('create trigger fail_1004 before insert on state.person_identity for each row execute function fail_1004()');
    try {
      const submitted = await system.resyncs.submit({
        batchId: newBatchId(), districtId: '1004', yearChoice: 'current', schoolYear: 2026, objects: ['TestScore', 'CourseSection', 'StructureGradeLevel'],
        checkDependencies: true, initiator: 'district', requestedBy: 'test', options: { copyAttempts: 2 },
      });
      const batch = await waitForBatch(system, TOKENS.state, submitted.batchId);
      expect(batch.status).toBe('failed');
      const byName = new Map((batch.objects ?? []).map((o) => [o.object, o]));
      expect(byName.get('PersonIdentity')).toMatchObject({ status: 'failed', colour: 'red', failure: expect.stringContaining('rejected the write') });
      expect(byName.get('Test')).toMatchObject({ status: 'skipped', failure: expect.stringContaining('PersonIdentity failed') });
      expect(byName.get('TestScore')).toMatchObject({ status: 'skipped' });
      expect(byName.get('CourseSection')).toMatchObject({ status: 'completed' });
      expect(byName.get('StructureGradeLevel')).toMatchObject({ status: 'completed' });
      const errors = await request(system.app).get(`/api/resyncs/${submitted.batchId}/errors`).set(bearer(TOKENS.state));
      expect(errors.body.reasons.filter((r: { object: string }) => r.object === 'Test' || r.object === 'TestScore')).toEqual([]);
    } finally {
      await system.db.sql.unsafe('drop trigger fail_1004 on state.person_identity');
    }
  });

  it('a district request made as soon as its last batch shows finished is accepted, not refused as running', async () => {
    // The batch is recorded finished (the district sees it so) a moment before its run ends and
    // frees the lane: it still hands in its permit and, with autoRetryDeferred, looks for records
    // to retry. A request in that moment waits for the lane instead of a 409 naming a finished batch.
    const patched = await request(system.app).patch('/api/districts/1002').set(bearer(TOKENS.district1002)).send({ autoRetryDeferred: true });
    expect(patched.status).toBe(200);
    const ended = async (batchId: string) => {
      for (;;) {
        const [row] = await system.db.sql<{ status: string }[]>`select status from resync.batch where batch_id = ${batchId}`;
        if (row && !['queued', 'running'].includes(row.status)) return row.status;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      // Hold the run once it is recorded finished: what it does then (its outcome for waiters and
      // alerts, the look for records to retry) reads the error log, which a clean copy of District
      // never writes.
      const hold = await system.db.sql.reserve();
      let released = false;
      try {
        await hold`begin`;
        await hold`lock table resync.sync_error in access exclusive mode`;
        const first = await startResync(TOKENS.district1002, '1002', { objects: ['District'] });
        expect(first.status).toBe(202);
        expect(await ended(first.body.batchId as string)).toBe('completed');
        // The run is held: the lane still runs the batch the district sees completed.
        expect((await system.resyncs.lane('1002', 2026))?.running?.batchId).toBe(first.body.batchId);
        const nextId = newBatchId();
        const next = system.resyncs.submit({
          batchId: nextId, districtId: '1002', yearChoice: 'current', schoolYear: 2026, objects: ['District'], checkDependencies: false,
          initiator: 'district', requestedBy: 'Jane Doe',
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
        await hold`commit`;
        released = true;
        expect((await next).batchId).toBe(nextId);
        expect(await ended(nextId)).toBe('completed');
      } finally {
        if (!released) await hold`rollback`;
        hold.release();
      }
    } finally {
      await request(system.app).patch('/api/districts/1002').set(bearer(TOKENS.district1002)).send({ autoRetryDeferred: false });
    }
  });

  it('runs one batch per district at a time: a district request is refused, a state request queues and raises an alert; cancellation rules hold', async () => {
    await system.seed({ districtId: '1002', students: 150, excludedShare: 0, seed: 2 });
    // Slow the state down so that the first batch is still running while we act.
    await system.db.sql.unsafe(`create function slow_down() returns trigger language plpgsql as $$ begin perform pg_sleep(1.5); return null; end $$`);
    await system.db.sql.unsafe('create trigger slow_down after insert on state.vaccine_shot for each statement execute function slow_down()');
    try {
      const first = await startResync(TOKENS.district1002, '1002', { objects: ['VaccineShot', 'HealthScreening'], checkDependencies: true });
      expect(first.status).toBe(202);
      await waitForStatus(system, TOKENS.district1002, first.body.batchId as string, 'running');

      const refused = await startResync(TOKENS.district1002, '1002', { objects: ['School'], checkDependencies: true });
      expect(refused.status).toBe(409);
      expect(refused.type).toBe('application/problem+json');
      expect(refused.body).toMatchObject({ title: 'Resync Already Running', runningBatchId: first.body.batchId });

      const stateRequest = await request(system.app).post('/api/state/districts/1002/resync-requests').set(bearer(TOKENS.state))
        .send({ objects: ['Enrollment'], checkDependencies: true });
      expect(stateRequest.status).toBe(202);
      expect(stateRequest.body).toMatchObject({ initiator: 'state', status: 'queued', position: 1 });
      const stateBatchId = stateRequest.body.batchId as string;

      const alerts = await request(system.app).get('/api/alerts').set(bearer(TOKENS.district1002));
      expect(alerts.body.alerts).toEqual(expect.arrayContaining([expect.objectContaining({
        title: 'State Resync Requested', category: 'Vertical Interoperability', districtId: '1002', batchId: stateBatchId,
        // Neutral: the district does not learn from the alert whether the state's resync was partial.
        message: 'The state requested a resync of district 1002 for 2026-27.',
      })]));
      const stateAlerts = await request(system.app).get('/api/alerts?district=1002').set(bearer(TOKENS.state));
      expect(stateAlerts.body.alerts.some((a: { batchId: string }) => a.batchId === stateBatchId)).toBe(true);

      // The district can neither cancel nor inspect the state's batch.
      const districtCancel = await request(system.app).post(`/api/resyncs/${stateBatchId}/cancel`).set(bearer(TOKENS.district1002));
      expect(districtCancel.status).toBe(403);
      const hidden = await request(system.app).get(`/api/resyncs/${stateBatchId}`).set(bearer(TOKENS.district1002));
      expect(hidden.body).toMatchObject({ batchId: stateBatchId, initiator: 'state', objectsHidden: true });
      expect(hidden.body).not.toHaveProperty('objects');
      expect(hidden.body).not.toHaveProperty('requestedObjects');
      expect(hidden.body).not.toHaveProperty('plan');
      expect((await request(system.app).get(`/api/resyncs/${stateBatchId}/errors`).set(bearer(TOKENS.district1002))).status).toBe(403);

      // The district cancels its own running batch; the state's batch runs next.
      const cancel = await request(system.app).post(`/api/resyncs/${first.body.batchId as string}/cancel`).set(bearer(TOKENS.district1002));
      expect(cancel.status).toBe(202);
      const cancelled = await waitForBatch(system, TOKENS.district1002, first.body.batchId as string);
      expect(cancelled.status).toBe('cancelled');
      // No half-written page: what the state holds for the cancelled batch is what it counted as sent.
      for (const object of cancelled.objects ?? []) {
        const table = object.object === 'VaccineShot' ? 'vaccine_shot' : null;
        if (!table) continue;
        const [row] = await system.db.sql.unsafe(`select count(*)::int as n from state.${table} where source_district = '1002' and synced_batch = '${first.body.batchId as string}'`);
        expect(row?.n).toBe(object.sent);
      }
      const again = await request(system.app).post(`/api/resyncs/${first.body.batchId as string}/cancel`).set(bearer(TOKENS.district1002));
      expect(again.status).toBe(409);

      const stateBatch = await waitForBatch(system, TOKENS.state, stateBatchId);
      expect(stateBatch.status).toBe('completed');
      expect(stateBatch.objects?.length).toBeGreaterThan(0);

      // The district's table and history never reveal the state's objects.
      const table = await request(system.app).get('/api/districts/1002/objects').set(bearer(TOKENS.district1002));
      expect((table.body.objects as { batchId: string | null }[]).every((o) => o.batchId !== stateBatchId)).toBe(true);
      const history = await request(system.app).get('/api/districts/1002/history').set(bearer(TOKENS.district1002));
      const stateEntry = (history.body.batches as { batchId: string }[]).find((b) => b.batchId === stateBatchId);
      expect(stateEntry).toMatchObject({ initiator: 'state', status: 'completed', objectsHidden: true });
      expect(stateEntry).not.toHaveProperty('requestedObjects');
      const stateTable = await request(system.app).get('/api/districts/1002/objects').set(bearer(TOKENS.state));
      expect((stateTable.body.objects as { object: string; batchId: string | null }[]).find((o) => o.object === 'Enrollment')?.batchId).toBe(stateBatchId);
    } finally {
      await system.db.sql.unsafe('drop trigger if exists slow_down on state.vaccine_shot');
    }
  });
});
