// Failed records retried (issue 13, item 3): by hand — `POST /api/resyncs/{batch}/retry-failed`
// resyncs exactly the records that failed for a missing parent or a refusal, with the missing
// parents — and automatically, for a district that asks for it (`autoRetryDeferred`), once a batch
// has landed the parent the records waited for. On real Temporal and PostgreSQL, each district in
// its own database.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer, waitForBatch, type BatchBody } from './helpers';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 60, excludedShare: 0 });
  await system.seed({ districtId: '1002', students: 40, excludedShare: 0, seed: 2 });
  await system.seed({ districtId: '1003', students: 30, excludedShare: 0, seed: 3 });
});

afterAll(async () => {
  await system?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function resync(district: '1001' | '1002' | '1003', body: object): Promise<BatchBody> {
  const token = district === '1001' ? TOKENS.district1001 : district === '1002' ? TOKENS.district1002 : TOKENS.state;
  const response = await request(system.app).post(`/api/districts/${district}/resyncs`).set(bearer(token)).send(body);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return waitForBatch(system, token, response.body.batchId as string);
}

async function schemaOf(district: string): Promise<string> {
  const [row] = await system.db.sql<{ schema: string }[]>`select source_schema as schema from resync.district where district_id = ${district}`;
  return row!.schema;
}

const objectOf = (batch: BatchBody, object: string) => batch.objects?.find((entry) => entry.object === object);

async function districtIds(sql: string): Promise<number[]> {
  return (await system.district.sql.unsafe(sql)).map((row) => Number(row.id)).sort((a, b) => a - b);
}

async function stateIds(table: string, district: string): Promise<number[]> {
  return (await system.db.sql.unsafe(`select id from state."${table}" where source_district = $1 order by id`, [district] as never[])).map((row) => Number(row.id));
}

describe('retrying a batch\'s failed records by hand', () => {
  let failedBatch: BatchBody;
  let retry: BatchBody;

  beforeAll(async () => {
    // Behavior without its persons: every record fails, its parent missing.
    failedBatch = await resync('1002', { objects: ['Behavior'] });
    retry = await (async () => {
      const response = await request(system.app).post(`/api/resyncs/${failedBatch.batchId}/retry-failed`).set(bearer(TOKENS.district1002));
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      expect(response.body.retryOf).toBe(failedBatch.batchId);
      return waitForBatch(system, TOKENS.district1002, response.body.batchId as string);
    })();
  });

  it('the first batch failed every Behavior record for a missing person', async () => {
    const schema = await schemaOf('1002');
    const behaviors = await districtIds(`select id from "${schema}".behavior`);
    expect(objectOf(failedBatch, 'Behavior')).toMatchObject({ processed: behaviors.length, errors: behaviors.length });
    const reasons = await system.db.sql`select distinct reason_code from resync.sync_error where batch_id = ${failedBatch.batchId}`;
    expect(reasons.map((row) => row.reason_code)).toEqual(['parent-missing']);
  });

  it('the retry is a selective batch that lands exactly those records, with the persons they need and theirs', async () => {
    const schema = await schemaOf('1002');
    expect(retry.kind).toBe('selective');
    expect(retry.selection).toEqual({ retryOf: [failedBatch.batchId], onlyDeferred: false });
    expect(retry.status).toBe('completed');
    expect(retry.errors).toBe(0);
    const behaviors = await districtIds(`select id from "${schema}".behavior`);
    const persons = await districtIds(`select distinct person_identity_id as id from "${schema}".behavior`);
    const structures = await districtIds(`select distinct schedule_structure_id as id from "${schema}".person_identity where id in (select person_identity_id from "${schema}".behavior)`);
    expect(await stateIds('behavior', '1002')).toEqual(behaviors);
    expect(await stateIds('person_identity', '1002')).toEqual(persons);
    expect(await stateIds('schedule_structure', '1002')).toEqual(structures);
    expect(objectOf(retry, 'Behavior')).toMatchObject({ processed: behaviors.length, errors: 0 });
    expect(objectOf(retry, 'PersonIdentity')).toMatchObject({ processed: persons.length, errors: 0 });
    // Nothing beyond what those records need: no enrollment, no other person.
    expect(objectOf(retry, 'Enrollment')).toBeUndefined();
  });

  it('the tool table keeps the failed batch\'s whole result, less the records the retry landed: green', async () => {
    const schema = await schemaOf('1002');
    const behaviors = await districtIds(`select id from "${schema}".behavior`);
    const table = await request(system.app).get('/api/districts/1002/objects').set(bearer(TOKENS.district1002));
    expect(table.status).toBe(200);
    const row = (table.body.objects as { object: string }[]).find((entry) => entry.object === 'Behavior');
    expect(row).toMatchObject({
      batchId: failedBatch.batchId, processed: behaviors.length, errors: 0, sent: behaviors.length, resolvedSince: behaviors.length, colour: 'green',
    });
  });

  it('the latest Selective Sync of a record decides: one that the state refuses again is an error of the row again', async () => {
    const schema = await schemaOf('1002');
    const behaviors = await districtIds(`select id from "${schema}".behavior`);
    const refusedId = behaviors[0]!;
    await system.db.sql.unsafe(`create function refuse_behavior() returns trigger language plpgsql as $$
      begin if new.id = ${refusedId} then raise exception 'state database refused the record (test)' using errcode = 'check_violation'; end if; return new; end $$`);
    await system.db.sql.unsafe('create trigger refuse_behavior before insert on state.behavior for each row execute function refuse_behavior()');
    try {
      const response = await request(system.app).post('/api/districts/1002/selective-syncs').set(bearer(TOKENS.district1002))
        .send({ object: 'Behavior', ids: [refusedId], includeParents: false, includeDependents: false });
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      const again = await waitForBatch(system, TOKENS.district1002, response.body.batchId as string);
      expect(objectOf(again, 'Behavior')).toMatchObject({ processed: 1, errors: 1 });
    } finally {
      await system.db.sql.unsafe('drop trigger refuse_behavior on state.behavior');
      await system.db.sql.unsafe('drop function refuse_behavior()');
    }
    const table = await request(system.app).get('/api/districts/1002/objects').set(bearer(TOKENS.district1002));
    const row = (table.body.objects as { object: string }[]).find((entry) => entry.object === 'Behavior');
    expect(row).toMatchObject({ batchId: failedBatch.batchId, errors: 1, resolvedSince: behaviors.length - 1 });
  });

  it('a failed record counts as fixed only while it is at the state: one a later Selective Sync removed is an error again', async () => {
    const schema = await schemaOf('1002');
    const behaviors = await districtIds(`select id from "${schema}".behavior`);
    const removed = behaviors[1]!;
    await system.district.sql.unsafe(`delete from "${schema}".behavior where id = $1`, [removed] as never[]);
    const response = await request(system.app).post('/api/districts/1002/selective-syncs').set(bearer(TOKENS.district1002))
      .send({ object: 'Behavior', ids: [removed], includeParents: false, includeDependents: false });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const gone = await waitForBatch(system, TOKENS.district1002, response.body.batchId as string);
    expect(objectOf(gone, 'Behavior')).toMatchObject({ errors: 0, deleted: 1 });
    expect(await stateIds('behavior', '1002')).not.toContain(removed);
    const table = await request(system.app).get('/api/districts/1002/objects').set(bearer(TOKENS.district1002));
    const row = (table.body.objects as { object: string }[]).find((entry) => entry.object === 'Behavior');
    // The earlier test left one record refused; this one is gone from the state.
    expect(row).toMatchObject({ batchId: failedBatch.batchId, errors: 2, resolvedSince: behaviors.length - 2 });
  });

  it('the warning before a partial resync does not take the persons the retry landed for a whole resync of them', async () => {
    const schema = await schemaOf('1002');
    const persons = await districtIds(`select id from "${schema}".person_identity`);
    const landed = await stateIds('person_identity', '1002');
    expect(landed.length).toBeLessThan(persons.length);
    const plan = await request(system.app).post('/api/districts/1002/resyncs/plan').set(bearer(TOKENS.district1002)).send({ objects: ['TestScore'] });
    expect(plan.status, JSON.stringify(plan.body)).toBe(200);
    const person = (plan.body.warning?.parents as { object: string }[] | undefined)?.find((parent) => parent.object === 'PersonIdentity');
    expect(person).toMatchObject({ districtRecords: persons.length, stateRecords: landed.length, lastResync: null });
  });

  it('a batch without such failures has nothing to retry (422), and starts nothing', async () => {
    const before = await system.db.sql`select count(*)::int as n from resync.batch`;
    const response = await request(system.app).post(`/api/resyncs/${retry.batchId}/retry-failed`).set(bearer(TOKENS.district1002));
    expect(response.status).toBe(422);
    expect(response.body.detail).toBe(`batch ${retry.batchId} has no record that failed for a refusal or a missing parent`);
    const after = await system.db.sql`select count(*)::int as n from resync.batch`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('another district cannot retry it', async () => {
    const response = await request(system.app).post(`/api/resyncs/${failedBatch.batchId}/retry-failed`).set(bearer(TOKENS.district1001));
    expect([403, 404]).toContain(response.status);
  });
});

describe('automatic retry once the parent lands', () => {
  it('is off by default: landing the parents starts no follow-up', async () => {
    const failed = await resync('1002', { objects: ['Enrollment'] });
    expect(objectOf(failed, 'Enrollment')!.errors).toBeGreaterThan(0);
    const landed = await resync('1002', { objects: ['PersonIdentity'], checkDependencies: true });
    expect(landed.status).toBe('completed');
    await sleep(2000);
    const followUps = await system.db.sql`select batch_id from resync.batch where requested_by = ${`automatic retry after batch ${landed.batchId}`}`;
    expect(followUps).toEqual([]);
  });

  it('when the district asks for it, a follow-up selective batch lands the records that waited', async () => {
    const settings = await request(system.app).patch('/api/districts/1001').set(bearer(TOKENS.district1001)).send({ autoRetryDeferred: true });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    expect(settings.body).toEqual({ districtId: '1001', autoRetryDeferred: true });
    const listed = await request(system.app).get('/api/districts').set(bearer(TOKENS.district1001));
    expect(listed.body.districts[0].autoRetryDeferred).toBe(true);

    const schema = await schemaOf('1001');
    const enrollments = await districtIds(`select id from "${schema}".enrollment where school_year = 2026`);
    const failed = await resync('1001', { objects: ['Enrollment'] });
    expect(objectOf(failed, 'Enrollment')).toMatchObject({ processed: enrollments.length, errors: enrollments.length });

    const landed = await resync('1001', { objects: ['PersonIdentity'], checkDependencies: true });
    expect(landed.status).toBe('completed');
    let followUp: string | undefined;
    for (const deadline = Date.now() + 30_000; !followUp && Date.now() < deadline; await sleep(250)) {
      const [row] = await system.db.sql`select batch_id from resync.batch where requested_by = ${`automatic retry after batch ${landed.batchId}`}`;
      followUp = row?.batch_id as string | undefined;
    }
    expect(followUp, 'no follow-up batch').toBeDefined();
    const retried = await waitForBatch(system, TOKENS.district1001, followUp!);
    expect(retried.kind).toBe('selective');
    expect(retried.selection).toEqual({ retryOf: [failed.batchId], onlyDeferred: true });
    expect(retried.status).toBe('completed');
    expect(objectOf(retried, 'Enrollment')).toMatchObject({ processed: enrollments.length, errors: 0 });
    // Only the records that waited: their parents were already there.
    expect((retried.objects ?? []).map((object) => object.object)).toEqual(['Enrollment']);
    expect(await stateIds('enrollment', '1001')).toEqual(enrollments);
  });

  it('turned on while the batch that lands the parents runs, follows that batch', async () => {
    const failed = await resync('1003', { objects: ['Enrollment'] });
    expect(objectOf(failed, 'Enrollment')!.errors).toBeGreaterThan(0);
    // Hold the batch at its end: recording its outcome reads the error log, locked here.
    const hold = await system.db.sql.reserve();
    try {
      await hold`begin`;
      await hold`lock table resync.sync_error in access exclusive mode`;
      const started = await request(system.app).post('/api/districts/1003/resyncs').set(bearer(TOKENS.state)).send({ objects: ['PersonIdentity'], checkDependencies: true });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      const batchId = started.body.batchId as string;
      for (const deadline = Date.now() + 60_000; ;) {
        const [row] = await system.db.sql`select status from resync.batch where batch_id = ${batchId}`;
        if (row?.status === 'completed') break;
        if (Date.now() > deadline) throw new Error(`batch still ${String(row?.status)}`);
        await sleep(100);
      }
      const settings = await request(system.app).patch('/api/districts/1003').set(bearer(TOKENS.state)).send({ autoRetryDeferred: true });
      expect(settings.status).toBe(200);
      await hold`rollback`;
      let followUp: string | undefined;
      for (const deadline = Date.now() + 30_000; !followUp && Date.now() < deadline; await sleep(250)) {
        const [row] = await system.db.sql`select batch_id from resync.batch where requested_by = ${`automatic retry after batch ${batchId}`}`;
        followUp = row?.batch_id as string | undefined;
      }
      expect(followUp, 'no follow-up batch').toBeDefined();
    } finally {
      await hold`rollback`.catch(() => undefined);
      hold.release();
    }
  });

  it('only an administrator with Write rights may change the setting, and only to true or false', async () => {
    const bad = await request(system.app).patch('/api/districts/1001').set(bearer(TOKENS.district1001)).send({ autoRetryDeferred: 'yes' });
    expect(bad.status).toBe(400);
    const other = await request(system.app).patch('/api/districts/1001').set(bearer(TOKENS.district1002)).send({ autoRetryDeferred: false });
    expect(other.status).toBe(403);
  });
});
