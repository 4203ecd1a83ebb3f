// Generates a realistic district (every applicable object, plausible volumes, a small share of
// state-excluded records), deterministic for a seed, and bulk-loads it with COPY.
import { offers, type CatalogObject, type DistrictProfile } from '../domain';
import type { Sql } from '../data/db';
import { registerDistrict, type District } from '../data/district-registry';
import { parentReferences, syncedColumns } from '../data/schema/columns';
import { districtSchemaStatements, parentFirstObjects } from '../data/schema/ddl';
import { copyRows } from './copy-writer';
import { POPULATIONS, type PopulationContext, type RecordSpec, type Value } from './populations';
import { Random } from './random';
import { buildSkeleton } from './skeleton';
import { fieldValue } from './values';

export interface SeedOptions {
  readonly districtId: string;
  readonly name?: string;
  readonly students: number;
  /** The district's current scoped school year (the calendar year it starts in). */
  readonly scopedYear: number;
  /** School years to generate; defaults to the scoped year only. */
  readonly years?: readonly number[];
  readonly state: string | null;
  readonly reportingEntity: boolean;
  readonly seed: number;
  /** Share of enrollments flagged state-excluded (plus a summer calendar and PK grade levels). */
  readonly excludedShare?: number;
  readonly yearSync?: { previous: readonly string[]; next: readonly string[] };
  /** Where the district's database is, as registered (null: the default district database).
   *  `districtSql` must be connected to it. */
  readonly sourceUrl?: string | null;
}

export interface SeedResult {
  readonly district: District;
  readonly records: { object: string; records: number }[];
  readonly total: number;
  readonly seconds: number;
}

/** Year-tied objects the demo configuration syncs for the previous and next school years. */
export function defaultYearSync(): { previous: string[]; next: string[] } {
  const yearTied = parentFirstObjects().filter((object) => object.yearTied).map((object) => object.name);
  return { previous: yearTied, next: ['Calendar', 'ScheduleStructure', 'StructureGradeLevel', 'CourseSection', 'Day', 'Enrollment', 'Roster'] };
}

function columnsOf(object: CatalogObject): string[] {
  return [...syncedColumns(object).map((column) => column.name), ...(object.exclusionFlag ? ['state_excluded'] : [])];
}

/** Turns record specs into COPY rows in the table's column order. */
function* rowsOf(object: CatalogObject, specs: Iterable<RecordSpec>, context: PopulationContext): Iterable<Value[]> {
  const referenceColumns = new Map(parentReferences(object).map((reference) => [reference.column, reference.parent]));
  const fields = new Map(object.fields.map((field) => [field.name, field]));
  const columns = columnsOf(object);
  for (const spec of specs) {
    const id = spec.id ?? context.nextId(object.name);
    yield columns.map((column): Value => {
      if (column === 'id') return id;
      if (column === 'school_year') return spec.year;
      if (column === 'state_excluded') return spec.excluded ?? false;
      const parent = referenceColumns.get(column);
      if (parent !== undefined) return spec.refs[parent] ?? null;
      const fixed = spec.values?.[column];
      if (fixed !== undefined) return fixed;
      const field = fields.get(column);
      return field ? fieldValue(field, context.random, spec.year) : null;
    });
  }
}

export function applicableObjects(profile: DistrictProfile): CatalogObject[] {
  const applicable = new Set(offers({ ...profile, disabledObjects: [] }, 'current')
    .filter((offer) => offer.notOfferedBecause === undefined).map((offer) => offer.object.name));
  return parentFirstObjects().filter((object) => applicable.has(object.name));
}

export async function seedDistrict(
  stateSql: Sql, districtSql: Sql, options: SeedOptions, log: (line: string) => void = () => {},
): Promise<SeedResult> {
  const started = performance.now();
  const district = await registerDistrict(stateSql, {
    districtId: options.districtId,
    name: options.name ?? `District ${options.districtId}`,
    state: options.state,
    reportingEntity: options.reportingEntity,
    scopedYear: options.scopedYear,
    yearSync: options.yearSync ?? defaultYearSync(),
    sourceUrl: options.sourceUrl ?? null,
  });
  const schema = district.sourceSchema;
  await districtSql.unsafe(`drop schema if exists "${schema}" cascade`);
  for (const statement of districtSchemaStatements(schema)) await districtSql.unsafe(statement);

  const random = new Random(options.seed);
  const years = options.years ?? [options.scopedYear];
  const skeleton = buildSkeleton({
    students: options.students, years, scopedYear: options.scopedYear, reportingEntity: options.reportingEntity,
    excludedShare: options.excludedShare ?? 0.01,
  }, random);
  const counters = new Map<string, number>();
  const context: PopulationContext = {
    skeleton, random, scopedYear: options.scopedYear, remembered: new Map(),
    nextId: (object) => {
      const next = (counters.get(object) ?? 0) + 1;
      counters.set(object, next);
      return next;
    },
  };

  const records: { object: string; records: number }[] = [];
  for (const object of applicableObjects(district.profile)) {
    const population = POPULATIONS[object.name];
    if (!population) throw new Error(`the generator has no population for ${object.name}`);
    const count = await copyRows(districtSql, schema, object.table, columnsOf(object), rowsOf(object, population(context), context));
    await districtSql.unsafe(`analyze "${schema}"."${object.table}"`);
    records.push({ object: object.name, records: count });
    log(`${object.name}: ${count}`);
  }
  return {
    district, records, total: records.reduce((sum, entry) => sum + entry.records, 0),
    seconds: (performance.now() - started) / 1000,
  };
}
