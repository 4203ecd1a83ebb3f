// The worker's connections to a district's database close once the district's batch has ended:
// a state-wide run touches every district of a server once, and pools left open would add up to
// more than the server's max_connections (seen in the bench: "sorry, too many clients already"
// from the 35th of 50 districts, and batches waiting out their retries).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistrictSources } from '../../src/data/district-sources';
import { seedDistrict } from '../../src/generator/seed-district';
import { createTestDatabase, type TestDatabase } from '../setup/database';
import { recordBatch, syncPlan } from './sync-helpers';

const DISTRICT = 'dc1';
let state: TestDatabase;
let district: TestDatabase;
let sources: DistrictSources;

/** The worker's connections (both clients) to a database, by its URL. */
async function connectionsTo(url: string): Promise<number> {
  const [row] = await state.sql`select count(*)::int as n from pg_stat_activity
    where datname = ${new URL(url).pathname.slice(1)} and application_name in ('state-resync-district', 'state-resync-copy')`;
  return Number(row?.n);
}

async function settle(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(await check())) await new Promise((resolve) => setTimeout(resolve, 200));
}

describe('connections to a district database', () => {
  beforeAll(async () => {
    state = await createTestDatabase();
    district = await createTestDatabase({ migrate: false });
    sources = new DistrictSources(district.url, { stateUrl: state.url, idleSeconds: 1 });
    await seedDistrict(state.sql, district.sql, {
      districtId: DISTRICT, students: 20, scopedYear: 2026, state: null, reportingEntity: false, seed: 5, sourceUrl: district.url,
    });
  });

  afterAll(async () => {
    await sources?.end();
    await district?.drop();
    await state?.drop();
  });

  it('check a written record\'s parent by its key on the state\'s writer connections, however few records the parent held when the check was first planned', async () => {
    // The first districts of a year-end run put a few records in each parent table: a foreign-key
    // check planned then scans the table, and a pooled connection kept that plan while the table
    // grew (src/data/copy-pools.ts, STATE_WRITER_SETTINGS).
    await state.sql`create table fk_parent (id int primary key) with (autovacuum_enabled = false)`;
    await state.sql`create table fk_child (id int primary key, parent int not null references fk_parent) with (autovacuum_enabled = false)`;
    await state.sql`insert into fk_parent values (1)`;
    await state.sql`analyze fk_parent`;
    const writer = await sources.copyWriter().connect();
    try {
      // Enough checks on the small table for PostgreSQL to keep one plan for them.
      await writer.query('insert into fk_child select g, 1 from generate_series(1, 10) g');
      await state.sql`insert into fk_parent select g from generate_series(2, 20000) g`;
      const scans = async () => {
        const { rows: [row] } = await writer.query<{ seq_scan: string; idx_scan: string }>(
          "select seq_scan, idx_scan from pg_stat_xact_user_tables where relname = 'fk_parent'");
        return { seq: Number(row?.seq_scan), index: Number(row?.idx_scan) };
      };
      await writer.query('begin');
      const before = await scans();
      await writer.query('insert into fk_child select g, g from generate_series(11, 1010) g');
      const after = await scans();
      await writer.query('commit');
      expect({ seq: after.seq - before.seq, index: after.index - before.index }).toEqual({ seq: 0, index: 1000 });
    } finally {
      writer.release();
      await state.sql`drop table fk_child, fk_parent`;
    }
  });

  it('close once idle after a full resync copied between the databases, on the district side and the state side', async () => {
    const batch = await recordBatch({ state: state.sql, districtSources: sources }, DISTRICT, 'all');
    await syncPlan({ state: state.sql, districtSources: sources }, DISTRICT, batch);
    // In use right after the copy: both clients read the district, COPY wrote to the state.
    expect(await connectionsTo(district.url)).toBeGreaterThan(0);
    expect(await connectionsTo(state.url)).toBeGreaterThan(0);

    await settle(async () => (await connectionsTo(district.url)) + (await connectionsTo(state.url)) === 0, 10_000);
    expect(await connectionsTo(district.url)).toBe(0);
    expect(await connectionsTo(state.url)).toBe(0);
  });
});
