// Differential resync end to end (issue 13, item 2), on both topologies: after a full copy, the
// test changes the district (edits, inserts, removals) and the state (a drifted record), then a
// differential full resync must count exactly what it inserted, updated, left unchanged and
// removed, leave the district and the state in sync, and write nothing the second time.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_CATALOG } from '../../src/data/schema/columns';
import { startTestSystem, TOKENS, type TestSystem, type Topology } from '../setup/system';
import { bearer, waitForBatch, type BatchBody } from './helpers';

type ObjectRow = NonNullable<BatchBody['objects']>[number];

describe.each<Topology>(['separate', 'colocated'])('differential resync, district %s', (topology) => {
  let system: TestSystem;
  let schema: string;
  let counts: Record<string, number>;
  let first: Record<string, ObjectRow>;
  let persons: number[];
  let removedAttendance: number[];
  let screenings: number;

  const districtSql = () => system.district.sql;

  async function resync(body: object, token: string = TOKENS.district1001, district = '1001'): Promise<BatchBody> {
    const response = await request(system.app).post(`/api/districts/${district}/resyncs`).set(bearer(token)).send(body);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return waitForBatch(system, token, response.body.batchId as string);
  }

  const byObject = (batch: BatchBody) => Object.fromEntries((batch.objects ?? []).map((object) => [object.object, object]));

  /** Records per table of the district's scoped year (year-tied tables) or all (the others). */
  async function districtCounts(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const object of Object.keys(first)) {
      const catalog = SCHEMA_CATALOG.get(object);
      const year = catalog.yearTied ? ' where school_year = 2026' : '';
      const [row] = await districtSql().unsafe(`select count(*)::int as n from "${schema}"."${catalog.table}"${year}`);
      result[object] = Number(row!.n);
    }
    return result;
  }

  beforeAll(async () => {
    system = await startTestSystem({ topology });
    await system.seed({ districtId: '1001', students: 120, excludedShare: 0 });
    await system.seed({ districtId: '1002', students: 40, excludedShare: 0, seed: 2 });
    const [row] = await system.db.sql<{ schema: string }[]>`select source_schema as schema from resync.district where district_id = '1001'`;
    schema = row!.schema;
    const copy = await resync({ objects: 'all' });
    expect(copy.status).toBe('completed');
    first = byObject(copy);

    // At the district: three persons renamed, two persons added (copies of an existing row with
    // new ids), two attendance records removed, one enrollment's grade changed.
    persons = (await districtSql().unsafe(`select id from "${schema}".person_identity order by id limit 3`)).map((r) => Number(r.id));
    await districtSql().unsafe(`update "${schema}".person_identity set first_name = first_name || '-x' where id = any($1::bigint[])`, [persons] as never[]);
    await districtSql().unsafe(`insert into "${schema}".person_identity (id, schedule_structure_id, first_name, last_name, birth_date, gender, local_id)
      select (select max(id) from "${schema}".person_identity) + n, schedule_structure_id, first_name, last_name, birth_date, gender, local_id || '-' || n
      from "${schema}".person_identity, generate_series(1, 2) n where id = $1`, [persons[0]] as never[]);
    removedAttendance = (await districtSql().unsafe(`select id from "${schema}".attendance_exact_count where school_year = 2026 order by id limit 2`))
      .map((r) => Number(r.id));
    await districtSql().unsafe(`delete from "${schema}".attendance_exact_count where id = any($1::bigint[])`, [removedAttendance] as never[]);
    // Every health screening removed: the differential finds no record of the object at the
    // district, and must still remove the state's.
    [{ n: screenings }] = await districtSql().unsafe(`select count(*)::int as n from "${schema}".health_screening`) as unknown as [{ n: number }];
    await districtSql().unsafe(`delete from "${schema}".health_screening`);
    await districtSql().unsafe(`update "${schema}".enrollment set grade = 'ZZ' where id = (select min(id) from "${schema}".enrollment where school_year = 2026)`);
    // At the state: a record someone changed there (drift) — the district's copy wins.
    await system.db.sql`update state.course_code set title = 'drifted' where source_district = '1001' and id = (select min(id) from state.course_code where source_district = '1001')`;
    counts = await districtCounts();
  }, 300_000);

  afterAll(async () => {
    await system?.stop();
  });

  let differential: Record<string, ObjectRow>;

  it('counts exactly what it inserted, updated, left unchanged and removed, per object', async () => {
    const batch = await resync({ objects: 'all', method: 'differential' });
    expect(batch.status).toBe('completed');
    expect(batch.method).toBe('differential');
    differential = byObject(batch);
    const changed: Record<string, { inserted: number; updated: number; deleted: number }> = {
      PersonIdentity: { inserted: 2, updated: 3, deleted: 0 },
      AttendanceExactCount: { inserted: 0, updated: 0, deleted: 2 },
      Enrollment: { inserted: 0, updated: 1, deleted: 0 },
      CourseCode: { inserted: 0, updated: 1, deleted: 0 },
      HealthScreening: { inserted: 0, updated: 0, deleted: screenings },
    };
    expect(screenings).toBeGreaterThan(0);
    for (const [object, result] of Object.entries(differential)) {
      const expected = changed[object] ?? { inserted: 0, updated: 0, deleted: 0 };
      expect({ object, inserted: result.inserted, updated: result.updated, unchanged: result.unchanged, deleted: result.deleted, processed: result.processed })
        .toEqual({ object, ...expected, unchanged: counts[object]! - expected.inserted - expected.updated, processed: counts[object] });
      expect(result.errors, object).toBe(0);
    }
    expect(Object.keys(differential).sort()).toEqual(Object.keys(first).sort());
  });

  it('leaves the district and the state in sync', async () => {
    const response = await request(system.app).get('/api/districts/1001/verification').set(bearer(TOKENS.district1001));
    expect(response.status).toBe(200);
    expect(response.body.objects.filter((object: { inSync: boolean }) => !object.inSync)).toEqual([]);
    expect(response.body.inSync).toBe(true);
    const [drifted] = await system.db.sql`select count(*)::int as n from state.course_code where source_district = '1001' and title = 'drifted'`;
    expect(drifted!.n).toBe(0);
    const gone = await system.db.sql`select id from state.attendance_exact_count where source_district = '1001' and id = any(${removedAttendance})`;
    expect(gone).toEqual([]);
  });

  it('writes nothing the second time', async () => {
    const batch = await resync({ objects: 'all', method: 'differential' });
    for (const result of batch.objects ?? []) {
      expect({ object: result.object, inserted: result.inserted, updated: result.updated, deleted: result.deleted, unchanged: result.unchanged, sent: result.sent })
        .toEqual({ object: result.object, inserted: 0, updated: 0, deleted: 0, unchanged: counts[result.object], sent: 0 });
    }
  });

  it('into an empty state inserts every record', async () => {
    const batch = await resync({ objects: 'all', method: 'differential' }, TOKENS.district1002, '1002');
    expect(batch.status).toBe('completed');
    for (const result of batch.objects ?? []) {
      expect({ object: result.object, inserted: result.inserted, updated: result.updated, unchanged: result.unchanged })
        .toEqual({ object: result.object, inserted: result.processed, updated: 0, unchanged: 0 });
    }
    expect(batch.processed).toBeGreaterThan(1000);
  });

  it('a copy resync reports no differential split', async () => {
    const batch = await resync({ objects: ['School'] });
    expect(batch.method).toBe('copy');
    expect(byObject(batch).School).toMatchObject({ inserted: null, updated: null, unchanged: null });
  });
});
