// The warning before a resync whose records will fail for parents missing at the state: which
// parents, about how many records, what to add — from counts on both sides (pure, no database).
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/domain/catalog';
import { missingParentsWarning, type ParentCoverage } from '../../src/domain/missing-parents';
import { planResync } from '../../src/domain/planner';
import type { DistrictProfile } from '../../src/domain/profile';

const PROFILE: DistrictProfile = { state: null, reportingEntity: false, disabledObjects: [], yearSync: { previous: [], next: [] } };
const partial = (objects: string[], checkDependencies = false) => planResync({ objects, checkDependencies, year: 'current' }, PROFILE);

function coverage(entries: (Partial<ParentCoverage> & { object: string; districtRecords: number })[]): Map<string, ParentCoverage> {
  return new Map(entries.map((entry) => [entry.object, { stateRecords: 0, notAllowed: 0, lastResync: null, ...entry }]));
}

/** Every ancestor of TestScore, complete at the state. */
const complete = (overrides: Record<string, Partial<ParentCoverage>> = {}) => coverage(
  ['District', 'School', 'Calendar', 'ScheduleStructure', 'PersonIdentity', 'Test'].map((object) => ({
    object, districtRecords: 100, stateRecords: 100, ...overrides[object],
  })));

describe('missingParentsWarning', () => {
  it('says nothing when every parent is at the state, or the plan holds them all', () => {
    expect(missingParentsWarning(partial(['TestScore']), CATALOG, { TestScore: 300 }, complete())).toBeNull();
    expect(missingParentsWarning(partial(['TestScore'], true), CATALOG, { TestScore: 300 }, new Map())).toBeNull();
  });

  it('a district the state holds nothing of: every record fails, and every ancestor is to be added, parents first', () => {
    const none = complete(Object.fromEntries(['District', 'School', 'Calendar', 'ScheduleStructure', 'PersonIdentity', 'Test'].map((o) => [o, { stateRecords: 0 }])));
    const warning = missingParentsWarning(partial(['TestScore']), CATALOG, { TestScore: 2890 }, none);
    expect(warning?.failing).toBe(2890);
    expect(warning?.objects).toEqual([{ object: 'TestScore', records: 2890, failing: 2890, missingParents: ['PersonIdentity', 'Test'] }]);
    expect(warning?.add).toEqual(['District', 'School', 'Calendar', 'ScheduleStructure', 'PersonIdentity', 'Test']);
    expect(warning?.parents.find((p) => p.object === 'Test')).toMatchObject({ shortfall: 100, neededBy: ['TestScore'] });
    // A parent only other missing parents need says which.
    expect(warning?.parents.find((p) => p.object === 'Calendar')?.neededBy).toEqual(['ScheduleStructure']);
    expect(warning?.parents.find((p) => p.object === 'PersonIdentity')?.neededBy).toEqual(['TestScore', 'Test']);
  });

  it('a parent short of some records: that share of the records pointing at it, and only that parent to add', () => {
    const warning = missingParentsWarning(partial(['TestScore']), CATALOG, { TestScore: 1000 }, complete({ Test: { stateRecords: 90 } }));
    expect(warning?.objects).toEqual([{ object: 'TestScore', records: 1000, failing: 100, missingParents: ['Test'] }]);
    expect(warning?.add).toEqual(['Test']);
    // Two parents short: a record fails if either is missing (independent shares).
    const both = missingParentsWarning(partial(['TestScore']), CATALOG, { TestScore: 1000 },
      complete({ Test: { stateRecords: 90 }, PersonIdentity: { stateRecords: 80 } }));
    expect(both?.objects[0]?.failing).toBe(Math.round(1000 * (1 - 0.9 * 0.8)));
    expect(both?.add).toEqual(['PersonIdentity', 'Test']);
  });

  it('records the state may not receive are not missing: a fully resynced parent with exclusions warns of nothing', () => {
    const enrollment = coverage([{ object: 'Enrollment', districtRecords: 200, stateRecords: 190, notAllowed: 10 }]);
    const plan = partial(['AttendanceExactCount']);
    const others = ['District', 'School', 'Calendar', 'ScheduleStructure', 'PersonIdentity'].map((object) => ({ object, districtRecords: 50, stateRecords: 50 }));
    expect(missingParentsWarning(plan, CATALOG, { AttendanceExactCount: 1600 }, new Map([...enrollment, ...coverage(others)]))).toBeNull();
  });

  it('a planned parent that fails carries its failures to its children', () => {
    const noPersons = complete({ PersonIdentity: { stateRecords: 0 } });
    const warning = missingParentsWarning(partial(['Test', 'TestScore']), CATALOG, { Test: 100, TestScore: 300 }, noPersons);
    expect(warning?.objects).toEqual([
      { object: 'Test', records: 100, failing: 100, missingParents: ['PersonIdentity'] },
      { object: 'TestScore', records: 300, failing: 300, missingParents: ['PersonIdentity', 'Test'] },
    ]);
    expect(warning?.add).toEqual(['PersonIdentity']);
  });

  it('a parent this plan cannot include is named but not offered to add', () => {
    const warning = missingParentsWarning(partial(['TestScore']), CATALOG, { TestScore: 10 },
      complete({ PersonIdentity: { stateRecords: 0, notOfferedBecause: 'not tied to a school year: resynced only with the current year' } }));
    expect(warning?.parents.map((p) => p.object)).toEqual(['PersonIdentity']);
    expect(warning?.add).toEqual([]);
    expect(warning?.message).toContain('cannot be added here: not tied to a school year');
  });
});
