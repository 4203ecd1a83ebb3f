// Exclusion after a record reached the state, through the API and the real workflows, on both
// topologies (the district in its own database, and beside the state's data): a full resync
// removes the now-excluded enrollment and every record under it, counts those as not-allowed
// errors caused by it, and its post-run verification finds every object in sync; verify-then-
// resync converges after an exclusion instead of resyncing the same objects forever.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyThenResyncResult } from '../../src/workflows/verify-then-resync';
import { startTestSystem, TOKENS, type TestSystem, type Topology } from '../setup/system';
import { bearer, waitForBatch } from './helpers';

interface ObjectView { object: string; processed: number; errors: number; sent: number; deleted: number; verifiedInSync: boolean | null }

describe.each<{ topology: Topology }>([{ topology: 'separate' }, { topology: 'colocated' }])('exclusion after sync, $topology databases', ({ topology }) => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ topology });
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function fullResync(districtId: string): Promise<{ batchId: string; objects: ObjectView[]; deleted: number; errors: number }> {
    const started = await request(system.app).post(`/api/districts/${districtId}/resyncs`).set(bearer(TOKENS.state)).send({ objects: 'all' });
    expect(started.status).toBe(202);
    const batchId = started.body.batchId as string;
    expect((await waitForBatch(system, TOKENS.state, batchId)).status).toBe('completed');
    const view = await request(system.app).get(`/api/resyncs/${batchId}`).set(bearer(TOKENS.state));
    return { batchId, objects: view.body.objects as ObjectView[], deleted: view.body.deleted as number, errors: view.body.errors as number };
  }

  /** Records under an enrollment at the district, per table (the KY objects that hang from one). */
  async function underEnrollment(districtId: string, enrollment: number): Promise<Map<string, number>> {
    const schema = `district_${districtId}`;
    const counts = new Map<string, number>();
    for (const [object, table] of [['AttendanceExactCount', 'attendance_exact_count'], ['AttendanceGroupKY', 'attendance_group_ky'],
      ['AttendanceKYMinute', 'attendance_ky_minute'], ['CustomStudent', 'custom_student'], ['ESSKY', 'essky'], ['FRYSCStatusKY', 'frysc_status_ky'],
      ['Graduation', 'graduation'], ['PreSchoolKY', 'pre_school_ky'], ['Title1KY', 'title1_ky'], ['Roster', 'roster']] as const) {
      const [row] = await system.district.sql.unsafe(`select count(*)::int as n from "${schema}"."${table}" where enrollment_id = ${enrollment}`);
      if (Number(row?.n) > 0) counts.set(object, Number(row?.n));
    }
    return counts;
  }

  async function excludeAnEnrollment(districtId: string): Promise<number> {
    const schema = `district_${districtId}`;
    const [row] = await system.district.sql.unsafe(`select e.id from "${schema}".enrollment e where not e.state_excluded
      and exists (select 1 from "${schema}".attendance_exact_count a where a.enrollment_id = e.id) order by e.id limit 1`);
    await system.district.sql.unsafe(`update "${schema}".enrollment set state_excluded = true where id = ${Number(row?.id)}`);
    return Number(row?.id);
  }

  it('a full resync removes the excluded enrollment and what hangs from it, and its post-run verification is in sync', async () => {
    await system.seed({ districtId: '5001', students: 60, excludedShare: 0, state: 'KY', seed: 21 });
    await fullResync('5001');
    const enrollment = await excludeAnEnrollment('5001');
    const under = await underEnrollment('5001', enrollment);
    const underTotal = [...under.values()].reduce((sum, n) => sum + n, 0);
    expect(under.get('AttendanceExactCount')).toBeGreaterThan(0);

    const second = await fullResync('5001');

    for (const object of second.objects) {
      const expected = object.object === 'Enrollment' ? 1 : under.get(object.object) ?? 0;
      expect({ object: object.object, errors: object.errors, deleted: object.deleted, sent: object.sent, verifiedInSync: object.verifiedInSync })
        .toEqual({ object: object.object, errors: expected, deleted: expected, sent: object.processed - expected, verifiedInSync: true });
    }
    expect({ errors: second.errors, deleted: second.deleted }).toEqual({ errors: 1 + underTotal, deleted: 1 + underTotal });
    const errors = await request(system.app).get(`/api/resyncs/${second.batchId}/errors?object=AttendanceExactCount&limit=500`).set(bearer(TOKENS.state));
    expect(errors.body.errors).toHaveLength(under.get('AttendanceExactCount') ?? 0);
    for (const entry of errors.body.errors as { reasonCode: string; reason: string; cause: unknown }[]) {
      expect(entry).toMatchObject({
        reasonCode: 'not-allowed', reason: `not allowed to sync: its Enrollment ${enrollment} is a state-excluded enrollment`,
        cause: { object: 'Enrollment', recordId: enrollment },
      });
    }
    const [atState] = await system.db.sql`select count(*)::int as n from state.attendance_exact_count where source_district = '5001' and enrollment_id = ${enrollment}`;
    expect(atState?.n).toBe(0);
  });

  it('verify-then-resync converges after an enrollment is excluded', async () => {
    await system.seed({ districtId: '5002', students: 50, excludedShare: 0, state: 'KY', seed: 22 });
    await fullResync('5002');
    const enrollment = await excludeAnEnrollment('5002');
    const under = await underEnrollment('5002', enrollment);

    const before = await request(system.app).get('/api/districts/5002/verification').set(bearer(TOKENS.state));
    const outOfSync = (before.body.objects as { object: string; inSync: boolean; extra: number }[]).filter((o) => !o.inSync);
    expect(outOfSync.map((o) => [o.object, o.extra]).sort()).toEqual([['Enrollment', 1], ...[...under].map(([object, n]) => [object, n])].sort());

    const started = await request(system.app).post('/api/districts/5002/verify-and-resync').set(bearer(TOKENS.state)).send({ year: 'current' });
    expect(started.status).toBe(202);
    const result = await system.worker.client.workflow.getHandle(started.body.workflowId as string).result() as VerifyThenResyncResult;
    expect(result.inSyncAfter).toBe(true);
    expect([...result.resynced].sort()).toEqual(outOfSync.map((o) => o.object).sort());
    const after = await request(system.app).get('/api/districts/5002/verification').set(bearer(TOKENS.state));
    expect(after.body.inSync).toBe(true);
  });
});
