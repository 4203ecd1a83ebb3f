// Selective Sync end to end (issue 13, item 1): chosen records of any object, with the parent
// records they reference and every record below them, built at the district (its own database by
// default) and copied as an ordinary batch. The test changes the district — an edit inside the
// chosen person's records, an edit outside them, a record removed, an insert — then checks the
// state record by record: exactly the set was resynced, removals applied within it, unknown ids
// reported per id.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_CATALOG } from '../../src/data/schema/columns';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer, waitForBatch, type BatchBody } from './helpers';

let system: TestSystem;
let schema: string;

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 120, excludedShare: 0 });
  const [row] = await system.db.sql<{ schema: string }[]>`select source_schema as schema from resync.district where district_id = '1001'`;
  schema = row!.schema;
});

afterAll(async () => {
  await system?.stop();
});

const districtSql = () => system.district.sql;
const ids = (rows: readonly { [column: string]: unknown }[]) => rows.map((row) => Number(row.id)).sort((a, b) => a - b);

async function post(path: string, body: object, token: string = TOKENS.district1001) {
  return request(system.app).post(path).set(bearer(token)).send(body);
}

async function run(path: string, body: object): Promise<BatchBody> {
  const response = await post(path, body);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return waitForBatch(system, TOKENS.district1001, response.body.batchId as string);
}

async function stateIds(table: string): Promise<number[]> {
  return ids(await system.db.sql.unsafe(`select id from state."${table}" where source_district = '1001'`));
}

/** The records of the district's tables that reference these parent ids through `column`. */
async function districtChildren(table: string, column: string, parents: readonly number[], schoolYear?: number): Promise<number[]> {
  const year = schoolYear === undefined ? '' : ` and school_year = ${schoolYear}`;
  return ids(await districtSql().unsafe(`select id from "${schema}"."${table}" where "${column}" = any($1::bigint[])${year}`, [[...parents]] as never[]));
}

describe('Selective Sync of one person with dependents', () => {
  let person: number;
  let other: number;
  let enrollments: number[];
  let removedAttendance: number | undefined;
  let insertedEnrollment: number;
  let batch: BatchBody;
  let full: BatchBody;

  beforeAll(async () => {
    full = await run('/api/districts/1001/resyncs', { objects: 'all' });
    expect(full.status).toBe('completed');
    // A person whose enrollment this year has attendance, and another person.
    const rows = await districtSql().unsafe(`select e.person_identity_id as id from "${schema}".enrollment e
      join "${schema}".attendance_exact_count a on a.enrollment_id = e.id where e.school_year = 2026
      group by e.person_identity_id order by e.person_identity_id limit 2`);
    [person, other] = ids(rows) as [number, number];
    enrollments = await districtChildren('enrollment', 'person_identity_id', [person], 2026);

    // Inside the set: the person's name, their enrollment's grade; one attendance record removed;
    // a new enrollment inserted. Outside: the other person's name.
    await districtSql().unsafe(`update "${schema}".person_identity set first_name = 'Selected' where id = $1`, [person] as never[]);
    await districtSql().unsafe(`update "${schema}".person_identity set first_name = 'NotSelected' where id = $1`, [other] as never[]);
    await districtSql().unsafe(`update "${schema}".enrollment set grade = 'ZZ' where id = $1`, [enrollments[0]] as never[]);
    [removedAttendance] = await districtChildren('attendance_exact_count', 'enrollment_id', [enrollments[0]!]);
    expect(await stateIds('attendance_exact_count')).toContain(removedAttendance);
    await removeAtDistrict('attendance_exact_count', [removedAttendance!]);
    const [{ id }] = await districtSql().unsafe(`insert into "${schema}".enrollment
      select (select max(id) + 1 from "${schema}".enrollment), person_identity_id, school_year, grade, start_date, end_date, service_type, state_excluded, now()
      from "${schema}".enrollment where id = $1 returning id`, [enrollments[0]] as never[]) as unknown as [{ id: string }];
    insertedEnrollment = Number(id);

    batch = await run('/api/districts/1001/selective-syncs', {
      object: 'PersonIdentity', ids: [person, 987654321], includeParents: true, includeDependents: true,
    });
  });

  it('is an ordinary batch of kind selective, its choice in the history', () => {
    expect(batch.kind).toBe('selective');
    expect(batch.selection).toEqual({ object: 'PersonIdentity', records: 2, includeParents: true, includeDependents: true });
  });

  it('resyncs the person and everything below them, and nothing else', async () => {
    const [selected] = await system.db.sql`select first_name from state.person_identity where source_district = '1001' and id = ${person}`;
    expect(selected!.first_name).toBe('Selected');
    const [untouched] = await system.db.sql`select first_name from state.person_identity where source_district = '1001' and id = ${other}`;
    expect(untouched!.first_name).not.toBe('NotSelected');
    const [edited] = await system.db.sql`select grade from state.enrollment where source_district = '1001' and id = ${enrollments[0]!}`;
    expect(edited!.grade).toBe('ZZ');
    expect(await stateIds('enrollment')).toContain(insertedEnrollment);
    expect(await stateIds('attendance_exact_count')).not.toContain(removedAttendance);
  });

  it('counts exactly the record set: each object processed as many records as the district holds of it', async () => {
    const expected = await closureOfPerson(person);
    const objects = Object.fromEntries((batch.objects ?? []).map((object) => [object.object, object]));
    for (const [object, records] of Object.entries(expected)) {
      // The chosen ids include an unknown one; the attendance record the district removed is
      // still at the state, below the person: it joins the set to be removed.
      const extra = object === 'PersonIdentity' || object === 'AttendanceExactCount' ? 1 : 0;
      expect(objects[object]?.processed, object).toBe(records.length + extra);
      expect(objects[object]?.deleted, object).toBe(object === 'AttendanceExactCount' ? 1 : 0);
    }
    expect(Object.keys(objects).sort()).toEqual(Object.keys(expected).sort());
  });

  it('reports the unknown id by id, as an error of reason unknown', async () => {
    const errors = await request(system.app).get(`/api/resyncs/${batch.batchId}/errors`).set(bearer(TOKENS.district1001));
    expect(errors.status).toBe(200);
    const unknown = (errors.body.errors as { recordId: number; reasonCode: string; object: string }[]).filter((error) => error.reasonCode === 'unknown');
    expect(unknown.map((error) => [error.object, error.recordId])).toEqual([['PersonIdentity', 987654321]]);
    expect(batch.errors).toBe(1);
  });

  it('leaves the tool table on the last full resync: a few selected records do not replace an object\'s whole result', async () => {
    const table = await request(system.app).get('/api/districts/1001/objects').set(bearer(TOKENS.district1001));
    expect(table.status).toBe(200);
    const rows = new Map((table.body.objects as { object: string; batchId: string; processed: number }[]).map((row) => [row.object, row]));
    const wholeResults = new Map((full.objects ?? []).map((object) => [object.object, object]));
    const selected = (batch.objects ?? []).map((object) => object.object);
    expect(selected).toContain('AttendanceExactCount');
    for (const object of selected) {
      expect(rows.get(object)?.batchId, object).toBe(full.batchId);
      expect(rows.get(object)?.processed, object).toBe(wholeResults.get(object)?.processed);
    }
  });

  it('the preview counts the same record set without storing anything', async () => {
    const expected = await closureOfPerson(person);
    const response = await post('/api/districts/1001/selective-syncs/plan', {
      object: 'PersonIdentity', ids: [person, 987654321], includeParents: true, includeDependents: true,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(previewCounts(response.body)).toEqual(Object.fromEntries(Object.entries(expected).map(([object, records]) => [object, records.length])));
    expect(response.body.total).toBe(Object.values(expected).reduce((sum, records) => sum + records.length, 0));
    expect(response.body.notAtDistrict).toEqual([987654321]);
  });
});

describe('Selective Sync of one school year', () => {
  it('leaves out, refuses and does not find records of another school year than the batch\'s', async () => {
    // A record of the year before, as a district's history holds them.
    const current = Number((await districtSql().unsafe(`select min(id) as id from "${schema}".enrollment where school_year = 2026`))[0]?.id);
    const [{ id }] = await districtSql().unsafe(`insert into "${schema}".enrollment
      select (select max(id) + 1 from "${schema}".enrollment), person_identity_id, 2025, grade, start_date, end_date, service_type, state_excluded, now()
      from "${schema}".enrollment where id = $1 returning id`, [current] as never[]) as unknown as [{ id: string }];
    const previous = Number(id);
    const choice = { object: 'Enrollment', ids: [previous, current], includeParents: false, includeDependents: false };

    const preview = await post('/api/districts/1001/selective-syncs/plan', choice);
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ schoolYear: 2026, total: 1, notAtDistrict: [], otherYears: [previous] });

    const batches = async () => Number((await system.db.sql`select count(*)::int as n from resync.batch where district_id = '1001'`)[0]?.n);
    const before = await batches();
    const refused = await post('/api/districts/1001/selective-syncs', choice);
    expect(refused.status).toBe(422);
    expect(refused.type).toBe('application/problem+json');
    expect(refused.body.detail).toBe(`Enrollment ${previous} is a record of another school year than 2026-27 (the current one of district 1001): `
      + 'a Selective Sync resyncs one school year\'s records');
    expect(await batches()).toBe(before);

    const search = (text: string) => request(system.app).get('/api/districts/1001/records').query({ object: 'Enrollment', q: text }).set(bearer(TOKENS.district1001));
    const foundIds = async (text: string) => ((await search(text)).body.records as { id: number }[]).map((record) => record.id);
    expect(await foundIds(String(previous))).not.toContain(previous);
    expect(await foundIds(String(current))).toContain(current);
    // By the person: their enrollment of this year only.
    const person = Number((await districtSql().unsafe(`select person_identity_id as id from "${schema}".enrollment where id = $1`, [current] as never[]))[0]?.id);
    const [{ local }] = await districtSql().unsafe(`select local_id as local from "${schema}".person_identity where id = $1`, [person] as never[]) as unknown as [{ local: string }];
    const byPerson = await foundIds(local);
    expect(byPerson).toContain(current);
    expect(byPerson).not.toContain(previous);
  });
});

describe('Selective Sync of many ids', () => {
  it('previews the 10 000 ids a request may name, and refuses 10 001 saying how many it may', async () => {
    const many = Array.from({ length: 10_000 }, (_, index) => 9_000_000_000_000 + index);
    const preview = await post('/api/districts/1001/selective-syncs/plan', { object: 'PersonIdentity', ids: many, includeParents: false, includeDependents: false });
    expect(preview.status, JSON.stringify(preview.body).slice(0, 300)).toBe(200);
    expect(preview.body.notAtDistrict).toHaveLength(10_000);
    const tooMany = await post('/api/districts/1001/selective-syncs', { object: 'PersonIdentity', ids: [...many, 1] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.type).toBe('application/problem+json');
    const sentence = 'at most 10 000 ids per Selective Sync (choose a record with includeDependents to take everything below it)';
    expect(tooMany.body.detail).toBe(`ids: ${sentence}`);
    expect(tooMany.body.errors).toEqual([{ path: 'ids', message: sentence }]);
  });

  it('says which limit a body that is too large exceeds', async () => {
    const huge = await post('/api/districts/1001/selective-syncs', { object: 'PersonIdentity', ids: Array.from({ length: 30_000 }, (_, index) => 9_000_000_000_000 + index) });
    expect(huge.status).toBe(413);
    expect(huge.body.detail).toBe('the request body exceeds 200 kB');
  });
});

describe('Selective Sync of one school with dependents', () => {
  it('previews every record of that school, year-tied ones of the scoped year only', async () => {
    const [{ id: school }] = await districtSql().unsafe(`select min(id) as id from "${schema}".school`) as unknown as [{ id: string }];
    const calendars = await districtChildren('calendar', 'school_id', [Number(school)]);
    const response = await post('/api/districts/1001/selective-syncs/plan', { object: 'School', ids: [Number(school)], includeDependents: true, includeParents: false });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const counts = previewCounts(response.body);
    expect(counts.School).toBe(1);
    expect(counts.Calendar).toBe(calendars.length);
    expect(calendars.length).toBeGreaterThan(0);
    // Nothing above the school: it comes first.
    expect(response.body.levels[0]).toEqual([{ object: 'School', records: 1 }]);
  });
});

describe('Selective Sync refuses what it cannot do, changing nothing', () => {
  it.each([
    [{ object: 'PersonIdentty', ids: [1] }, /did you mean PersonIdentity/],
    [{ object: 'PersonIdentity', ids: [] }, /ids/],
    [{ object: 'PersonIdentity', ids: [0] }, /ids/],
  ])('%j → 400/422 with the reason', async (body, reason) => {
    const before = await system.db.sql`select count(*)::int as n from resync.batch`;
    const response = await post('/api/districts/1001/selective-syncs', body);
    expect([400, 422]).toContain(response.status);
    expect(response.type).toBe('application/problem+json');
    expect(JSON.stringify(response.body)).toMatch(reason);
    const after = await system.db.sql`select count(*)::int as n from resync.batch`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('another district may not select this district\'s records', async () => {
    const response = await post('/api/districts/1001/selective-syncs', { object: 'PersonIdentity', ids: [1] }, TOKENS.district1002);
    expect(response.status).toBe(403);
  });
});

/** The preview's records per object (its levels list them parent-first). */
function previewCounts(body: { levels: { object: string; records: number }[][] }): Record<string, number> {
  return Object.fromEntries(body.levels.flat().filter((entry) => entry.records > 0).map((entry) => [entry.object, entry.records]));
}

/** Removes records at the district with every record below them (its foreign keys forbid orphans). */
async function removeAtDistrict(table: string, recordIds: number[]): Promise<void> {
  const referencing = await districtSql().unsafe(`select c.conrelid::regclass::text as child, a.attname as column
    from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.confrelid = $1::regclass`, [`"${schema}"."${table}"`] as never[]);
  for (const { child, column } of referencing as unknown as { child: string; column: string }[]) {
    const childTable = child.split('.').at(-1)!.replace(/"/g, '');
    const below = await districtChildren(childTable, column, recordIds);
    if (below.length > 0) await removeAtDistrict(childTable, below);
  }
  await districtSql().unsafe(`delete from "${schema}"."${table}" where id = any($1::bigint[])`, [recordIds] as never[]);
}

/**
 * What the district holds under one person and above them, computed here from its foreign keys
 * (the oracle): every record referencing the person (transitively, year-tied ones of 2026), then
 * every record those records reference (transitively).
 */
async function closureOfPerson(person: number): Promise<Record<string, number[]>> {
  const fks = await districtSql().unsafe(`select c.conrelid::regclass::text as child, a.attname as column, c.confrelid::regclass::text as parent
    from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.connamespace = $1::regnamespace`, [`"${schema}"`] as never[]) as unknown as { child: string; column: string; parent: string }[];
  const tableOf = (name: string) => name.split('.').at(-1)!.replace(/"/g, '');
  const yearTied = new Set((await districtSql().unsafe(`select table_name from information_schema.columns
    where table_schema = $1 and column_name = 'school_year'`, [schema] as never[])).map((row) => row.table_name as string));
  const set = new Map<string, Set<number>>([['person_identity', new Set([person])]]);
  const add = (table: string, found: number[]) => {
    const entry = set.get(table) ?? new Set<number>();
    let grew = false;
    for (const id of found) if (!entry.has(id)) { entry.add(id); grew = true; }
    set.set(table, entry);
    return grew;
  };
  // Down: to a fixed point.
  for (let grew = true; grew;) {
    grew = false;
    for (const fk of fks) {
      const parents = [...(set.get(tableOf(fk.parent)) ?? [])];
      if (parents.length === 0) continue;
      const child = tableOf(fk.child);
      if (add(child, await districtChildren(child, fk.column, parents, yearTied.has(child) ? 2026 : undefined))) grew = true;
    }
  }
  // Up: to a fixed point.
  for (let grew = true; grew;) {
    grew = false;
    for (const fk of fks) {
      const children = [...(set.get(tableOf(fk.child)) ?? [])];
      if (children.length === 0) continue;
      const rows = await districtSql().unsafe(`select distinct "${fk.column}" as id from "${schema}"."${tableOf(fk.child)}"
        where id = any($1::bigint[]) and "${fk.column}" is not null`, [children] as never[]);
      if (add(tableOf(fk.parent), ids(rows))) grew = true;
    }
  }
  const byTable = new Map(SCHEMA_CATALOG.objects.map((object) => [object.table, object.name]));
  return Object.fromEntries([...set].filter(([, records]) => records.size > 0).map(([table, records]) => [byTable.get(table)!, [...records].sort((a, b) => a - b)]));
}
