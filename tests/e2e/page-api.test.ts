// The routes the tool page needs beyond the basics, end to end on real Temporal and PostgreSQL:
// the district's activity (what open pages poll: 304 when nothing changed, one read per change
// shared by every page, a district never seeing a state request's objects), who may cancel what
// and how a cancelled batch reads, the plan's warning before a resync whose records will fail for
// missing parents, and error-log entries named the way people know their records.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_SCHEMA } from '../../src/data/schema/columns';
import { tableName } from '../../src/domain';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer, waitForBatch, waitForStatus } from './helpers';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 60, excludedShare: 0.05 });
  await system.seed({ districtId: '1002', students: 40, excludedShare: 0, seed: 2 });
});

afterAll(async () => {
  await system?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ActivityBatch {
  batchId: string; status: string; initiator: string; cancellable: boolean; objectsHidden?: boolean;
  objects?: { object: string; status: string; startedAt: string | null }[];
}
interface Activity { districtId: string; batches: ActivityBatch[]; marks: { batches: number; lastFinishedAt: string | null; lastAlertId: number | null } }

const activity = (token: string, district: string, etag?: string) => {
  const pending = request(system.app).get(`/api/districts/${district}/activity`).set(bearer(token));
  return etag ? pending.set('If-None-Match', etag) : pending;
};

/** Reads of districts' activity from PostgreSQL so far (the API's counter). */
async function activityReads(): Promise<number> {
  const metric = system.deps.metrics.registry.getSingleMetric('resync_api_activity_reads_total');
  const value = (await metric?.get())?.values[0]?.value;
  return Number(value ?? 0);
}

/** Polls the activity (as a page does) until `until` holds; returns that document. */
async function activityUntil(token: string, district: string, until: (doc: Activity) => boolean): Promise<Activity> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await activity(token, district);
    expect(response.status).toBe(200);
    if (until(response.body as Activity)) return response.body as Activity;
    if (Date.now() > deadline) throw new Error(`activity never matched: ${JSON.stringify(response.body)}`);
    await sleep(100);
  }
}

/** Holds the state's District table locked: a batch copying District waits, running, until release. */
async function holdStateDistrictTable(): Promise<() => Promise<void>> {
  const lock = await system.db.sql.reserve();
  await lock`begin`;
  await lock`lock table ${lock(STATE_SCHEMA)}.${lock(tableName('District'))} in access exclusive mode`;
  return async () => {
    await lock`commit`;
    lock.release();
  };
}

describe('GET /api/districts/:district/activity', () => {
  it('answers from memory: an ETag, 304 when unchanged, one read shared by many pages, 404 for an unknown district', async () => {
    const first = await activity(TOKENS.district1002, '1002');
    expect(first.status).toBe(200);
    expect(first.type).toBe('application/json');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toEqual({ districtId: '1002', batches: [], marks: { batches: 0, lastFinishedAt: null, lastAlertId: null } });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/".+"$/);

    const before = await activityReads();
    const polls = await Promise.all(Array.from({ length: 30 }, () => activity(TOKENS.district1002, '1002', etag)));
    expect(polls.map((response) => response.status)).toEqual(Array(30).fill(304));
    expect(polls.every((response) => response.text === '')).toBe(true);
    expect(await activityReads()).toBe(before);

    // The state reads the same district: its own document (its role sees more), from the same read.
    const state = await activity(TOKENS.state, '1002');
    expect(state.status).toBe(200);
    expect(await activityReads()).toBe(before);

    expect((await activity(TOKENS.district1001, '1002')).status).toBe(403);
    const unknown = await activity(TOKENS.state, 'nosuchdistrict');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe('district "nosuchdistrict" is not registered');
    expect((await request(system.app).get('/api/districts/1002/activity?year=current').set(bearer(TOKENS.state))).status).toBe(400);
  });

  it('shows a batch started elsewhere, a queued state request as an outline to the district, and who may cancel what', async () => {
    const release = await holdStateDistrictTable();
    let own = '';
    let stateBatch = '';
    try {
      const started = await request(system.app).post('/api/districts/1002/resyncs').set(bearer(TOKENS.district1002)).send({ objects: ['District'] });
      own = started.body.batchId as string;
      await waitForStatus(system, TOKENS.district1002, own, 'running');
      const requested = await request(system.app).post('/api/state/districts/1002/resync-requests').set(bearer(TOKENS.state)).send({ objects: ['School'], checkDependencies: true });
      stateBatch = requested.body.batchId as string;

      // The district's pages: its own batch with its objects, the state's as an outline, not theirs to cancel.
      const seen = await activityUntil(TOKENS.district1002, '1002', (doc) => doc.batches.length === 2 && doc.batches[0]?.objects?.length === 1);
      expect(seen.batches.map((b) => [b.batchId, b.initiator, b.status, b.cancellable])).toEqual([
        [own, 'district', 'running', true], [stateBatch, 'state', 'queued', false]]);
      // Its one object waits on the lock: planned, not finished.
      expect(seen.batches[0]?.objects?.map((o) => [o.object, o.status])).toEqual([['District', expect.stringMatching(/^(pending|running)$/)]]);
      expect(seen.batches[1]).toMatchObject({ objectsHidden: true });
      expect(Object.keys(seen.batches[1] ?? {})).not.toEqual(expect.arrayContaining(['objects']));
      expect(JSON.stringify(seen.batches[1])).not.toContain('School');
      expect(seen.marks.batches).toBe(2);
      expect(seen.marks.lastAlertId).toEqual(expect.any(Number)); // "State Resync Requested"

      // The state's pages: both batches, both cancellable, the queued one without objects yet.
      const stateView = await activityUntil(TOKENS.state, '1002', (doc) => doc.batches.length === 2);
      expect(stateView.batches.map((b) => [b.batchId, b.cancellable, b.objectsHidden ?? false])).toEqual([[own, true, false], [stateBatch, true, false]]);
      expect(stateView.batches[1]?.objects).toEqual([]);

      // Fifty pages polling the changed district share one read.
      const before = await activityReads();
      const polls = await Promise.all(Array.from({ length: 50 }, (_, i) => activity(i % 5 === 0 ? TOKENS.state : TOKENS.district1002, '1002')));
      expect(polls.map((response) => response.status)).toEqual(Array(50).fill(200));
      expect(await activityReads()).toBeLessThanOrEqual(before + 1);

      // A district cannot cancel the state's request; the state withdraws it, the district cancels its own.
      expect((await request(system.app).post(`/api/resyncs/${stateBatch}/cancel`).set(bearer(TOKENS.district1002))).status).toBe(403);
      const withdrawn = await request(system.app).post(`/api/resyncs/${stateBatch}/cancel`).set(bearer(TOKENS.state));
      expect(withdrawn.body).toMatchObject({ outcome: 'withdrawn' });
      const cancelling = await request(system.app).post(`/api/resyncs/${own}/cancel`).set(bearer(TOKENS.district1002));
      expect(cancelling.body).toMatchObject({ outcome: 'cancelling' });
    } finally {
      await release();
    }
    await waitForBatch(system, TOKENS.state, own);
    const ended = await activityUntil(TOKENS.district1002, '1002', (doc) => doc.batches.length === 0);
    expect(ended.marks.lastFinishedAt).toEqual(expect.any(String));

    // How each reads afterwards: "cancelled by <who> at <time>", with who and when apart for the page.
    const history = await request(system.app).get('/api/districts/1002/history').set(bearer(TOKENS.state));
    const byId = new Map((history.body.batches as { batchId: string }[]).map((b) => [b.batchId, b as Record<string, unknown>]));
    const ownEnd = byId.get(own);
    const stateEnd = byId.get(stateBatch);
    expect(ownEnd).toMatchObject({ status: 'cancelled', cancellable: false, cancelRequestedBy: 'district:1002', cancelRequestedAt: expect.any(String) });
    expect(ownEnd?.failure).toBe(`cancelled by district:1002 at ${ownEnd?.cancelRequestedAt as string}`);
    expect(stateEnd).toMatchObject({ status: 'cancelled', cancelRequestedBy: 'state' });
    expect(stateEnd?.failure).toBe(`cancelled by state at ${stateEnd?.cancelRequestedAt as string} before it started`);
  });
});

interface Warning {
  failing: number;
  objects: { object: string; records: number; failing: number; missingParents: string[] }[];
  parents: { object: string; districtRecords: number; stateRecords: number; notAllowed: number; shortfall: number; neededBy: string[]; lastResync: { colour: string } | null }[];
  add: string[];
  message: string;
}

const plan = (district: string, body: object, token: string = TOKENS.district1002) =>
  request(system.app).post(`/api/districts/${district}/resyncs/plan`).set(bearer(token)).send(body);

async function districtCount(district: string, table: string): Promise<number> {
  const [row] = await system.district.sql.unsafe(`select count(*)::int as n from district_${district}.${table}`);
  return Number(row?.n);
}

describe('the plan warns before a resync whose records will fail for missing parents', () => {
  it('TestScore alone on a district the state holds nothing of: every record, which parents, and what to add', async () => {
    await system.seed({ districtId: 'w1', students: 30, excludedShare: 0, seed: 7 });
    const scores = await districtCount('w1', 'test_score');
    const persons = await districtCount('w1', 'person_identity');
    const tests = await districtCount('w1', 'test');
    const response = await plan('w1', { objects: ['TestScore'] }, TOKENS.state);
    expect(response.status).toBe(200);
    const warning = response.body.warning as Warning;
    expect(warning.failing).toBe(scores);
    expect(warning.objects).toEqual([{ object: 'TestScore', records: scores, failing: scores, missingParents: ['PersonIdentity', 'Test'] }]);
    expect(warning.add).toEqual(['District', 'School', 'Calendar', 'ScheduleStructure', 'PersonIdentity', 'Test']);
    expect(warning.parents.map((p) => p.object)).toEqual(warning.add);
    expect(warning.parents.find((p) => p.object === 'PersonIdentity')).toEqual({
      object: 'PersonIdentity', districtRecords: persons, stateRecords: 0, notAllowed: 0, shortfall: persons, neededBy: ['TestScore', 'Test'], lastResync: null,
    });
    expect(warning.parents.find((p) => p.object === 'Test')).toMatchObject({ districtRecords: tests, stateRecords: 0, neededBy: ['TestScore'] });
    expect(warning.parents.find((p) => p.object === 'District')).toMatchObject({ neededBy: ['School'] });
    expect(warning.message).toBe(`About ${scores.toLocaleString('en-US')} of ${scores.toLocaleString('en-US')} records will fail (TestScore ${scores.toLocaleString('en-US')} of ${scores.toLocaleString('en-US')}): `
      + 'their parents are not at the state: District (never resynced; 0 of 1 records at the state); School (never resynced; 0 of '
      + `${await districtCount('w1', 'school')} records at the state); Calendar (never resynced; 0 of ${await districtCount('w1', 'calendar')} records at the state); `
      + `ScheduleStructure (never resynced; 0 of ${await districtCount('w1', 'schedule_structure')} records at the state); `
      + `PersonIdentity (never resynced; 0 of ${persons} records at the state); Test (never resynced; 0 of ${tests} records at the state).`);

    // The one-click fixes: the parents added, or Check Dependencies: no warning left.
    expect((await plan('w1', { objects: ['TestScore', ...warning.add] }, TOKENS.state)).body.warning).toBeNull();
    expect((await plan('w1', { objects: ['TestScore'], checkDependencies: true }, TOKENS.state)).body.warning).toBeNull();
    // And it is true: run as planned, every record fails, as the warning said.
    const started = await request(system.app).post('/api/state/districts/w1/resync-requests').set(bearer(TOKENS.state)).send({ objects: ['TestScore'] });
    const batch = await waitForBatch(system, TOKENS.state, started.body.batchId as string);
    expect(batch.objects?.[0]).toMatchObject({ object: 'TestScore', processed: scores, errors: scores });
  });

  it('after a full resync, no warning; a parent short at the state warns about the share of records that point at it', async () => {
    const full = await request(system.app).post('/api/districts/1002/resyncs').set(bearer(TOKENS.district1002)).send({ objects: 'all' });
    await waitForBatch(system, TOKENS.district1002, full.body.batchId as string);
    expect((await plan('1002', { objects: ['TestScore'] })).body.warning).toBeNull();
    expect((await plan('1002', { objects: ['AttendanceExactCount', 'Roster'] })).body.warning).toBeNull();

    // Five new people at the district, each with a test the state has never seen.
    const [max] = await system.district.sql.unsafe('select max(id)::int as id, min(schedule_structure_id)::int as structure from district_1002.person_identity');
    const [maxTest] = await system.district.sql.unsafe('select max(id)::int as id from district_1002.test');
    for (let i = 1; i <= 5; i++) {
      await system.district.sql.unsafe(`insert into district_1002.person_identity (id, schedule_structure_id, first_name, last_name, local_id)
        values (${Number(max?.id) + i}, ${Number(max?.structure)}, 'New', 'Student${i}', 'N${i}')`);
      await system.district.sql.unsafe(`insert into district_1002.test (id, person_identity_id, test_name) values (${Number(maxTest?.id) + i}, ${Number(max?.id) + i}, 'ACT')`);
    }
    const persons = await districtCount('1002', 'person_identity');
    const tests = await districtCount('1002', 'test');
    const warning = (await plan('1002', { objects: ['Test'] })).body.warning as Warning;
    expect(warning.objects).toEqual([{ object: 'Test', records: tests, failing: Math.round(tests * (5 / persons)), missingParents: ['PersonIdentity'] }]);
    expect(warning.parents).toEqual([expect.objectContaining({
      object: 'PersonIdentity', districtRecords: persons, stateRecords: persons - 5, shortfall: 5, lastResync: expect.objectContaining({ colour: 'green' }),
    })]);
    expect(warning.add).toEqual(['PersonIdentity']);
    expect((await plan('1002', { objects: ['Test', 'PersonIdentity'] })).body.warning).toBeNull();
  });
});

interface Named { label: string; summary: string | null; person: { name: string; localId: string | null; stateId: string | null } | null; school: { name: string; number: string | null } | null; calendar: { name: string } | null; atDistrict: boolean }
interface ErrorEntry { object: string; recordId: number; reasonCode: string; reason: string; cause: { object: string; recordId: number; record: Named | null } | null; record: Named | null }

describe('error-log entries name their records and are grouped under their cause', () => {
  let batchId = '';

  beforeAll(async () => {
    const full = await request(system.app).post('/api/districts/1001/resyncs').set(bearer(TOKENS.district1001)).send({ objects: 'all' });
    batchId = full.body.batchId as string;
    await waitForBatch(system, TOKENS.district1001, batchId);
  });

  /** What the district holds about an attendance record's person, school and calendar. */
  async function attendanceContext(id: number) {
    const [row] = await system.district.sql.unsafe(`select p.first_name, p.last_name, p.local_id, s.name as school, s.school_number, c.name as calendar,
        a.absent_date::text as absent_date, a.absent_minutes::text as absent_minutes
      from district_1001.attendance_exact_count a join district_1001.enrollment e on e.id = a.enrollment_id
      join district_1001.person_identity p on p.id = e.person_identity_id join district_1001.schedule_structure ss on ss.id = p.schedule_structure_id
      join district_1001.calendar c on c.id = ss.calendar_id join district_1001.school s on s.id = c.school_id where a.id = ${id}`);
    if (!row) throw new Error(`no attendance record ${id}`);
    return row as Record<string, string>;
  }

  it('names each record by its person, school and calendar, and its cause; groups the causes', async () => {
    const response = await request(system.app).get(`/api/resyncs/${batchId}/errors?object=AttendanceExactCount&order=cause&limit=20`).set(bearer(TOKENS.district1001));
    expect(response.status).toBe(200);
    const errors = response.body.errors as ErrorEntry[];
    expect(errors.length).toBeGreaterThan(0);
    for (const entry of errors) {
      expect(entry.cause?.object).toBe('Enrollment');
      const context = await attendanceContext(entry.recordId);
      expect(entry.record).toEqual({
        label: `${context.first_name} ${context.last_name} (local ID ${context.local_id}) · ${context.school} (school ${context.school_number}) · ${context.calendar}`,
        summary: `absent date ${context.absent_date}, absent minutes ${context.absent_minutes}`,
        person: { name: `${context.first_name} ${context.last_name}`, localId: context.local_id, stateId: null },
        school: { name: context.school, number: context.school_number },
        calendar: { name: context.calendar },
        atDistrict: true,
      });
      expect(entry.cause?.record?.person?.name).toBe(`${context.first_name} ${context.last_name}`);
    }
    // Listed by cause: the records of one enrollment together.
    const causes = errors.map((entry) => entry.cause?.recordId ?? 0);
    expect(causes).toEqual([...causes].sort((a, b) => a - b));

    // The groups are the log's, counted exactly, largest first, each cause named.
    const expected = await system.db.sql<{ cause_record_id: number; count: number }[]>`select cause_record_id::int, count(*)::int as count
      from resync.sync_error where batch_id = ${batchId} and object = 'AttendanceExactCount' and cause_object is not null
      group by cause_record_id order by count(*) desc, cause_record_id limit 10`;
    const groups = response.body.causes.groups as { cause: { object: string; recordId: number; record: Named }; object: string; reasonCode: string; reason: string; count: number }[];
    expect(groups.map((g) => [g.cause.recordId, g.count])).toEqual(expected.map((row) => [row.cause_record_id, row.count]));
    for (const group of groups) {
      expect(group).toMatchObject({ object: 'AttendanceExactCount', reasonCode: 'not-allowed', cause: { object: 'Enrollment' } });
      expect(group.reason).toBe(`not allowed to sync: its Enrollment ${group.cause.recordId} is a state-excluded enrollment`);
      expect(group.cause.record.person?.name).toMatch(/\S+ \S+/);
    }

    // One cause's records: exactly those it caused, of this object and of every object.
    const first = groups[0];
    const ofCause = await request(system.app).get(`/api/resyncs/${batchId}/errors?object=AttendanceExactCount&cause=Enrollment:${first?.cause.recordId}&limit=100`).set(bearer(TOKENS.district1001));
    expect(ofCause.body.total).toBe(first?.count);
    const [everywhere] = await system.db.sql`select count(*)::int as n from resync.sync_error
      where batch_id = ${batchId} and cause_object = 'Enrollment' and cause_record_id = ${first?.cause.recordId ?? 0}`;
    const anyObject = await request(system.app).get(`/api/resyncs/${batchId}/errors?cause=Enrollment:${first?.cause.recordId}&limit=1`).set(bearer(TOKENS.district1001));
    expect(anyObject.body.total).toBe(everywhere?.n);
    expect((ofCause.body.errors as ErrorEntry[]).every((e) => e.cause?.recordId === first?.cause.recordId)).toBe(true);
    expect((await request(system.app).get(`/api/resyncs/${batchId}/errors?cause=Enrollment`).set(bearer(TOKENS.district1001))).status).toBe(400);
  });

  it('downloads every entry as CSV with every column, names included', async () => {
    const all = await request(system.app).get(`/api/resyncs/${batchId}/errors?limit=1`).set(bearer(TOKENS.district1001));
    const csv = await request(system.app).get(`/api/resyncs/${batchId}/errors?format=csv`).set(bearer(TOKENS.district1001));
    expect(csv.type).toBe('text/csv');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('object,record_id,reason_code,reason,logged_at,cause_object,cause_record_id,record,person,local_id,state_id,school,school_number,calendar,cause_record');
    expect(lines).toHaveLength(all.body.total + 1);
    const attendance = lines.find((line) => line.startsWith('AttendanceExactCount,'));
    const cells = attendance?.split(',') ?? [];
    const context = await attendanceContext(Number(cells[1]));
    expect(cells[5]).toBe('Enrollment');
    expect(attendance).toContain(`,${context.first_name} ${context.last_name},${context.local_id},,${context.school},${context.school_number},${context.calendar},`);
  });
});

describe('a Selective Sync in the history', () => {
  it('carries what was chosen (object, how many records, parents, dependents), never the ids; other batches carry none', async () => {
    const persons = await system.district.sql.unsafe('select id from district_1002.person_identity order by id limit 2');
    const ids = persons.map((row) => Number(row.id));
    const started = await request(system.app).post('/api/districts/1002/selective-syncs').set(bearer(TOKENS.district1002))
      .send({ object: 'personidentity', ids: [...ids, ids[0]], includeDependents: true });
    expect(started.status).toBe(202);
    const batchId = started.body.batchId as string;
    await waitForBatch(system, TOKENS.district1002, batchId);
    const history = await request(system.app).get('/api/districts/1002/history?limit=50').set(bearer(TOKENS.district1002));
    const row = (history.body.batches as { batchId: string; kind: string; selection: unknown }[]).find((batch) => batch.batchId === batchId);
    const chosen = { object: 'PersonIdentity', records: 2, includeParents: true, includeDependents: true };
    expect(row).toMatchObject({ kind: 'selective', requestedObjects: ['PersonIdentity'], selection: chosen });
    const detail = await request(system.app).get(`/api/resyncs/${batchId}`).set(bearer(TOKENS.district1002));
    expect(detail.body.selection).toEqual(chosen);
    // The state sees the same; a full or partial batch has no selection.
    const asState = await request(system.app).get('/api/districts/1002/history?limit=50').set(bearer(TOKENS.state));
    const others = (asState.body.batches as { batchId: string; kind: string; selection: unknown }[]).filter((batch) => batch.batchId !== batchId);
    expect(others.length).toBeGreaterThan(0);
    for (const other of others) expect(other.selection).toBeNull();
    expect(asState.body.batches.find((batch: { batchId: string }) => batch.batchId === batchId).selection).toEqual(chosen);
  });
});
