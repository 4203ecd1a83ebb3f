// Objects copied as one range each are planned in one statement (planSingleRanges): fresh when
// the state holds none of the district's records; a retry finds the range with its progress; an
// object's start is its first page's, not its plan's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceRange, planSingleRange, planSingleRanges } from '../../src/data/batch-ranges';
import { postgresRunner } from '../../src/data/statement-runner';
import { DistrictSources } from '../../src/data/district-sources';
import { seedDistrict } from '../../src/generator/seed-district';
import { createTestDatabase, type TestDatabase } from '../setup/database';
import { recordBatch } from './sync-helpers';

let db: TestDatabase;
let sources: DistrictSources;

describe('planSingleRange', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    sources = new DistrictSources(db.url, { stateUrl: db.url });
    await seedDistrict(db.sql, db.sql, { districtId: 'br1', students: 5, scopedYear: 2026, state: null, reportingEntity: false, seed: 9, sourceUrl: null });
  });

  afterAll(async () => {
    await sources?.end();
    await db?.drop();
  });

  it('plans the range fresh and marks the object running once; a retry gets the range as it stands and leaves the status', async () => {
    const batch = await recordBatch({ state: db.sql, districtSources: sources }, 'br1', ['District'], false);
    const key = { batchId: batch.batchId, object: 'District' };
    const status = async () => (await db.sql`select status from resync.batch_object where batch_id = ${batch.batchId} and object = 'District'`)[0]?.status;

    const first = await planSingleRange(db.sql, key, 'br1', 2026);
    expect(first).toEqual({ lowExclusive: null, highInclusive: null, cursor: null, processed: 0, errors: 0, sent: 0, done: false, fresh: true });
    expect(await status()).toBe('running');

    // An attempt committed a page, then the object failed; the batch tries it again.
    await db.sql`update resync.batch_range set cursor = 7, processed = 1, sent = 1 where batch_id = ${batch.batchId} and object = 'District'`;
    await db.sql`update resync.batch_object set status = 'failed' where batch_id = ${batch.batchId} and object = 'District'`;
    const again = await planSingleRange(db.sql, key, 'br1', 2026);
    expect(again).toEqual({ lowExclusive: null, highInclusive: null, cursor: 7, processed: 1, errors: 0, sent: 1, done: false, fresh: true });
    expect(await status()).toBe('failed');
  });

  it('records an object completed by its last page at the time the page ends, not when its transaction began', async () => {
    const batch = await recordBatch({ state: db.sql, districtSources: sources }, 'br1', ['District'], false);
    await planSingleRange(db.sql, { batchId: batch.batchId, object: 'District' }, 'br1', 2026);
    let began: Date | undefined;
    await db.sql.begin(async (tx) => {
      began = (await tx<{ began: Date }[]>`select now() as began`)[0]?.began;
      await tx`select pg_sleep(0.3)`; // the page's copy
      const advanced = await advanceRange(postgresRunner(tx), { batchId: batch.batchId, object: 'District', rangeIndex: 0 }, null,
        { cursor: 1, processed: 1, errors: 0, sent: 1 }, true, true);
      expect(advanced).toBe(true);
    });
    const [row] = await db.sql<{ status: string; finished_at: Date }[]>`select status, finished_at from resync.batch_object
      where batch_id = ${batch.batchId} and object = 'District'`;
    expect(row?.status).toBe('completed');
    expect((row?.finished_at.getTime() ?? 0) - (began?.getTime() ?? 0)).toBeGreaterThanOrEqual(300);
  });

  it('plans a range not fresh when the state holds a record of the district for the year', async () => {
    const batch = await recordBatch({ state: db.sql, districtSources: sources }, 'br1', ['District'], false);
    await db.sql`insert into state.district (source_district, id, name, synced_batch) values ('br1', 1, 'Held', 'earlier')`;
    const range = await planSingleRange(db.sql, { batchId: batch.batchId, object: 'District' }, 'br1', 2026);
    expect(range.fresh).toBe(false);
  });

  it('plans a level\'s objects at once, each fresh by what the state holds of it, shown running without a start until its first page', async () => {
    const batch = await recordBatch({ state: db.sql, districtSources: sources }, 'br1', ['District', 'School'], false);
    await db.sql`insert into state.district (source_district, id, name, synced_batch) values ('br1', 2, 'Held', 'earlier') on conflict do nothing`;
    const objects = async () => (await db.sql<{ object: string; status: string; started_at: Date | null }[]>`select object, status, started_at
      from resync.batch_object where batch_id = ${batch.batchId} order by object`).map((row) => `${row.object} ${row.status} ${row.started_at ? 'started' : 'not started'}`);

    const ranges = await planSingleRanges(db.sql, batch.batchId, ['District', 'School'], 'br1', 2026);
    expect([...ranges].map(([object, range]) => `${object} ${range.fresh ? 'fresh' : 'not fresh'} ${range.cursor}`).sort())
      .toEqual(['District not fresh null', 'School fresh null']);
    expect(await objects()).toEqual(['District running not started', 'School running not started']);

    let began: Date | undefined;
    await db.sql.begin(async (tx) => {
      began = (await tx<{ began: Date }[]>`select now() as began`)[0]?.began;
      await tx`select pg_sleep(0.2)`; // the page's copy
      expect(await advanceRange(postgresRunner(tx), { batchId: batch.batchId, object: 'School', rangeIndex: 0 }, null,
        { cursor: 5, processed: 5, errors: 0, sent: 5 })).toBe(true);
    });
    const [school] = await db.sql<{ started_at: Date }[]>`select started_at from resync.batch_object where batch_id = ${batch.batchId} and object = 'School'`;
    expect(school?.started_at.getTime()).toBe(began?.getTime());

    // A retry of the level: the ranges as they stand, statuses left.
    await db.sql`update resync.batch_object set status = 'failed' where batch_id = ${batch.batchId} and object = 'District'`;
    const again = await planSingleRanges(db.sql, batch.batchId, ['District', 'School'], 'br1', 2026);
    expect(again.get('School')).toEqual({ lowExclusive: null, highInclusive: null, cursor: 5, processed: 5, errors: 0, sent: 5, done: false, fresh: true });
    expect(await objects()).toEqual(['District failed not started', 'School running started']);
  });
});
