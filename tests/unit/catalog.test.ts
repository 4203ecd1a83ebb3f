// The catalog against the seed document's table (DESIGN §2.1), and the loader's refusals.
import { describe, expect, it } from 'vitest';
import {
  CATALOG, CATALOG_ENTRIES, CatalogError, catalogFor, loadCatalog, REPORTING_ENTITY, tableName, type CatalogEntry,
} from '../../src/domain/catalog';
import { entryName, isMarked, readSeedTable } from './seed-table';

const seed = readSeedTable();
const seedRow = (name: string) => {
  const row = seed.find((object) => object.name === name);
  if (!row) throw new Error(`no seed row ${name}`);
  return row;
};

const entry = (name: string, parents: string[] = []): CatalogEntry => ({ name, parents, yearTied: false, fields: [] });

/** The problems a CatalogError lists, or a failure if loading does not throw one. */
function loadProblems(entries: CatalogEntry[]): readonly string[] {
  try {
    loadCatalog(entries);
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError);
    const problems = (error as CatalogError).problems;
    expect((error as CatalogError).message).toContain(problems.join('; '));
    return problems;
  }
  throw new Error('loadCatalog accepted an invalid catalog');
}

describe('catalog vs the seed table', () => {
  it('the seed table has 55 objects, none twice', () => {
    expect(seed).toHaveLength(55);
    expect(new Set(seed.map((object) => object.name)).size).toBe(55);
  });

  it('has exactly the 55 objects of the seed table', () => {
    expect(CATALOG.objects).toHaveLength(55);
    expect([...CATALOG.names].sort()).toEqual(seed.map((object) => object.name).sort());
  });

  it.each(seed.map((row) => [row.name, row] as const))('%s: parents are the seed\'s Parent Objects column, in order', (name, row) => {
    expect(CATALOG.get(name).parents).toEqual(row.parents.map(entryName));
  });

  it.each(seed.map((row) => [row.name, row] as const))('%s: immediate parents are the ones the seed marks', (name, row) => {
    const marked = row.parents.filter(isMarked).map(entryName);
    // The seed marks nothing when an object has a single parent (School: "District").
    const expected = marked.length === 0 && row.parents.length === 1 ? row.parents.map(entryName) : marked;
    expect(CATALOG.get(name).immediateParents).toEqual(expected);
  });

  it('the only object with parents but no marked parent is School, with its single parent District', () => {
    const unmarked = seed.filter((row) => row.parents.length > 0 && !row.parents.some(isMarked));
    expect(unmarked.map((row) => [row.name, row.parents])).toEqual([['School', ['District']]]);
    expect(CATALOG.get('School').immediateParents).toEqual(['District']);
  });

  it('reads the marker of "PersonIdentity *" (with a space) as immediate', () => {
    expect(seedRow('ImmCertificate').parents).toContain('PersonIdentity *');
    expect(CATALOG.get('ImmCertificate').immediateParents).toEqual(['PersonIdentity']);
    expect(CATALOG.get('ImmCertificate').parents).not.toContain('PersonIdentity *');
  });

  it('objects without parents have no immediate or referenced parents', () => {
    for (const name of ['District', 'CourseCode', 'ISEPResidentialCertification', 'ISEPResidentialVerification']) {
      expect(CATALOG.get(name)).toMatchObject({ parents: [], immediateParents: [], referencedParents: [] });
    }
  });

  it('the entries write parents as the seed does, markers included', () => {
    for (const row of seed) {
      const written = CATALOG_ENTRIES.find((e) => e.name === row.name)?.parents.map((p) => p.replace(/\s+/g, ''));
      expect(written, row.name).toEqual(row.parents.map((p) => p.replace(/\s+/g, '')));
    }
  });
});

describe('referenced parents', () => {
  it('Roster references StructureGradeLevel and Enrollment', () => {
    expect(CATALOG.get('Roster').referencedParents).toEqual(['StructureGradeLevel', 'Enrollment']);
  });

  it('TestScore references PersonIdentity and Test', () => {
    expect(CATALOG.get('TestScore').referencedParents).toEqual(['PersonIdentity', 'Test']);
  });

  it('an object with one immediate parent and a plain chain references only that parent', () => {
    expect(CATALOG.get('Enrollment').referencedParents).toEqual(['PersonIdentity']);
    expect(CATALOG.get('Calendar').referencedParents).toEqual(['School']);
    expect(CATALOG.get('School').referencedParents).toEqual(['District']);
    expect(CATALOG.get('PlanProgressReport').referencedParents).toEqual(['Plan']);
  });

  it('every referenced parent is a parent, and every immediate parent is referenced', () => {
    for (const object of CATALOG.objects) {
      for (const parent of object.referencedParents) expect(object.parents).toContain(parent);
      for (const parent of object.immediateParents) expect(object.referencedParents).toContain(parent);
    }
  });

  it('referencingObjects and dependentsOf invert the lists', () => {
    expect(CATALOG.referencingObjects('StructureGradeLevel').map((o) => o.name)).toEqual(['Roster']);
    expect(CATALOG.dependentsOf('Plan').map((o) => o.name)).toEqual(['PlanProgressReport']);
    expect(CATALOG.dependentsOf('Test').map((o) => o.name)).toEqual(['TestScore']);
  });
});

describe('loadCatalog refuses an invalid catalog', () => {
  it('accepts a small valid catalog', () => {
    const catalog = loadCatalog([entry('A'), entry('B', ['A*']), entry('C', ['A', 'B*'])]);
    expect(catalog.get('C')).toMatchObject({ parents: ['A', 'B'], immediateParents: ['B'], referencedParents: ['B'] });
  });

  it('an unknown parent', () => {
    const problems = loadProblems([entry('A'), entry('B', ['A', 'Ghost*'])]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/B names unknown parent\(s\) Ghost/);
  });

  it('a cycle', () => {
    const problems = loadProblems([entry('A', ['C*']), entry('B', ['A*']), entry('C', ['B*'])]);
    expect(problems.join('\n')).toMatch(/cycle/);
    expect(problems.join('\n')).toMatch(/A → C → B → A|B → A → C → B|C → B → A → C/);
  });

  it('an object that is its own parent', () => {
    expect(loadProblems([entry('A', ['A*'])]).join('\n')).toMatch(/cycle A → A/);
  });

  it('a parent list not closed under its parents\' lists', () => {
    const problems = loadProblems([entry('A'), entry('B', ['A*']), entry('C', ['B*'])]);
    expect(problems).toEqual(['C lists B but not its parent(s) A']);
  });

  it('a parent list out of dependency order', () => {
    const problems = loadProblems([entry('A'), entry('B', ['A*']), entry('C', ['B', 'A*'])]);
    expect(problems).toEqual(['C lists A after its child B']);
  });

  it('a duplicate object', () => {
    expect(loadProblems([entry('A'), entry('B', ['A*']), entry('A')])).toEqual(['A is listed twice']);
  });

  it('a duplicate object spelled in another case', () => {
    expect(loadProblems([entry('LepKY'), entry('LEPKY')]).join('\n')).toMatch(/LEPKY is listed twice/);
  });

  it('a parent listed twice', () => {
    expect(loadProblems([entry('A'), entry('B', ['A', 'A*'])]).join('\n')).toMatch(/B lists a parent twice/);
  });

  it('the real entries with one grandparent removed', () => {
    const broken = CATALOG_ENTRIES.map((e) => (e.name === 'Roster' ? { ...e, parents: e.parents.filter((p) => p !== 'Calendar') } : e));
    expect(loadProblems(broken).join('\n')).toMatch(/Roster lists ScheduleStructure but not its parent\(s\) Calendar/);
  });
});

describe('the reporting-entity layer', () => {
  const layered = catalogFor({ reportingEntity: true });

  it('without the layer, catalogFor gives the seed catalog and ReportingEntity hangs off District only', () => {
    expect(catalogFor({ reportingEntity: false })).toBe(CATALOG);
    expect(CATALOG.get(REPORTING_ENTITY).parents).toEqual(['District']);
    expect(CATALOG.objects.filter((o) => o.parents.includes(REPORTING_ENTITY))).toEqual([]);
  });

  it('puts ReportingEntity between District and School, as School\'s immediate parent', () => {
    expect(layered.get('School')).toMatchObject({ parents: ['District', 'ReportingEntity'], immediateParents: ['ReportingEntity'] });
    expect(layered.get(REPORTING_ENTITY).parents).toEqual(['District']);
  });

  it('every object below School gets ReportingEntity right after District; others are left alone', () => {
    expect(layered.names).toEqual(CATALOG.names);
    for (const base of CATALOG.objects) {
      const object = layered.get(base.name);
      if (base.name === 'School') continue;
      if (base.parents.includes('School')) {
        expect(base.parents[0]).toBe('District');
        expect(object.parents, base.name).toEqual(['District', 'ReportingEntity', ...base.parents.slice(1)]);
        expect(object.immediateParents, base.name).toEqual(base.immediateParents);
      } else {
        expect(object.parents, base.name).toEqual(base.parents);
      }
    }
  });

  it('leaves CourseCode, the ISEP objects and District without parents', () => {
    for (const name of ['CourseCode', 'ISEPResidentialCertification', 'ISEPResidentialVerification', 'District']) {
      expect(layered.get(name).parents).toEqual([]);
    }
  });

  it('every School dependent of the seed\'s conditional ReportingEntity column gets the layer', () => {
    const column = seed.find((row) => row.childrenConditional);
    expect(column?.name).toBe(REPORTING_ENTITY);
    for (const child of column?.children ?? []) {
      const object = layered.find(entryName(child));
      expect(object, child).toBeDefined();
      expect(object?.parents, child).toContain(REPORTING_ENTITY);
    }
  });
});

describe('names', () => {
  it('resolve case- and space-insensitively', () => {
    expect(CATALOG.find('LEPKY')?.name).toBe('LepKY');
    expect(CATALOG.find('lepky')?.name).toBe('LepKY');
    expect(CATALOG.find('Health Screening')?.name).toBe('HealthScreening');
    expect(CATALOG.find('  testscore ')?.name).toBe('TestScore');
    expect(CATALOG.has('health screening')).toBe(true);
    expect(CATALOG.find('Evaluation')).toBeUndefined();
    expect(() => CATALOG.get('Evaluation')).toThrow(/unknown object Evaluation/);
  });

  it('every name resolves to itself in any case', () => {
    for (const name of CATALOG.names) {
      expect(CATALOG.get(name.toUpperCase()).name).toBe(name);
      expect(CATALOG.get(name.toLowerCase()).name).toBe(name);
    }
  });

  it('tableName gives unique snake_case names for all 55 objects', () => {
    const tables = CATALOG.names.map(tableName);
    for (const table of tables) expect(table).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    expect(new Set(tables).size).toBe(55);
    expect(CATALOG.objects.map((o) => o.table)).toEqual(tables);
  });

  it('tableName splits words and acronyms', () => {
    expect(tableName('FRYSCGroupProgramKY')).toBe('frysc_group_program_ky');
    expect(tableName('PersonIdentityNoStateIDOnly')).toBe('person_identity_no_state_id_only');
    expect(tableName('CTEDataME')).toBe('cte_data_me');
    expect(tableName('District')).toBe('district');
  });
});
