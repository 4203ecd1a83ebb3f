// The resync planner (DESIGN §2.2–§2.5): examples, then properties over random districts and selections.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOG, catalogFor, type Region } from '../../src/domain/catalog';
import { InvalidPlanRequestError, planResync, plannedObjects, type Plan, type PlanRequest } from '../../src/domain/planner';
import type { DistrictProfile, SchoolYearChoice } from '../../src/domain/profile';

const ALL_NAMES = CATALOG.names;
const YEAR_TIED = CATALOG.objects.filter((o) => o.yearTied).map((o) => o.name);
const REGION_OBJECTS = (region: Region) => CATALOG.objects.filter((o) => o.region === region).map((o) => o.name);

function profile(overrides: Partial<DistrictProfile> = {}): DistrictProfile {
  return { state: null, reportingEntity: false, disabledObjects: [], yearSync: { previous: [], next: [] }, ...overrides };
}

function partial(objects: string[], checkDependencies: boolean, year: SchoolYearChoice = 'current'): PlanRequest {
  return { objects, checkDependencies, year };
}

const FULL: PlanRequest = { objects: 'all', checkDependencies: false, year: 'current' };

function reasonOf(plan: Plan, object: string): string | undefined {
  return plan.excluded.find((e) => e.object === object)?.reason;
}

function invalidRequest(run: () => unknown): InvalidPlanRequestError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPlanRequestError);
    return error as InvalidPlanRequestError;
  }
  throw new Error('expected an InvalidPlanRequestError');
}

describe('planResync: partial resyncs', () => {
  it('TestScore with Check Dependencies plans its ancestors first, one per level', () => {
    const plan = planResync(partial(['TestScore'], true), profile());
    expect(plan.kind).toBe('partial');
    expect(plan.levels).toEqual([['District'], ['School'], ['Calendar'], ['ScheduleStructure'], ['PersonIdentity'], ['Test'], ['TestScore']]);
    expect(plan.excluded).toEqual([]);
    expect(plan.addedByCheckDependencies).toEqual(['Calendar', 'District', 'PersonIdentity', 'ScheduleStructure', 'School', 'Test']);
  });

  it('TestScore without Check Dependencies plans only TestScore', () => {
    const plan = planResync(partial(['TestScore'], false), profile());
    expect(plan.levels).toEqual([['TestScore']]);
    expect(plan.excluded).toEqual([]);
    expect(plan.addedByCheckDependencies).toEqual([]);
  });

  it('without Check Dependencies the selection still runs parent-first among itself', () => {
    const plan = planResync(partial(['TestScore', 'District', 'Test'], false), profile());
    expect(plan.levels).toEqual([['District'], ['Test'], ['TestScore']]);
  });

  it('independent objects share a level', () => {
    const plan = planResync(partial(['Roster', 'Behavior', 'StructureGradeLevel', 'Enrollment'], false), profile());
    expect(plan.levels).toEqual([['Behavior', 'Enrollment', 'StructureGradeLevel'], ['Roster']]);
  });

  it('Roster with Check Dependencies waits for StructureGradeLevel', () => {
    const plan = planResync(partial(['Roster'], true), profile());
    const level = (name: string) => plan.levels.findIndex((l) => l.includes(name));
    expect(level('StructureGradeLevel')).toBeGreaterThanOrEqual(0);
    expect(level('Roster')).toBeGreaterThan(level('StructureGradeLevel'));
    expect(level('Roster')).toBeGreaterThan(level('Enrollment'));
  });

  it('names are case- and space-insensitive and come back canonical', () => {
    const plan = planResync(partial(['testscore', 'LEPKY', 'health screening'], false), profile({ state: 'KY' }));
    expect(plannedObjects(plan).sort()).toEqual(['HealthScreening', 'LepKY', 'TestScore']);
  });

  it('duplicates collapse', () => {
    const plan = planResync(partial(['TestScore', 'testscore', 'TESTSCORE', 'Test', 'Test'], false), profile());
    expect(plan.levels).toEqual([['Test'], ['TestScore']]);
  });

  it('unknown names are rejected, all of them, with suggestions', () => {
    const error = invalidRequest(() => planResync(partial(['Enrolment', 'TestScore', 'Zzqxv', 'Enrolment'], true), profile()));
    expect(error.message).toContain('Enrolment');
    expect(error.message).toContain('did you mean Enrollment');
    expect(error.message).toContain('Zzqxv');
    expect(error.unknownObjects).toEqual([{ name: 'Enrolment', suggestion: 'Enrollment' }, { name: 'Zzqxv' }]);
  });

  it('suggests the closest name for near misses', () => {
    const suggestion = (name: string) => invalidRequest(() => planResync(partial([name], false), profile())).unknownObjects[0]?.suggestion;
    expect(suggestion('Enrolment')).toBe('Enrollment');
    expect(suggestion('Calender')).toBe('Calendar');
    expect(suggestion('TestScores')).toBe('TestScore');
    expect(suggestion('Evaluation')).not.toBe('Evaluation');
  });

  it('an empty selection is an error', () => {
    const error = invalidRequest(() => planResync(partial([], true), profile()));
    expect(error.message).toMatch(/select at least one object/);
  });

  it('a selected object that does not apply is excluded with its reason, not planned', () => {
    const plan = planResync(partial(['LepKY', 'Behavior'], false), profile());
    expect(plan.levels).toEqual([['Behavior']]);
    expect(plan.excluded).toEqual([{ object: 'LepKY', reason: 'applies only to Kentucky (KY) districts' }]);
  });
});

describe('planResync: full resyncs and applicability', () => {
  it('a generic profile plans every common object and excludes the KY/SD/ME/BIE objects and ReportingEntity, with reasons', () => {
    const plan = planResync(FULL, profile());
    expect(plan.kind).toBe('full');
    const regional = CATALOG.objects.filter((o) => o.region !== undefined).map((o) => o.name);
    expect(plannedObjects(plan).sort()).toEqual(ALL_NAMES.filter((n) => !regional.includes(n) && n !== 'ReportingEntity').sort());
    expect(plan.excluded.map((e) => e.object).sort()).toEqual([...regional, 'ReportingEntity'].sort());
    expect(reasonOf(plan, 'LepKY')).toBe('applies only to Kentucky (KY) districts');
    expect(reasonOf(plan, 'AttendanceSDMinute')).toBe('applies only to South Dakota (SD) districts');
    expect(reasonOf(plan, 'CTEDataME')).toBe('applies only to Maine (ME) districts');
    expect(reasonOf(plan, 'NASIS')).toBe('applies only to Bureau of Indian Education (BIE) districts');
    expect(reasonOf(plan, 'ISEPResidentialCertification')).toBe('applies only to Bureau of Indian Education (BIE) districts');
    expect(reasonOf(plan, 'ReportingEntity')).toBe('the district does not use the reporting-entity layer');
    expect(plan.levels[0]).toEqual(['CourseCode', 'District']);
  });

  it('a Kentucky district gets the KY objects and no other region\'s', () => {
    const plan = planResync(FULL, profile({ state: 'KY' }));
    const planned = plannedObjects(plan);
    for (const name of REGION_OBJECTS('KY')) expect(planned).toContain(name);
    for (const region of ['SD', 'ME', 'BIE'] as const) for (const name of REGION_OBJECTS(region)) expect(planned).not.toContain(name);
    expect(REGION_OBJECTS('KY')).toContain('LepKY');
  });

  it('state codes match in any case', () => {
    expect(plannedObjects(planResync(FULL, profile({ state: 'ky' })))).toContain('LepKY');
    expect(plannedObjects(planResync(FULL, profile({ state: 'bie' })))).toContain('NASIS');
  });

  it('Montana never gets ReportingEntity, even when the district says it uses the layer', () => {
    for (const state of ['MT', 'mt']) {
      const plan = planResync(FULL, profile({ state, reportingEntity: true }));
      expect(plannedObjects(plan)).not.toContain('ReportingEntity');
      expect(reasonOf(plan, 'ReportingEntity')).toBe('ReportingEntity is no longer available for Montana districts (Release Pack .1501)');
      // School hangs off District directly again.
      expect(plan.levels.findIndex((l) => l.includes('School'))).toBe(1);
    }
  });

  it('a district using the reporting entity gets ReportingEntity between District and School', () => {
    const plan = planResync(FULL, profile({ reportingEntity: true }));
    const level = (name: string) => plan.levels.findIndex((l) => l.includes(name));
    expect(level('District')).toBe(0);
    expect(level('ReportingEntity')).toBe(1);
    expect(level('School')).toBe(2);
    expect(reasonOf(plan, 'ReportingEntity')).toBeUndefined();
  });

  it('Check Dependencies adds ReportingEntity above School when the layer is used', () => {
    const plan = planResync(partial(['Calendar'], true), profile({ reportingEntity: true }));
    expect(plan.levels).toEqual([['District'], ['ReportingEntity'], ['School'], ['Calendar']]);
  });

  it('disabled objects are excluded, in any case, with the configuration reason', () => {
    const plan = planResync(FULL, profile({ disabledObjects: ['transportation', 'Behavior'] }));
    expect(plannedObjects(plan)).not.toContain('Transportation');
    expect(plannedObjects(plan)).not.toContain('Behavior');
    expect(reasonOf(plan, 'Transportation')).toBe('switched off in this district\'s configuration');
    const partialPlan = planResync(partial(['Behavior'], true), profile({ disabledObjects: ['Behavior'] }));
    expect(plannedObjects(partialPlan)).not.toContain('Behavior');
    expect(reasonOf(partialPlan, 'Behavior')).toBe('switched off in this district\'s configuration');
  });
});

describe('planResync: switching objects off', () => {
  it('a district that uses the layer but switches ReportingEntity off does not sync it', () => {
    const plan = planResync(FULL, profile({ reportingEntity: true, disabledObjects: ['ReportingEntity'] }));
    expect(plannedObjects(plan)).not.toContain('ReportingEntity');
    expect(reasonOf(plan, 'ReportingEntity')).toBe('switched off in this district\'s configuration');
  });
});

describe('planResync: previous and next school years', () => {
  const configured = profile({ yearSync: { previous: ['Enrollment', 'Roster', 'Calendar'], next: [] } });

  it('a previous-year full resync plans only year-tied objects configured for that year', () => {
    const plan = planResync({ objects: 'all', checkDependencies: false, year: 'previous' }, configured);
    expect(plan.levels).toEqual([['Calendar'], ['Enrollment'], ['Roster']]);
    expect(reasonOf(plan, 'District')).toBe('not tied to a school year: resynced only with the current year');
    expect(reasonOf(plan, 'PersonIdentity')).toBe('not tied to a school year: resynced only with the current year');
    expect(reasonOf(plan, 'ScheduleStructure')).toBe('not configured to sync for the previous school year');
    expect(reasonOf(plan, 'Behavior')).toBe('not configured to sync for the previous school year');
    expect(plan.excluded).toHaveLength(ALL_NAMES.length - 3);
  });

  it('configuring an object that is not tied to a year does not make it sync for that year', () => {
    const plan = planResync({ objects: 'all', checkDependencies: false, year: 'next' },
      profile({ yearSync: { previous: [], next: ['District', 'Enrollment'] } }));
    expect(plan.levels).toEqual([['Enrollment']]);
    expect(reasonOf(plan, 'District')).toBe('not tied to a school year: resynced only with the current year');
  });

  it('applicability still applies to a configured year-tied object', () => {
    const plan = planResync({ objects: 'all', checkDependencies: false, year: 'previous' },
      profile({ yearSync: { previous: ['LepKY', 'Title1KY', 'Enrollment'], next: [] } }));
    expect(plan.levels).toEqual([['Enrollment']]);
    expect(reasonOf(plan, 'Title1KY')).toBe('applies only to Kentucky (KY) districts');
  });

  it('Check Dependencies for a previous year excludes ancestors that do not sync for it', () => {
    const plan = planResync(partial(['Roster'], true, 'previous'), configured);
    expect(plan.levels).toEqual([['Calendar'], ['Enrollment'], ['Roster']]);
    expect(reasonOf(plan, 'School')).toBe('not tied to a school year: resynced only with the current year');
    expect(reasonOf(plan, 'StructureGradeLevel')).toBe('not configured to sync for the previous school year');
  });

  it('a year the district does not sync is refused', () => {
    const error = invalidRequest(() => planResync({ objects: 'all', checkDependencies: false, year: 'next' }, configured));
    expect(error.message).toMatch(/not configured to sync the next school year/);
    invalidRequest(() => planResync(partial(['Enrollment'], true, 'next'), configured));
  });

  it('the current year ignores the previous/next configuration', () => {
    expect(plannedObjects(planResync(FULL, configured))).toEqual(plannedObjects(planResync(FULL, profile())));
  });
});

// ---- properties -------------------------------------------------------------------------------

const STATES = [null, 'KY', 'SD', 'ME', 'BIE', 'MT', 'CA', 'ky', 'mt'] as const;

const profileArb: fc.Arbitrary<DistrictProfile> = fc.record({
  state: fc.constantFrom(...STATES),
  reportingEntity: fc.boolean(),
  disabledObjects: fc.subarray([...ALL_NAMES], { maxLength: 6 }),
  yearSync: fc.record({
    // Mostly year-tied objects, sometimes one that is not tied to a year.
    previous: fc.subarray([...ALL_NAMES], { maxLength: 25 }),
    next: fc.subarray([...YEAR_TIED], { maxLength: 25 }),
  }),
});

/** Selected names, as users type them: any case, sometimes twice. */
const selectionArb: fc.Arbitrary<string[]> = fc
  .array(fc.tuple(fc.constantFrom(...ALL_NAMES), fc.constantFrom('as-is', 'upper', 'lower')), { minLength: 1, maxLength: 12 })
  .map((picks) => picks.map(([name, spelling]) => (spelling === 'upper' ? name.toUpperCase() : spelling === 'lower' ? name.toLowerCase() : name)));

const yearArb = fc.constantFrom<SchoolYearChoice>('current', 'current', 'previous', 'next');

const requestArb: fc.Arbitrary<PlanRequest> = fc.record({
  objects: fc.oneof({ weight: 1, arbitrary: fc.constant('all' as const) }, { weight: 4, arbitrary: selectionArb }),
  checkDependencies: fc.boolean(),
  year: yearArb,
});

const RUNS = { numRuns: 300 };

/** Plans, or undefined when the request is for a year the district does not sync, i.e. a year in
 *  which no object is offered (that must throw). */
function tryPlan(request: PlanRequest, district: DistrictProfile): Plan | undefined {
  if (request.year !== 'current' && !CATALOG.names.some((name) => applies(name, district, request.year))) {
    expect(() => planResync(request, district)).toThrow(InvalidPlanRequestError);
    return undefined;
  }
  return planResync(request, district);
}

function canonical(names: readonly string[]): Set<string> {
  return new Set(names.map((name) => CATALOG.get(name).name));
}

/** Independent statement of §2.4/§2.5: is the object offered to this district for this year? */
function applies(name: string, district: DistrictProfile, year: SchoolYearChoice): boolean {
  const object = CATALOG.get(name);
  const state = district.state?.toUpperCase() ?? null;
  if (name === 'ReportingEntity' && (!district.reportingEntity || state === 'MT')) return false;
  if (object.region !== undefined && object.region !== state) return false;
  if (district.disabledObjects.some((d) => d.toLowerCase() === name.toLowerCase())) return false;
  if (year === 'current') return true;
  return object.yearTied && district.yearSync[year].some((d) => d.toLowerCase() === name.toLowerCase());
}

function usesLayer(district: DistrictProfile): boolean {
  return district.reportingEntity && district.state?.toUpperCase() !== 'MT';
}

describe('planResync: properties', () => {
  it('every planned object comes after all of its planned parents', () => {
    fc.assert(fc.property(requestArb, profileArb, (request, district) => {
      const plan = tryPlan(request, district);
      if (!plan) return;
      const catalog = catalogFor({ reportingEntity: usesLayer(district) });
      const levelOf = new Map(plan.levels.flatMap((level, i) => level.map((name) => [name, i] as const)));
      for (const [name, level] of levelOf) {
        for (const parent of catalog.get(name).parents) {
          const parentLevel = levelOf.get(parent);
          if (parentLevel !== undefined) expect(level, `${name} after ${parent}`).toBeGreaterThan(parentLevel);
        }
      }
    }), RUNS);
  });

  it('objects within a level are independent of each other', () => {
    fc.assert(fc.property(requestArb, profileArb, (request, district) => {
      const plan = tryPlan(request, district);
      if (!plan) return;
      const catalog = catalogFor({ reportingEntity: usesLayer(district) });
      for (const level of plan.levels) {
        for (const a of level) for (const b of level) expect(catalog.get(a).parents, `${a} / ${b}`).not.toContain(b);
      }
    }), RUNS);
  });

  it('each object is planned at most once, and is never both planned and excluded', () => {
    fc.assert(fc.property(requestArb, profileArb, (request, district) => {
      const plan = tryPlan(request, district);
      if (!plan) return;
      const planned = plannedObjects(plan);
      const excluded = plan.excluded.map((e) => e.object);
      expect(new Set(planned).size).toBe(planned.length);
      expect(new Set(excluded).size).toBe(excluded.length);
      for (const name of excluded) expect(planned).not.toContain(name);
      for (const { reason } of plan.excluded) expect(reason.length).toBeGreaterThan(0);
    }), RUNS);
  });

  it('with Check Dependencies, planned ∪ excluded holds the selection and is closed under ancestors', () => {
    fc.assert(fc.property(selectionArb, profileArb, yearArb, (selection, district, year) => {
      const plan = tryPlan({ objects: selection, checkDependencies: true, year }, district);
      if (!plan) return;
      const catalog = catalogFor({ reportingEntity: usesLayer(district) });
      const covered = new Set([...plannedObjects(plan), ...plan.excluded.map((e) => e.object)]);
      for (const name of canonical(selection)) expect(covered).toContain(name);
      for (const name of plannedObjects(plan)) {
        for (const ancestor of catalog.get(name).parents) expect(covered, `${name} needs ${ancestor}`).toContain(ancestor);
      }
      // Nothing beyond the selection and its ancestors.
      const wanted = new Set([...canonical(selection)].flatMap((name) => [name, ...catalog.get(name).parents]));
      expect([...covered].sort()).toEqual([...wanted].sort());
      // An ancestor is planned exactly when it applies.
      for (const name of wanted) expect(plannedObjects(plan).includes(name), name).toBe(applies(name, district, year));
    }), RUNS);
  });

  it('without Check Dependencies, planned ∪ excluded is exactly the selection', () => {
    fc.assert(fc.property(selectionArb, profileArb, yearArb, (selection, district, year) => {
      const plan = tryPlan({ objects: selection, checkDependencies: false, year }, district);
      if (!plan) return;
      const covered = [...plannedObjects(plan), ...plan.excluded.map((e) => e.object)];
      expect(covered.sort()).toEqual([...canonical(selection)].sort());
      expect(plan.addedByCheckDependencies).toEqual([]);
      for (const name of plannedObjects(plan)) expect(applies(name, district, year), name).toBe(true);
    }), RUNS);
  });

  it('a full resync plans exactly the applicable objects and excludes the rest', () => {
    fc.assert(fc.property(profileArb, yearArb, (district, year) => {
      const plan = tryPlan({ objects: 'all', checkDependencies: false, year }, district);
      if (!plan) return;
      expect(plan.kind).toBe('full');
      const expected = ALL_NAMES.filter((name) => applies(name, district, year));
      expect([...plannedObjects(plan)].sort()).toEqual([...expected].sort());
      expect(plan.excluded.map((e) => e.object).sort()).toEqual(ALL_NAMES.filter((n) => !expected.includes(n)).sort());
    }), RUNS);
  });

  it('levels are non-empty, and the plan is deterministic and independent of selection order', () => {
    fc.assert(fc.property(requestArb, profileArb, fc.integer(), (request, district, shuffleSeed) => {
      const plan = tryPlan(request, district);
      if (!plan) return;
      for (const level of plan.levels) expect(level.length).toBeGreaterThan(0);
      expect(planResync(request, district)).toEqual(plan);
      if (request.objects !== 'all') {
        const reordered = [...request.objects].sort((a, b) => ((a.length * 31 + shuffleSeed) % 7) - ((b.length * 31 + shuffleSeed) % 7) || a.localeCompare(b));
        expect(planResync({ ...request, objects: reordered }, district)).toEqual(plan);
      }
    }), RUNS);
  });

  it('levels are as shallow as possible: each object after level 0 has a planned parent one level up', () => {
    fc.assert(fc.property(requestArb, profileArb, (request, district) => {
      const plan = tryPlan(request, district);
      if (!plan) return;
      const catalog = catalogFor({ reportingEntity: usesLayer(district) });
      plan.levels.forEach((level, i) => {
        if (i === 0) return;
        const previous = plan.levels[i - 1] ?? [];
        for (const name of level) expect(catalog.get(name).parents.some((p) => previous.includes(p)), name).toBe(true);
      });
    }), RUNS);
  });
});
