// The district registry on real PostgreSQL: a scoped-year switch is one conditional statement, so
// concurrent switches apply exactly once, and a stale one can neither repeat nor undo a switch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDistrict, registerDistrict, switchScopedYear } from '../../src/data/district-registry';
import { ScopedYearChangedError, UnknownDistrictError } from '../../src/domain';
import { createTestDatabase, type TestDatabase } from '../setup/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await registerDistrict(db.sql, { districtId: '7001', name: 'Switching', state: null, reportingEntity: false, scopedYear: 2026 });
});

afterAll(async () => {
  await db?.drop();
});

describe('switching the scoped year', () => {
  it('applies concurrent identical switches exactly once', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => switchScopedYear(db.sql, '7001', 2026, 2027)));
    expect(results.filter((result) => result === 'switched')).toHaveLength(1);
    expect(results.filter((result) => result === 'already switched')).toHaveLength(11);
    expect((await getDistrict(db.sql, '7001')).scopedYear).toBe(2027);
  });

  it('never lets a stale switch (2026 → 2027) undo a later one (2027 → 2028) that races it', async () => {
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 6 }, () => switchScopedYear(db.sql, '7001', 2027, 2028)),
      ...Array.from({ length: 6 }, () => switchScopedYear(db.sql, '7001', 2026, 2027)),
    ]);
    const forward = outcomes.slice(0, 6).map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'rejected'));
    expect(forward.filter((value) => value === 'switched')).toHaveLength(1);
    expect(forward.filter((value) => value === 'already switched')).toHaveLength(5);
    for (const stale of outcomes.slice(6)) {
      // Before the forward switch committed it finds 2027 in place; after, it is refused.
      if (stale.status === 'fulfilled') expect(stale.value).toBe('already switched');
      else expect(stale.reason).toBeInstanceOf(ScopedYearChangedError);
    }
    expect((await getDistrict(db.sql, '7001')).scopedYear).toBe(2028);
    await expect(switchScopedYear(db.sql, '7001', 2026, 2027)).rejects.toThrow('district 7001 is scoped to 2028, not 2026');
    await expect(switchScopedYear(db.sql, 'nope', 2026, 2027)).rejects.toBeInstanceOf(UnknownDistrictError);
  });
});
