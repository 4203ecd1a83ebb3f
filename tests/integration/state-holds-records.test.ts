// Whether the state holds a district's records of an object decides how a range is copied (fresh:
// straight into the table). Asked for every object of every district at year end, it must cost an
// index probe, whatever plan a prepared statement settles on.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/data/db';
import { stateHoldsRecords } from '../../src/data/district-records';
import { createTestDatabase, type TestDatabase } from '../setup/database';

let db: TestDatabase;

describe('stateHoldsRecords', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    // Three other districts' records: statistics say a district holds a third of the table.
    await db.sql`insert into state.district (source_district, id, name, synced_batch)
      select 'other' || (i % 3), i, 'District ' || i, 'b' from generate_series(1, 30000) i`;
    await db.sql`analyze state.district`;
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('answers from the primary key, not by reading the table, under the generic plan a prepared statement keeps', async () => {
    // The plan a pooled connection keeps after a few executions, forced here.
    const generic = postgres(db.url, { max: 1, onnotice: () => {}, connection: { plan_cache_mode: 'force_generic_plan' } });
    try {
      const scans = await generic.begin(async (tx) => {
        const fresh = await stateHoldsRecords(tx as unknown as Queryable, 'newcomer', 'District', 2026);
        const held = await stateHoldsRecords(tx as unknown as Queryable, 'other1', 'District', 2026);
        const [row] = await tx`select seq_scan, idx_scan from pg_stat_xact_user_tables where relid = 'state.district'::regclass`;
        return { fresh, held, seqScans: Number(row?.seq_scan), indexScans: Number(row?.idx_scan) };
      });
      expect(scans).toEqual({ fresh: false, held: true, seqScans: 0, indexScans: 2 });
    } finally {
      await generic.end({ timeout: 5 });
    }
  });
});
