// The data plane against real PostgreSQL: pages are idempotent, refused records are isolated,
// exclusions are errors with reasons, state-owned fields survive, full resyncs delete children
// first, an interrupted copy resumes from its cursor, and verification sees all of it.
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCopyActivities } from '../../src/activities/copy';
import { planObjectRanges } from '../../src/activities/sync/object-ranges';
import { pruneObject } from '../../src/activities/sync/prune';
import { syncRange } from '../../src/activities/sync/sync-range';
import { listErrors } from '../../src/data/sync-errors';
import { getDistrict } from '../../src/data/district-registry';
import { DistrictSources } from '../../src/data/district-sources';
import { seedDistrict } from '../../src/generator/seed-district';
import { verifiableObjects, verifyDistrict } from '../../src/verification/summary';
import { createTestDatabase, type TestDatabase } from '../setup/database';
import { noHooks, recordBatch, syncObjectDirectly, syncPlan, type Deps } from './sync-helpers';

const DISTRICT = 'd1';
/** The state database. */
let db: TestDatabase;
/** The district's database: another database, or the state's (colocated). */
let districtDb: TestDatabase;
let deps: Deps;

async function stateSnapshot(table: string): Promise<string> {
  const [row] = await db.sql.unsafe(`select md5(string_agg(t::text, '|' order by id)) as digest
    from (select * from state."${table}" where source_district = '${DISTRICT}') t`);
  return String(row?.digest);
}

async function districtCount(table: string, where = 'true'): Promise<number> {
  const [row] = await districtDb.sql.unsafe(`select count(*)::int as n from district_${DISTRICT}."${table}" where ${where}`);
  return Number(row?.n);
}

async function stateCount(table: string, where = 'true'): Promise<number> {
  const [row] = await db.sql.unsafe(`select count(*)::int as n from state."${table}" where source_district = '${DISTRICT}' and ${where}`);
  return Number(row?.n);
}

// Both ways a page travels: between databases (the district's own and the state's, as in a
// State Edition) and inside one database (district and state side by side).
describe.each([
  { path: 'between databases', sameDatabase: false },
  { path: 'inside one database', sameDatabase: true },
])('sync activities, pages moving $path', ({ sameDatabase }) => {
  beforeAll(async () => {
    db = await createTestDatabase();
    districtDb = sameDatabase ? db : await createTestDatabase({ migrate: false });
    deps = { state: db.sql, districtSources: new DistrictSources(districtDb.url, { stateUrl: db.url }) };
    await seedDistrict(db.sql, districtDb.sql, {
      districtId: DISTRICT, students: 300, scopedYear: 2026, state: null, reportingEntity: false, seed: 3, excludedShare: 0.05,
      sourceUrl: sameDatabase ? null : districtDb.url,
    });
  });

  afterAll(async () => {
    await deps?.districtSources.end();
    if (districtDb && districtDb !== db) await districtDb.drop();
    await db?.drop();
  });

  it('reports everything missing at the state before any sync', async () => {
    const district = await getDistrict(db.sql, DISTRICT);
    const results = await verifyDistrict(deps, district, 2026, verifiableObjects(district, 'current'));
    expect(results.length).toBeGreaterThan(30);
    for (const result of results) {
      expect(result.state).toBe(0);
      expect(result.missing + result.excluded).toBe(result.district);
      expect(result.inSync).toBe(result.district === result.excluded);
    }
  });

  it('copies a fresh object none of whose records can be held back page by page, counting and moving its cursor exactly', async () => {
    // CourseCode has no exclusion flag and no parent: every record may go (the path that reads no
    // summary at the district between servers).
    expect(await stateCount('course_code')).toBe(0);
    const batch = await recordBatch(deps, DISTRICT, ['CourseCode'], false);
    const [result] = await syncObjectDirectly(deps, batch, DISTRICT, 'CourseCode', { pageSize: 60 });
    const codes = await districtCount('course_code');
    const [{ last }] = await districtDb.sql.unsafe(`select max(id)::int as last from district_${DISTRICT}.course_code`) as unknown as [{ last: number }];
    expect(codes).toBeGreaterThan(120);
    expect(result).toMatchObject({ processed: codes, sent: codes, errors: 0, cursor: last, resumedFrom: null, pages: Math.floor(codes / 60) + 1 });
    expect(await stateCount('course_code')).toBe(codes);
    const [range] = await db.sql`select cursor::int, processed::int, sent::int, done from resync.batch_range where batch_id = ${batch.batchId}`;
    expect(range).toEqual({ cursor: last, processed: codes, sent: codes, done: true });
    const [object] = await db.sql`select processed::int, sent::int, errors::int from resync.batch_object where batch_id = ${batch.batchId} and object = 'CourseCode'`;
    expect(object).toEqual({ processed: codes, sent: codes, errors: 0 });
    const district = await getDistrict(db.sql, DISTRICT);
    const [verified] = await verifyDistrict(deps, district, 2026, ['CourseCode']);
    expect(verified).toMatchObject({ district: codes, state: codes, inSync: true });
  });

  it('records an object copied whole completed in the transaction that ends its only range (a short last page, or an empty one)', async () => {
    const codes = await districtCount('course_code');
    // A page one record larger than the object: its only page is short and ends the range. A page
    // exactly the object's size: full, so an empty page follows and the range's end records it.
    for (const pageSize of [codes + 1, codes]) {
      const batch = await recordBatch(deps, DISTRICT, ['CourseCode'], false);
      const { range } = await planObjectRanges(deps, { batchId: batch.batchId, districtId: DISTRICT, object: 'CourseCode', schoolYear: 2026, maxRanges: 1 });
      const result = await syncRange(deps, {
        batchId: batch.batchId, districtId: DISTRICT, object: 'CourseCode', schoolYear: 2026, rangeIndex: 0, pageSize, completesObject: true,
      }, noHooks, { ...(range ? { range } : {}) });
      expect(result).toMatchObject({ processed: codes, sent: codes, pages: 1 });
      const [object] = await db.sql`select status, failure, finished_at is not null as finished, processed::int, sent::int
        from resync.batch_object where batch_id = ${batch.batchId} and object = 'CourseCode'`;
      expect({ pageSize: pageSize - codes, ...object }).toEqual({ pageSize: pageSize - codes, status: 'completed', failure: null, finished: true, processed: codes, sent: codes });
    }
  });

  it('writes the same page twice with the same result (idempotent upsert)', async () => {
    const first = await recordBatch(deps, DISTRICT, ['School'], true);
    await syncObjectDirectly(deps, first, DISTRICT, 'District');
    await syncObjectDirectly(deps, first, DISTRICT, 'School');
    const once = await stateSnapshot('school');
    // The same batch again: the range is done, nothing is re-sent or re-counted.
    const again = await syncObjectDirectly(deps, first, DISTRICT, 'School');
    expect(again[0]?.pages).toBe(0);
    expect(await stateSnapshot('school')).toBe(once);
    // The same page in another batch: identical records (only the batch marker moves).
    const second = await recordBatch(deps, DISTRICT, ['School'], false);
    const [result] = await syncObjectDirectly(deps, second, DISTRICT, 'School');
    expect(result?.processed).toBe(await districtCount('school'));
    const [rows] = await db.sql`select count(*)::int as n, count(distinct synced_batch)::int as batches from state.school where source_district = ${DISTRICT}`;
    expect(rows).toEqual({ n: await districtCount('school'), batches: 1 });
    await db.sql`update state.school set synced_batch = ${first.batchId} where source_district = ${DISTRICT}`;
    expect(await stateSnapshot('school')).toBe(once);
  });

  it('isolates a record the state refuses; the rest of its page lands', async () => {
    const [victim] = await districtDb.sql.unsafe(`select id from district_${DISTRICT}.person_identity order by id offset 17 limit 1`);
    await districtDb.sql.unsafe(`update district_${DISTRICT}.person_identity set first_name = repeat('x', 150) where id = ${victim?.id}`);
    const batch = await recordBatch(deps, DISTRICT, ['PersonIdentity'], true);
    await syncPlan(deps, DISTRICT, batch);
    const persons = await districtCount('person_identity');
    expect(await stateCount('person_identity')).toBe(persons - 1);
    expect(await stateCount('person_identity', `id = ${victim?.id}`)).toBe(0);
    const log = await listErrors(db.sql, batch.batchId, { object: 'PersonIdentity', limit: 10, offset: 0 });
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toMatchObject({ recordId: victim?.id, reasonCode: 'refused' });
    expect(log.errors[0]?.reason).toMatch(/too long/);
    const [object] = await db.sql`select processed, errors, sent from resync.batch_object where batch_id = ${batch.batchId} and object = 'PersonIdentity'`;
    expect(object).toEqual({ processed: persons, errors: 1, sent: persons - 1 });
    await districtDb.sql.unsafe(`update district_${DISTRICT}.person_identity set first_name = 'Ava' where id = ${victim?.id}`);
  });

  it('isolates a record whose update the state refuses, keeps the state\'s copy of it through the prune, and lands the rest', async () => {
    const first = await recordBatch(deps, DISTRICT, ['School'], true);
    await syncPlan(deps, DISTRICT, first);
    const [victim] = await db.sql`select id from state.school where source_district = ${DISTRICT} order by id offset 1 limit 1`;
    // A rule the state added for new writes only (NOT VALID: its records written before stay).
    await db.sql.unsafe(`alter table state.school add constraint refuses_one check (source_district <> '${DISTRICT}' or id <> ${victim?.id}) not valid`);
    try {
      const second = await recordBatch(deps, DISTRICT, ['School'], false);
      const [copied] = await syncObjectDirectly(deps, second, DISTRICT, 'School');
      const pruned = await pruneObject(db.sql, { batchId: second.batchId, districtId: DISTRICT, object: 'School', schoolYear: second.schoolYear });
      const schools = await districtCount('school');
      expect(copied).toMatchObject({ processed: schools, errors: 1, sent: schools - 1 });
      expect(pruned).toEqual({ deleted: 0, kept: 0 });
      const log = await listErrors(db.sql, second.batchId, { object: 'School', limit: 10, offset: 0 });
      expect(log.errors.map((error) => `${error.recordId} ${error.reasonCode}`)).toEqual([`${victim?.id} refused`]);
      // The refused record's earlier copy is still there, as the first batch wrote it; the others are the second batch's.
      const held = await db.sql`select synced_batch, count(*)::int as n from state.school where source_district = ${DISTRICT} group by synced_batch order by n`;
      expect(held).toEqual([{ synced_batch: first.batchId, n: 1 }, { synced_batch: second.batchId, n: schools - 1 }]);
      expect(await stateCount('school', `id = ${victim?.id} and synced_batch = '${first.batchId}'`)).toBe(1);
    } finally {
      await db.sql`alter table state.school drop constraint refuses_one`;
    }
  });

  it('counts records not allowed to sync as errors, with their reason', async () => {
    const batch = await recordBatch(deps, DISTRICT, ['Roster'], true);
    await syncPlan(deps, DISTRICT, batch);
    const excludedEnrollments = await districtCount('enrollment', 'state_excluded');
    expect(excludedEnrollments).toBeGreaterThan(0);
    const enrollmentErrors = await listErrors(db.sql, batch.batchId, { object: 'Enrollment', limit: 1000, offset: 0 });
    expect(enrollmentErrors.total).toBe(excludedEnrollments);
    expect(enrollmentErrors.errors.every((e) => e.reasonCode === 'not-allowed' && e.reason === 'not allowed to sync: state-excluded enrollment')).toBe(true);
    const rosterErrors = await listErrors(db.sql, batch.batchId, { object: 'Roster', limit: 5000, offset: 0 });
    const rostersOfExcluded = await districtCount('roster', 'enrollment_id in (select id from district_d1.enrollment where state_excluded)');
    const rostersOfExcludedGrade = await districtCount('roster', 'structure_grade_level_id in (select id from district_d1.structure_grade_level where state_excluded)');
    expect(rosterErrors.total).toBeGreaterThanOrEqual(Math.max(rostersOfExcluded, rostersOfExcludedGrade));
    expect(rosterErrors.errors.some((e) => /its Enrollment \d+ is a state-excluded enrollment/.test(e.reason))).toBe(true);
    const excludedIds = (await districtDb.sql.unsafe('select id from district_d1.enrollment where state_excluded')).map((row) => Number(row.id));
    expect(await stateCount('enrollment', `id = any('{${excludedIds.join(',')}}'::bigint[])`)).toBe(0);
  });

  it('never overwrites a state-owned field', async () => {
    const [person] = await db.sql`select id from state.person_identity where source_district = ${DISTRICT} order by id limit 1`;
    await db.sql`update state.person_identity set state_id = 'KY-000123' where source_district = ${DISTRICT} and id = ${person?.id}`;
    await districtDb.sql.unsafe(`update district_${DISTRICT}.person_identity set last_name = 'Renamed' where id = ${person?.id}`);
    const batch = await recordBatch(deps, DISTRICT, ['PersonIdentity'], false);
    await syncPlan(deps, DISTRICT, batch);
    const [row] = await db.sql`select state_id, last_name from state.person_identity where source_district = ${DISTRICT} and id = ${person?.id}`;
    expect(row).toEqual({ state_id: 'KY-000123', last_name: 'Renamed' });
  });

  it('fails only the object whose state table is out of reach, not the rest of its level', async () => {
    const batch = await recordBatch(deps, DISTRICT, ['District', 'CourseCode'], false);
    const { copyObjects } = createCopyActivities(deps);
    await db.sql`alter table state.course_code rename to course_code_away`;
    try {
      const copied: Awaited<ReturnType<typeof copyObjects>> = await new MockActivityEnvironment().run(copyObjects, {
        batchId: batch.batchId, districtId: DISTRICT, schoolYear: 2026,
        objects: [{ object: 'District', records: 1 }, { object: 'CourseCode', records: await districtCount('course_code') }],
      });
      expect(copied.completed.map((result) => `${result.object} ${result.status} ${result.processed}`)).toEqual(['District completed 1']);
      expect(copied.failed).toEqual([{ object: 'CourseCode', reason: 'relation "state.course_code" does not exist' }]);
    } finally {
      await db.sql`alter table state.course_code_away rename to course_code`;
    }
  });

  it('starts no further object of a level once the batch is cancelled', async () => {
    const batch = await recordBatch(deps, DISTRICT, ['District', 'CourseCode'], false);
    const { copyObjects } = createCopyActivities(deps);
    const cancelling = new MockActivityEnvironment();
    // The first object done (it heartbeats): the batch is cancelled.
    cancelling.on('heartbeat', () => cancelling.cancel());
    await expect(cancelling.run(copyObjects, {
      batchId: batch.batchId, districtId: DISTRICT, schoolYear: 2026, parallel: 1,
      objects: [{ object: 'District', records: 1 }, { object: 'CourseCode', records: await districtCount('course_code') }],
    })).rejects.toBeInstanceOf(CancelledFailure);
    // The level's objects were shown running as it began; CourseCode never started (no start, nothing
    // written), and the batch's end records it cancelled.
    const statuses = await db.sql`select object, status, started_at is not null as started, processed from resync.batch_object
      where batch_id = ${batch.batchId} order by object`;
    expect(statuses.map((row) => `${row.object} ${row.status} ${row.started ? 'started' : 'not started'} ${row.processed}`))
      .toEqual(['CourseCode running not started 0', 'District completed started 1']);
    expect(await stateCount('course_code', `synced_batch = '${batch.batchId}'`)).toBe(0);
  });

  it('resumes an interrupted copy from its heartbeat cursor without duplicating records', async () => {
    const batch = await recordBatch(deps, DISTRICT, ['VaccineShot'], true);
    for (const object of batch.plan.levels.flat().filter((o) => o !== 'VaccineShot')) await syncObjectDirectly(deps, batch, DISTRICT, object);
    const { syncRange } = createCopyActivities(deps);
    await planObjectRanges(deps, { batchId: batch.batchId, districtId: DISTRICT, object: 'VaccineShot', schoolYear: 2026 });
    const input = { batchId: batch.batchId, districtId: DISTRICT, object: 'VaccineShot', schoolYear: 2026, rangeIndex: 0, pageSize: 100 };

    const interrupted = new MockActivityEnvironment();
    const heartbeats: { cursor: number; processed: number }[] = [];
    interrupted.on('heartbeat', (details: { cursor: number; processed: number }) => {
      heartbeats.push(details);
      if (heartbeats.length === 3) interrupted.cancel();
    });
    await expect(interrupted.run(syncRange, input)).rejects.toBeInstanceOf(CancelledFailure);
    const last = heartbeats.at(-1);
    expect(last?.processed).toBe(300);
    // Only whole pages reached the state: exactly the records up to the heartbeat cursor.
    expect(await stateCount('vaccine_shot')).toBe(await districtCount('vaccine_shot', `id <= ${last?.cursor}`));

    const retry = new MockActivityEnvironment({ heartbeatDetails: last });
    const result = await retry.run(syncRange, input) as Awaited<ReturnType<typeof syncRange>>;
    expect(result.resumedFrom).toBe(last?.cursor);
    const shots = await districtCount('vaccine_shot');
    expect(result.processed).toBe(shots);
    expect(result.pages).toBe(Math.ceil((shots - 300) / 100) + ((shots - 300) % 100 === 0 ? 1 : 0));
    expect(await stateCount('vaccine_shot')).toBe(shots);
  });

  it('a full resync makes verification in sync, removes deleted records children first, and sees changes', async () => {
    const full = await recordBatch(deps, DISTRICT, 'all');
    await syncPlan(deps, DISTRICT, full);
    const district = await getDistrict(db.sql, DISTRICT);
    const objects = verifiableObjects(district, 'current');
    const after = await verifyDistrict(deps, district, 2026, objects);
    expect(after.filter((r) => !r.inSync)).toEqual([]);
    expect(after.some((r) => r.excluded > 0)).toBe(true);

    // A person leaves the district: their records go, children before the person.
    const [person] = await districtDb.sql.unsafe(`select p.id from district_${DISTRICT}.person_identity p
      join district_${DISTRICT}.enrollment e on e.person_identity_id = p.id where not e.state_excluded order by p.id limit 1`);
    const personId = Number(person?.id);
    const schema = `district_${DISTRICT}`;
    await districtDb.sql.begin(async (tx) => {
      for (const table of ['roster', 'attendance_exact_count', 'custom_student', 'graduation']) {
        await tx.unsafe(`delete from ${schema}.${table} where enrollment_id in (select id from ${schema}.enrollment where person_identity_id = ${personId})`);
      }
      await tx.unsafe(`delete from ${schema}.test_score where person_identity_id = ${personId} or test_id in (select id from ${schema}.test where person_identity_id = ${personId})`);
      await tx.unsafe(`delete from ${schema}.plan_progress_report where plan_id in (select id from ${schema}.plan where person_identity_id = ${personId})`);
      for (const table of ['enrollment', 'test', 'plan', 'behavior', 'census_contact_summary', 'contact_log', 'form', 'health_screening', 'imm_certificate',
        'medicaid_insurance', 'pos_eligibility', 'process_message', 'program_participation', 'team_member', 'transportation', 'truancy', 'vaccine_shot', 'day',
        'employment', 'employment_assignment', 'employment_background', 'employment_credential']) {
        await tx.unsafe(`delete from ${schema}.${table} where person_identity_id = ${personId}`);
      }
      await tx.unsafe(`delete from ${schema}.person_identity where id = ${personId}`);
    });
    // And a changed record.
    await districtDb.sql.unsafe(`update ${schema}.school set name = 'Renamed School' where id = 1`);
    const changed = await verifyDistrict(deps, district, 2026, ['School', 'PersonIdentity', 'Enrollment']);
    expect(changed.find((r) => r.object === 'School')).toMatchObject({ differing: 1, inSync: false });
    expect(changed.find((r) => r.object === 'PersonIdentity')).toMatchObject({ extra: 1, inSync: false });
    expect(changed.find((r) => r.object === 'Enrollment')?.extra).toBeGreaterThan(0);
    // Objects a batch knows to be large are read in statements of their own: the same counts, in
    // the order asked.
    expect(await verifyDistrict(deps, district, 2026, ['School', 'PersonIdentity', 'Enrollment'], { PersonIdentity: 60_000, Enrollment: 50_000 }))
      .toEqual(changed);

    const next = await recordBatch(deps, DISTRICT, 'all');
    await syncPlan(deps, DISTRICT, next);
    const [personResult] = await db.sql`select deleted from resync.batch_object where batch_id = ${next.batchId} and object = 'PersonIdentity'`;
    expect(personResult?.deleted).toBe(1);
    const [enrollmentResult] = await db.sql`select deleted from resync.batch_object where batch_id = ${next.batchId} and object = 'Enrollment'`;
    expect(enrollmentResult?.deleted).toBeGreaterThan(0);
    expect(await stateCount('person_identity', `id = ${personId}`)).toBe(0);
    const final = await verifyDistrict(deps, district, 2026, objects);
    expect(final.filter((r) => !r.inSync)).toEqual([]);
  });
});
