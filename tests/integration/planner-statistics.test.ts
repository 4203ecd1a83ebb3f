// The state's planner statistics on real PostgreSQL: refreshed after a copy only when stale — a
// table never analyzed (or truncated since), or one whose records at least doubled — so a
// year-end run of every district does not re-analyze a large state table once per district.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshStatisticsIfStale } from '../../src/data/planner-statistics';
import { createTestDatabase, type TestDatabase } from '../setup/database';

let db: TestDatabase;

const reltuples = async () => Number((await db.sql`select reltuples from pg_class where oid = 'stats_probe.t'::regclass`)[0]?.reltuples);
const insert = (from: number, to: number) => db.sql`insert into stats_probe.t select generate_series(${from}::int, ${to}::int)`;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  await db.sql`create schema stats_probe`;
  await db.sql`create table stats_probe.t (id int primary key)`;
});

afterAll(async () => {
  await db?.drop();
});

describe('refreshing the planner statistics of a state table', () => {
  it('analyzes a table never analyzed, then only once the records written at least match what it counted', async () => {
    await insert(1, 1000);
    expect(await reltuples()).toBe(-1);
    expect(await refreshStatisticsIfStale(db.sql, 'stats_probe', 't', 1000)).toBe(true);
    expect(await reltuples()).toBe(1000);

    await insert(1001, 1999);
    expect(await refreshStatisticsIfStale(db.sql, 'stats_probe', 't', 999)).toBe(false);
    expect(await reltuples()).toBe(1000);

    await insert(2000, 3000);
    expect(await refreshStatisticsIfStale(db.sql, 'stats_probe', 't', 1001)).toBe(true);
    expect(await reltuples()).toBe(3000);
  });

  it('analyzes again after a truncate, and ignores a table that does not exist', async () => {
    await db.sql`truncate stats_probe.t`;
    await insert(1, 10);
    expect(await refreshStatisticsIfStale(db.sql, 'stats_probe', 't', 10)).toBe(true);
    expect(await reltuples()).toBe(10);
    expect(await refreshStatisticsIfStale(db.sql, 'stats_probe', 'missing', 10)).toBe(false);
  });
});
