// Questions about an object's records on either side, by count and key — never the records
// themselves: how many the district would send for a year, where to split them into key ranges,
// whether the state already holds any for the district.
import { CATALOG } from '../domain';
import type { Queryable } from './db';
import { STATE_SCHEMA } from './schema/columns';
import { quoteIdentifier as q } from './schema/identifiers';

/** How many records of an object the district would send for a school year (year-tied objects
 *  count that year's records only). */
export async function countRecords(source: Queryable, schema: string, objectName: string, schoolYear: number): Promise<number> {
  return (await countRecordsOf(source, schema, [objectName], schoolYear))[objectName] ?? 0;
}

/** `countRecords` for several objects in one statement (a batch counts its 40-odd objects at once).
 *  @returns records per object name */
export async function countRecordsOf(source: Queryable, schema: string, objectNames: readonly string[], schoolYear: number): Promise<Record<string, number>> {
  if (objectNames.length === 0) return {};
  const counts = objectNames.map((name, index) => {
    const object = CATALOG.get(name);
    return `select ${index} as object, count(*)::bigint as records from ${q(schema)}.${q(object.table)}${object.yearTied ? ' where school_year = $1' : ''}`;
  });
  const yearTied = objectNames.some((name) => CATALOG.get(name).yearTied);
  const rows = await source.unsafe(counts.join(' union all '), yearTied ? [schoolYear] : []);
  const records: Record<string, number> = {};
  for (const row of rows) records[objectNames[Number(row.object)] as string] = Number(row.records);
  return records;
}

/** The highest id of each of `ranges` equal-sized slices of the object's records, in id order. */
export async function rangeUpperBounds(source: Queryable, schema: string, objectName: string, schoolYear: number, ranges: number): Promise<number[]> {
  const object = CATALOG.get(objectName);
  const table = source`${source(schema)}.${source(object.table)}`;
  const filter = object.yearTied ? source`where school_year = ${schoolYear}` : source``;
  const rows = await source`select max(id) as high from (select id, ntile(${ranges}) over (order by id) as bucket
    from ${table} ${filter}) ranked group by bucket order by bucket`;
  return rows.map((row) => Number(row.high));
}

/**
 * A query for the state's first record of the object for the district (and year), as a fragment
 * to run alone or inside another statement (`(…) is null`: the state holds none). The first row in
 * primary-key order, not `exists (…)`: a prepared statement's generic plan for `exists` expects a
 * district's records to be a share of the table and scans it from the start, which for a district
 * with none — every district of a year-end run — reads the whole state table.
 */
export function firstStateRecord(state: Queryable, districtId: string, objectName: string, schoolYear: number) {
  const object = CATALOG.get(objectName);
  const table = state`${state(STATE_SCHEMA)}.${state(object.table)}`;
  const year = object.yearTied ? state`and school_year = ${schoolYear}` : state``;
  return state`select 1 from ${table} where source_district = ${districtId} ${year} order by source_district, id limit 1`;
}

/** Whether the state already holds records of the object for the district (and year). */
export async function stateHoldsRecords(state: Queryable, districtId: string, objectName: string, schoolYear: number): Promise<boolean> {
  const rows = await firstStateRecord(state, districtId, objectName, schoolYear);
  return rows.length > 0;
}

/** How many records of an object the state holds for the district (and year, where the object is
 *  tied to one). */
export async function countStateRecords(state: Queryable, districtId: string, objectName: string, schoolYear: number): Promise<number> {
  const object = CATALOG.get(objectName);
  const table = state`${state(STATE_SCHEMA)}.${state(object.table)}`;
  const year = object.yearTied ? state`and school_year = ${schoolYear}` : state``;
  const [row] = await state`select count(*)::bigint as records from ${table} where source_district = ${districtId} ${year}`;
  return Number(row?.records ?? 0);
}

/** How many records of an object the district flags as state-excluded (0 for objects without
 *  the flag): records the state may not receive. */
export async function countExcludedRecords(source: Queryable, schema: string, objectName: string, schoolYear: number): Promise<number> {
  const object = CATALOG.get(objectName);
  if (!object.exclusionFlag) return 0;
  const table = source`${source(schema)}.${source(object.table)}`;
  const year = object.yearTied ? source`and school_year = ${schoolYear}` : source``;
  const [row] = await source`select count(*)::bigint as records from ${table} where state_excluded ${year}`;
  return Number(row?.records ?? 0);
}
