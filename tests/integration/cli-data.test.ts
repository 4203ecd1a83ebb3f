// The data-plane CLI contract: `seed --json` then `verify --json` on a real database; after a
// parent-first sync of every object with the activities, verify reports everything in sync (exit
// 0; out of sync before: exit 6) and the excluded records sit in the error log with their reason.
// Years the district does not offer, or holds no data for, are refused (exit 2), never "in sync".
// `seed` puts the district in its own database (district_<id>) unless RESYNC_TOPOLOGY=colocated.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listErrors } from '../../src/data/sync-errors';
import { DistrictSources } from '../../src/data/district-sources';
import { EXIT } from '../../src/cli/exit-codes';
import { runCli } from '../setup/cli';
import { createTestDatabase, type TestDatabase } from '../setup/database';
import { recordBatch, syncPlan } from './sync-helpers';

let db: TestDatabase;
let sources: DistrictSources;
// A district id of its own: `seed` creates the database district_<id> on the test server.
const DISTRICT = `c${randomBytes(3).toString('hex')}`;
const COLOCATED = `${DISTRICT}_co`;

beforeAll(async () => {
  db = await createTestDatabase();
  sources = new DistrictSources(db.url, { stateUrl: db.url });
});

afterAll(async () => {
  await sources?.end();
  await db?.sql.unsafe(`drop database if exists "district_${DISTRICT}" with (force)`);
  await db?.drop();
});

interface Verification { object: string; district: number; state: number; missing: number; extra: number; differing: number; excluded: number; inSync: boolean }

describe('npx resync seed / verify', () => {
  it('seeds, verifies everything missing, syncs, verifies everything in sync', async () => {
    const env = { DATABASE_URL: db.url };
    const seeded = await runCli(['seed', '--district', DISTRICT, '--students', '2000', '--year', '2026-27', '--json'], env);
    expect(seeded.stderr).toBe('');
    expect(seeded.code).toBe(0);
    const seed = JSON.parse(seeded.stdout) as { database: string; records: { object: string; records: number }[]; total: number };
    // In its own database, registered by a URL that carries no password.
    expect(seed.database).toBe(`district_${DISTRICT}`);
    const [registered] = await db.sql<{ source_url: string }[]>`select source_url from resync.district where district_id = ${DISTRICT}`;
    const registeredUrl = new URL(registered?.source_url ?? '');
    expect({ database: registeredUrl.pathname, password: registeredUrl.password }).toEqual({ database: `/district_${DISTRICT}`, password: '' });
    const [inState] = await db.sql`select count(*)::int as n from information_schema.schemata where schema_name = ${`district_${DISTRICT}`}`;
    expect(inState?.n).toBe(0);
    expect(seed.records.length).toBeGreaterThan(30);
    expect(seed.total).toBeGreaterThan(60_000);

    const verifiedBefore = await runCli(['verify', '--district', DISTRICT, '--json'], env);
    expect(verifiedBefore.code).toBe(EXIT.OUT_OF_SYNC);
    const before = JSON.parse(verifiedBefore.stdout) as { schoolYear: number; objects: Verification[] };
    expect(before.schoolYear).toBe(2026);
    expect(before.objects.map((o) => o.object).sort()).toEqual(seed.records.map((r) => r.object).sort());
    for (const object of before.objects) {
      const generated = seed.records.find((r) => r.object === object.object)?.records;
      expect(object).toMatchObject({ district: generated, state: 0, inSync: false });
      expect(object.missing + object.excluded).toBe(generated);
    }

    const batch = await recordBatch({ state: db.sql, districtSources: sources }, DISTRICT, 'all');
    await syncPlan({ state: db.sql, districtSources: sources }, DISTRICT, batch);

    const verifiedAfter = await runCli(['verify', '--district', DISTRICT, '--json'], env);
    expect(verifiedAfter.code).toBe(EXIT.OK);
    const after = JSON.parse(verifiedAfter.stdout) as { objects: Verification[] };
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

    const text = await runCli(['verify', '--district', DISTRICT], env);
    expect(text.code).toBe(EXIT.OK);
    expect(text.stdout).toMatch(/^object\s+district\s+state\s+missing/);
    // The explicit school year names the same (scoped) year.
    const labelled = await runCli(['verify', '--district', DISTRICT, '--year', '2026-27', '--objects', 'School,Enrollment', '--json'], env);
    expect(labelled.code).toBe(EXIT.OK);
    expect(JSON.parse(labelled.stdout)).toMatchObject({ district: DISTRICT, schoolYear: 2026, objects: [{ object: 'Enrollment', inSync: true }, { object: 'School', inSync: true }] });
    const unknown = await runCli(['verify', '--district', 'nope'], env);
    expect(unknown.code).toBe(EXIT.USAGE);
    expect(unknown.stderr).toBe('resync verify: district "nope" is not registered (seed it with npx resync seed)\n');
    const badSeed = await runCli(['seed', '--district', 'x y', '--students', '10'], env);
    expect(badSeed.code).toBe(EXIT.USAGE);
    expect(badSeed.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses school years the district does not offer or holds no data for, naming the scoped year', async () => {
    const env = { DATABASE_URL: db.url };
    // The district (scoped 2026-27) syncs the previous year, but only 2026-27 was generated.
    for (const year of ['previous', '2025-26']) {
      for (const extra of [[], ['--resync']]) {
        const empty = await runCli(['verify', '--district', DISTRICT, '--year', year, ...extra], env);
        expect(empty.code, `${year} ${extra.join(' ')}`).toBe(EXIT.USAGE);
        expect(empty.stdout).toBe('');
        expect(empty.stderr).toBe(`resync verify: district ${DISTRICT}, 2025-26 (previous year): neither the district nor the state holds any record for this school year; nothing to verify\n`);
      }
    }
    const far = await runCli(['verify', '--district', DISTRICT, '--year', '2024-25'], env);
    expect(far.code).toBe(EXIT.USAGE);
    expect(far.stderr).toBe('resync verify: 2024-25 is not a school year this district can work on: its scoped year is 2026-27, so the choices are 2025-26 (previous), 2026-27 (current) and 2027-28 (next)\n');

    // A district that syncs no previous year at all.
    const [saved] = await db.sql<{ year_sync_previous: string[] }[]>`select year_sync_previous from resync.district where district_id = ${DISTRICT}`;
    await db.sql`update resync.district set year_sync_previous = '{}' where district_id = ${DISTRICT}`;
    try {
      const notOffered = await runCli(['verify', '--district', DISTRICT, '--year', 'previous'], env);
      expect(notOffered.code).toBe(EXIT.USAGE);
      expect(notOffered.stderr).toBe(`resync verify: district ${DISTRICT} (scoped year 2026-27) is not configured to sync the previous school year, 2025-26\n`);
    } finally {
      await db.sql`update resync.district set year_sync_previous = ${saved?.year_sync_previous ?? []} where district_id = ${DISTRICT}`;
    }
  });

  it('with RESYNC_TOPOLOGY=colocated, seeds the district beside the state\'s data', async () => {
    const seeded = await runCli(['seed', '--district', COLOCATED, '--students', '20', '--year', '2026-27', '--json'], { DATABASE_URL: db.url, RESYNC_TOPOLOGY: 'colocated' });
    expect(seeded.code).toBe(0);
    expect((JSON.parse(seeded.stdout) as { database: string }).database).toBe(new URL(db.url).pathname.slice(1));
    const [registered] = await db.sql`select source_url from resync.district where district_id = ${COLOCATED}`;
    expect(registered?.source_url).toBeNull();
    const verified = await runCli(['verify', '--district', COLOCATED, '--objects', 'School', '--json'], { DATABASE_URL: db.url });
    expect(JSON.parse(verified.stdout)).toMatchObject({ objects: [{ object: 'School', district: 4, state: 0, missing: 4 }] });
  });
});
