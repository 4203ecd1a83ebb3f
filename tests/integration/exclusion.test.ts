// Exclusion is a property of a record and of all its ancestors (DESIGN §2.8): a record the
// district flags state-excluded after it reached the state leaves the state with every record
// under it, children first; the records under it are counted as not-allowed errors naming the
// excluded ancestor as their cause; verification then finds district and state in sync. Run on
// both topologies: district and state in separate databases (pages travel through the worker),
// and side by side in one database (pages move inside PostgreSQL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/data/db';
import { getDistrict } from '../../src/data/district-registry';
import { DistrictSources } from '../../src/data/district-sources';
import { parentReferences } from '../../src/data/schema/columns';
import { parentFirstObjects } from '../../src/data/schema/ddl';
import { listErrors, type SyncErrorEntry } from '../../src/data/sync-errors';
import { CATALOG } from '../../src/domain';
import { seedDistrict } from '../../src/generator/seed-district';
import { verifiableObjects, verifyDistrict } from '../../src/verification/summary';
import { createTestDatabase, type TestDatabase } from '../setup/database';
import { recordBatch, syncPlan, type Deps } from './sync-helpers';

const YEAR = 2026;

interface ObjectCounts { object: string; processed: number; errors: number; sent: number; deleted: number }

describe.each([
  { topology: 'separate' as const },
  { topology: 'colocated' as const },
])('exclusion after a record reached the state ($topology databases)', ({ topology }) => {
  let state: TestDatabase;
  let district: TestDatabase;
  let deps: Deps;

  beforeAll(async () => {
    state = await createTestDatabase();
    district = topology === 'separate' ? await createTestDatabase({ migrate: false }) : state;
    deps = { state: state.sql, districtSources: new DistrictSources(state.url, { stateUrl: state.url }) };
  });

  afterAll(async () => {
    await deps?.districtSources.end();
    if (district && district !== state) await district.drop();
    await state?.drop();
  });

  const schemaOf = (districtId: string) => `district_${districtId}`;

  async function seed(districtId: string, seedValue: number): Promise<void> {
    await seedDistrict(state.sql, district.sql, {
      districtId, students: 150, scopedYear: YEAR, state: 'KY', reportingEntity: false, seed: seedValue, excludedShare: 0,
      sourceUrl: topology === 'separate' ? district.url : null,
    });
  }

  async function fullResync(districtId: string): Promise<string> {
    const batch = await recordBatch(deps, districtId, 'all');
    await syncPlan(deps, districtId, batch);
    return batch.batchId;
  }

  /** Records of the district under one record, per object, found by walking the references of
   *  every table parent-first (an oracle independent of the code under test). */
  async function recordsUnder(districtId: string, objectName: string, id: number): Promise<Map<string, number[]>> {
    const sql: Sql = district.sql;
    const under = new Map<string, Set<number>>([[objectName, new Set([id])]]);
    for (const object of parentFirstObjects()) {
      if (object.name === objectName) continue;
      const references = parentReferences(object).filter((reference) => under.has(reference.parent));
      if (references.length === 0) continue;
      const rows = await sql.unsafe(`select id, ${references.map((r) => `"${r.column}"`).join(', ')} from "${schemaOf(districtId)}"."${object.table}"`);
      const ids = new Set<number>();
      for (const row of rows) {
        if (references.some((r) => under.get(r.parent)?.has(Number(row[r.column])))) ids.add(Number(row.id));
      }
      if (ids.size > 0) under.set(object.name, ids);
    }
    under.delete(objectName);
    return new Map([...under].map(([object, ids]) => [object, [...ids].sort((a, b) => a - b)]));
  }

  async function stateIds(districtId: string, objectName: string, ids: readonly number[]): Promise<number[]> {
    const rows = await state.sql.unsafe(`select id from state."${CATALOG.get(objectName).table}"
      where source_district = $1 and id = any($2::bigint[]) order by id`, [districtId, ids as number[]] as never[]);
    return rows.map((row) => Number(row.id));
  }

  async function objectCounts(batchId: string): Promise<Map<string, ObjectCounts>> {
    const rows = await state.sql<ObjectCounts[]>`select object, processed, errors, sent, deleted from resync.batch_object where batch_id = ${batchId}`;
    return new Map(rows.map((row) => [row.object, row]));
  }

  const byRecord = (a: { object: string; recordId: number }, b: { object: string; recordId: number }) =>
    (a.object < b.object ? -1 : a.object > b.object ? 1 : a.recordId - b.recordId);

  async function errorLog(batchId: string): Promise<SyncErrorEntry[]> {
    return (await listErrors(state.sql, batchId, { limit: 100_000, offset: 0 })).errors.sort(byRecord);
  }

  const entry = (object: string, recordId: number, reason: string, cause: SyncErrorEntry['cause']) => ({
    object, recordId, reasonCode: 'not-allowed', reason, cause, loggedAt: expect.any(Date),
  });

  async function expectInSync(districtId: string): Promise<Map<string, number>> {
    const registered = await getDistrict(state.sql, districtId);
    const results = await verifyDistrict(deps, registered, YEAR, verifiableObjects(registered, 'current'));
    expect(results.filter((result) => !result.inSync)).toEqual([]);
    return new Map(results.map((result) => [result.object, result.excluded]));
  }

  it('a full resync removes an enrollment excluded since the last one, and every record under it, counted as not-allowed errors caused by it', async () => {
    await seed('x1', 11);
    await fullResync('x1');
    const schema = schemaOf('x1');
    const [chosen] = await district.sql.unsafe(`select e.id from "${schema}".enrollment e where e.school_year = ${YEAR}
      and exists (select 1 from "${schema}".attendance_exact_count a where a.enrollment_id = e.id)
      and exists (select 1 from "${schema}".roster r where r.enrollment_id = e.id) order by e.id limit 1`);
    const enrollment = Number(chosen?.id);
    const under = await recordsUnder('x1', 'Enrollment', enrollment);
    expect(under.get('AttendanceExactCount')?.length).toBeGreaterThan(0);
    expect(under.get('Roster')?.length).toBeGreaterThan(0);
    for (const [object, ids] of under) expect(await stateIds('x1', object, ids)).toEqual(ids);
    await district.sql.unsafe(`update "${schema}".enrollment set state_excluded = true where id = ${enrollment}`);

    const batchId = await fullResync('x1');

    expect(await stateIds('x1', 'Enrollment', [enrollment])).toEqual([]);
    for (const [object, ids] of under) expect({ object, atState: await stateIds('x1', object, ids) }).toEqual({ object, atState: [] });
    const counts = await objectCounts(batchId);
    for (const [object, row] of counts) {
      const expected = object === 'Enrollment' ? 1 : under.get(object)?.length ?? 0;
      expect({ object, errors: row.errors, deleted: row.deleted, sent: row.sent })
        .toEqual({ object, errors: expected, deleted: expected, sent: row.processed - expected });
    }
    const log = await errorLog(batchId);
    const reason = `not allowed to sync: its Enrollment ${enrollment} is a state-excluded enrollment`;
    expect(log).toEqual([
      entry('Enrollment', enrollment, 'not allowed to sync: state-excluded enrollment', null),
      ...[...under].flatMap(([object, ids]) => ids.map((id) => entry(object, id, reason, { object: 'Enrollment', recordId: enrollment }))),
    ].sort(byRecord));

    const excluded = await expectInSync('x1');
    expect(excluded.get('Enrollment')).toBe(1);
    for (const [object, ids] of under) expect({ object, excluded: excluded.get(object) }).toEqual({ object, excluded: ids.length });
  });

  it('a full resync removes a calendar excluded since the last one, with everything under it', async () => {
    await seed('x2', 12);
    await fullResync('x2');
    const schema = schemaOf('x2');
    const [chosen] = await district.sql.unsafe(`select c.id from "${schema}".calendar c where c.school_year = ${YEAR}
      and exists (select 1 from "${schema}".schedule_structure s join "${schema}".person_identity p on p.schedule_structure_id = s.id
        where s.calendar_id = c.id) order by c.id limit 1`);
    const calendar = Number(chosen?.id);
    const under = await recordsUnder('x2', 'Calendar', calendar);
    expect(under.get('PersonIdentity')?.length).toBeGreaterThan(0);
    expect(under.get('AttendanceExactCount')?.length).toBeGreaterThan(0);
    await district.sql.unsafe(`update "${schema}".calendar set state_excluded = true where id = ${calendar}`);

    const batchId = await fullResync('x2');

    expect(await stateIds('x2', 'Calendar', [calendar])).toEqual([]);
    for (const [object, ids] of under) expect({ object, atState: await stateIds('x2', object, ids) }).toEqual({ object, atState: [] });
    const counts = await objectCounts(batchId);
    for (const [object, row] of counts) {
      const expected = object === 'Calendar' ? 1 : under.get(object)?.length ?? 0;
      expect({ object, errors: row.errors, deleted: row.deleted }).toEqual({ object, errors: expected, deleted: expected });
    }
    const log = await errorLog(batchId);
    const reason = `not allowed to sync: its Calendar ${calendar} is a state-excluded calendar`;
    expect(log).toEqual([
      entry('Calendar', calendar, 'not allowed to sync: state-excluded calendar', null),
      ...[...under].flatMap(([object, ids]) => ids.map((id) => entry(object, id, reason, { object: 'Calendar', recordId: calendar }))),
    ].sort(byRecord));
    await expectInSync('x2');
  });

  it('a partial resync of Enrollment removes the now-excluded enrollment and the records under it at the state', async () => {
    await seed('x3', 13);
    await fullResync('x3');
    const schema = schemaOf('x3');
    const [chosen] = await district.sql.unsafe(`select e.id from "${schema}".enrollment e where e.school_year = ${YEAR}
      and exists (select 1 from "${schema}".attendance_exact_count a where a.enrollment_id = e.id) order by e.id desc limit 1`);
    const enrollment = Number(chosen?.id);
    const under = await recordsUnder('x3', 'Enrollment', enrollment);
    const underCount = [...under.values()].reduce((sum, ids) => sum + ids.length, 0);
    await district.sql.unsafe(`update "${schema}".enrollment set state_excluded = true where id = ${enrollment}`);

    const batch = await recordBatch(deps, 'x3', ['Enrollment'], false);
    expect(batch.plan).toMatchObject({ kind: 'partial', levels: [['Enrollment']] });
    await syncPlan(deps, 'x3', batch);

    expect(await stateIds('x3', 'Enrollment', [enrollment])).toEqual([]);
    for (const [object, ids] of under) expect({ object, atState: await stateIds('x3', object, ids) }).toEqual({ object, atState: [] });
    // The records under it belong to objects this batch did not include: they count as removed
    // with the enrollment they hung from.
    const enrollments = (await objectCounts(batch.batchId)).get('Enrollment');
    expect(enrollments).toMatchObject({ errors: 1, deleted: 1 + underCount, sent: (enrollments?.processed ?? 0) - 1 });
    expect(await errorLog(batch.batchId)).toEqual([entry('Enrollment', enrollment, 'not allowed to sync: state-excluded enrollment', null)]);
    await expectInSync('x3');
  });
});
