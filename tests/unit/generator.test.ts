// The district generator's pure parts: the seeded skeleton and the per-object populations.
import { describe, expect, it } from 'vitest';
import { CATALOG, catalogFor, levelsOf } from '../../src/domain';
import { parentReferences } from '../../src/data/schema/columns';
import { POPULATIONS, type PopulationContext, type RecordSpec } from '../../src/generator/populations';
import { Random } from '../../src/generator/random';
import { buildSkeleton, type Skeleton, type SkeletonOptions } from '../../src/generator/skeleton';

const OPTIONS: SkeletonOptions = { students: 600, years: [2025, 2026], scopedYear: 2026, reportingEntity: true, excludedShare: 0.05 };

const skeletonOf = (seed: number, options: SkeletonOptions = OPTIONS) => buildSkeleton(options, new Random(seed));

/** Runs every population in parent-first order, the way seedDistrict does, without a database. */
function generate(skeleton: Skeleton, seed: number): Map<string, (RecordSpec & { id: number })[]> {
  const counters = new Map<string, number>();
  const random = new Random(seed);
  const context: PopulationContext = {
    skeleton, random, scopedYear: skeleton.years.at(-1) ?? 0, remembered: new Map(),
    nextId: (object) => {
      const next = (counters.get(object) ?? 0) + 1;
      counters.set(object, next);
      return next;
    },
  };
  const catalog = catalogFor({ reportingEntity: true });
  const records = new Map<string, (RecordSpec & { id: number })[]>();
  for (const name of levelsOf(new Set(catalog.names), catalog).flat()) {
    const population = POPULATIONS[name];
    if (!population) throw new Error(`no population for ${name}`);
    records.set(name, [...population(context)].map((spec) => ({ ...spec, id: spec.id ?? context.nextId(name) })));
  }
  return records;
}

describe('buildSkeleton', () => {
  it('is deterministic for a seed', () => {
    expect(skeletonOf(42)).toEqual(skeletonOf(42));
  });

  it('a different seed gives a different district', () => {
    const a = skeletonOf(42);
    const b = skeletonOf(43);
    expect(b).not.toEqual(a);
    expect(b.persons.map((p) => p.grade)).not.toEqual(a.persons.map((p) => p.grade));
  });

  it('has the requested students, staff, and one regular calendar and structure per school and year', () => {
    const skeleton = skeletonOf(1);
    expect(skeleton.persons.filter((p) => !p.staff)).toHaveLength(600);
    expect(skeleton.persons.filter((p) => p.staff).length).toBeGreaterThan(0);
    for (const year of OPTIONS.years) {
      const regular = skeleton.calendars.filter((c) => c.year === year && !c.summer);
      expect(regular.map((c) => c.school).sort((a, b) => a - b)).toEqual(skeleton.schools.map((_, i) => i));
      expect(skeleton.structureOf.get(year)).toHaveLength(skeleton.schools.length);
    }
    expect(skeleton.persons.map((p) => p.id)).toEqual(skeleton.persons.map((_, i) => i + 1));
  });

  it('every enrollment\'s grade level belongs to its structure, for the enrollment\'s year', () => {
    const skeleton = skeletonOf(7);
    expect(skeleton.enrollments).toHaveLength(600 * OPTIONS.years.length);
    for (const enrollment of skeleton.enrollments) {
      const structure = skeleton.structures[enrollment.structure - 1];
      expect(structure?.id).toBe(enrollment.structure);
      const level = structure?.gradeLevels.get(enrollment.grade);
      expect(level?.id, `enrollment ${enrollment.id} grade ${enrollment.grade}`).toBe(enrollment.gradeLevel);
      const calendar = skeleton.calendars[structure?.calendar ?? -1];
      expect(calendar?.year).toBe(enrollment.year);
      expect(calendar?.summer).toBe(false);
    }
  });

  it('grade level ids are unique across structures', () => {
    const skeleton = skeletonOf(7);
    const ids = skeleton.structures.flatMap((s) => [...s.gradeLevels.values()].map((level) => level.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('roughly honours the excluded share of enrollments', () => {
    const skeleton = skeletonOf(2026, { students: 10_000, years: [2026], scopedYear: 2026, reportingEntity: false, excludedShare: 0.05 });
    const share = skeleton.enrollments.filter((e) => e.excluded).length / skeleton.enrollments.length;
    expect(skeleton.enrollments).toHaveLength(10_000);
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.07);
  });

  it('with no excluded share nothing is excluded: no summer calendar, no PK grade level, no excluded enrollment', () => {
    const skeleton = skeletonOf(5, { ...OPTIONS, excludedShare: 0 });
    expect(skeleton.enrollments.some((e) => e.excluded)).toBe(false);
    expect(skeleton.calendars.some((c) => c.excluded || c.summer)).toBe(false);
    expect(skeleton.structures.some((s) => [...s.gradeLevels.values()].some((l) => l.excluded))).toBe(false);
  });

  it('assigns schools to reporting entities only when the layer is used', () => {
    expect(skeletonOf(3).schools.every((s) => s.reportingEntityId !== null)).toBe(true);
    expect(skeletonOf(3).reportingEntities).toBeGreaterThan(0);
    const plain = skeletonOf(3, { ...OPTIONS, reportingEntity: false });
    expect(plain.reportingEntities).toBe(0);
    expect(plain.schools.every((s) => s.reportingEntityId === null)).toBe(true);
  });
});

describe('populations', () => {
  it('every catalog object has a population, and every population is a catalog object', () => {
    expect(Object.keys(POPULATIONS).sort()).toEqual([...CATALOG.names].sort());
  });

  it('every record references existing parent records through the object\'s foreign keys', () => {
    const skeleton = skeletonOf(11, { students: 300, years: [2025, 2026], scopedYear: 2026, reportingEntity: true, excludedShare: 0.05 });
    const records = generate(skeleton, 11);
    const idsOf = new Map([...records].map(([name, specs]) => [name, new Set(specs.map((s) => s.id))]));
    const problems: string[] = [];
    for (const [name, specs] of records) {
      const references = parentReferences(CATALOG.get(name));
      const columns = new Set(references.map((r) => r.parent));
      for (const spec of specs) {
        for (const key of Object.keys(spec.refs)) if (!columns.has(key)) problems.push(`${name} refers to ${key}, which it has no column for`);
        for (const reference of references) {
          const id = spec.refs[reference.parent];
          if (id === null || id === undefined) {
            if (!reference.nullable) problems.push(`${name} ${spec.id}: no ${reference.parent}`);
          } else if (!idsOf.get(reference.parent)?.has(id)) {
            problems.push(`${name} ${spec.id}: ${reference.parent} ${id} does not exist`);
          }
        }
      }
    }
    expect([...new Set(problems)].slice(0, 20)).toEqual([]);
  });

  it('ids are unique per object', () => {
    const records = generate(skeletonOf(12, { ...OPTIONS, students: 200 }), 12);
    for (const [name, specs] of records) expect(new Set(specs.map((s) => s.id)).size, name).toBe(specs.length);
  });

  it('each roster points at the grade level of its enrollment', () => {
    const skeleton = skeletonOf(13, { ...OPTIONS, students: 200 });
    const records = generate(skeleton, 13);
    const enrollments = new Map(skeleton.enrollments.map((e) => [e.id, e]));
    const rosters = records.get('Roster') ?? [];
    expect(rosters.length).toBeGreaterThan(0);
    for (const roster of rosters) {
      const enrollment = enrollments.get(roster.refs.Enrollment ?? -1);
      expect(roster.refs.StructureGradeLevel).toBe(enrollment?.gradeLevel);
      expect(roster.year).toBe(enrollment?.year);
    }
  });

  it('generation is deterministic for a seed', () => {
    const first = generate(skeletonOf(14, { ...OPTIONS, students: 100 }), 14);
    const second = generate(skeletonOf(14, { ...OPTIONS, students: 100 }), 14);
    expect(second).toEqual(first);
  });
});

describe('Random', () => {
  it('repeats for a seed and stays in range', () => {
    const a = new Random(9);
    const b = new Random(9);
    for (let i = 0; i < 1000; i++) {
      const x = a.next();
      expect(b.next()).toBe(x);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    const r = new Random(1);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3, 5);
      expect([3, 4, 5]).toContain(n);
    }
    expect(() => r.pick([])).toThrow();
  });

  it('count averages its mean', () => {
    const r = new Random(77);
    for (const mean of [0.3, 1.5, 6]) {
      let total = 0;
      for (let i = 0; i < 20_000; i++) total += r.count(mean);
      expect(total / 20_000).toBeCloseTo(mean, 1);
    }
    expect(r.count(0)).toBe(0);
  });
});
