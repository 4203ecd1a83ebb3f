// The data-plane CLI contract: `seed --json` then `verify --json` on a real database; after a
// parent-first sync of every object with the activities, verify reports everything in sync and
// the excluded records sit in the error log with their reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listErrors } from '../../src/data/sync-errors';
import { DistrictSources } from '../../src/data/district-sources';
import { runCli } from '../setup/cli';
import { createTestDatabase, type TestDatabase } from '../setup/database';
import { recordBatch, syncPlan } from './sync-helpers';

let db: TestDatabase;
let sources: DistrictSources;

beforeAll(async () => {
  db = await createTestDatabase();
  sources = new DistrictSources(db.url);
});

afterAll(async () => {
  await sources?.end();
  await db?.drop();
});

interface Verification { object: string; district: number; state: number; missing: number; extra: number; differing: number; excluded: number; inSync: boolean }

describe('npx resync seed / verify', () => {
  it('seeds, verifies everything missing, syncs, verifies everything in sync', async () => {
    const env = { DATABASE_URL: db.url };
    const seeded = await runCli(['seed', '--district', '1001', '--students', '2000', '--year', '2026', '--json'], env);
    expect(seeded.stderr).toBe('');
    expect(seeded.code).toBe(0);
    const seed = JSON.parse(seeded.stdout) as { records: { object: string; records: number }[]; total: number };
    expect(seed.records.length).toBeGreaterThan(30);
    expect(seed.total).toBeGreaterThan(60_000);

    const before = JSON.parse((await runCli(['verify', '--district', '1001', '--json'], env)).stdout) as { objects: Verification[] };
    expect(before.objects.map((o) => o.object).sort()).toEqual(seed.records.map((r) => r.object).sort());
    for (const object of before.objects) {
      const generated = seed.records.find((r) => r.object === object.object)?.records;
      expect(object).toMatchObject({ district: generated, state: 0, inSync: false });
      expect(object.missing + object.excluded).toBe(generated);
    }

    const batch = await recordBatch({ state: db.sql, districtSources: sources }, '1001', 'all');
    await syncPlan({ state: db.sql, districtSources: sources }, '1001', batch);

    const after = JSON.parse((await runCli(['verify', '--district', '1001', '--json'], env)).stdout) as { objects: Verification[] };
    expect(after.objects.filter((o) => !o.inSync)).toEqual([]);
    const withExclusions = after.objects.filter((o) => o.excluded > 0);
    expect(withExclusions.map((o) => o.object)).toEqual(expect.arrayContaining(['Calendar', 'Enrollment', 'StructureGradeLevel']));
    for (const object of withExclusions) {
      const log = await listErrors(db.sql, batch.batchId, { object: object.object, limit: 1, offset: 0 });
      expect(log.total, object.object).toBeGreaterThanOrEqual(object.excluded);
      expect(log.reasons.map((r) => r.reasonCode)).toEqual(expect.arrayContaining([expect.stringMatching(/not-allowed|parent-missing/)]));
    }
    const enrollment = await listErrors(db.sql, batch.batchId, { object: 'Enrollment', limit: 1, offset: 0 });
    expect(enrollment.errors[0]?.reason).toBe('not allowed to sync: state-excluded enrollment');

    const text = await runCli(['verify', '--district', '1001'], env);
    expect(text.stdout).toMatch(/^object\s+district\s+state\s+missing/);
    const unknown = await runCli(['verify', '--district', 'nope'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/not registered/);
    const badSeed = await runCli(['seed', '--district', 'x y', '--students', '10'], env);
    expect(badSeed.code).toBe(2);
    expect(badSeed.stderr.trim().split('\n')).toHaveLength(1);
  });
});
