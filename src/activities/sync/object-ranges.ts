// Splits a large object into key ranges that separate activities copy side by side (and that
// keep each activity's work bounded), and records the object as running.
import { CATALOG } from '../../domain';
import type { Sql } from '../../data/db';
import { getDistrict } from '../../data/district-registry';
import type { DistrictSources } from '../../data/district-sources';
import { STATE_SCHEMA } from '../../data/schema/columns';

export interface PlanRangesInput {
  readonly batchId: string;
  readonly districtId: string;
  readonly object: string;
  readonly schoolYear: number;
  /** Records per range above which an object is split. */
  readonly rangeRecords?: number;
  readonly maxRanges?: number;
  /** The object's record count when the caller already has it (the batch counts every object). */
  readonly records?: number;
}

export interface PlannedRanges {
  readonly ranges: number;
  readonly records: number;
}

export const DEFAULT_RANGE_RECORDS = 250_000;
export const DEFAULT_MAX_RANGES = 8;

/** How many records of an object the district would send for a school year. */
export async function countRecords(source: Sql, schema: string, objectName: string, schoolYear: number): Promise<number> {
  const object = CATALOG.get(objectName);
  const table = source`${source(schema)}.${source(object.table)}`;
  const [row] = object.yearTied
    ? await source`select count(*)::bigint as records from ${table} where school_year = ${schoolYear}`
    : await source`select count(*)::bigint as records from ${table}`;
  return Number(row?.records ?? 0);
}

async function upperBounds(source: Sql, schema: string, objectName: string, schoolYear: number, ranges: number): Promise<number[]> {
  const object = CATALOG.get(objectName);
  const table = source`${source(schema)}.${source(object.table)}`;
  const filter = object.yearTied ? source`where school_year = ${schoolYear}` : source``;
  const rows = await source`select max(id) as high from (select id, ntile(${ranges}) over (order by id) as bucket
    from ${table} ${filter}) ranked group by bucket order by bucket`;
  return rows.map((row) => Number(row.high));
}

/** Whether the state already holds records of the object for the district (and year). */
async function stateHolds(state: Sql, districtId: string, objectName: string, schoolYear: number): Promise<boolean> {
  const object = CATALOG.get(objectName);
  const table = state`${state(STATE_SCHEMA)}.${state(object.table)}`;
  const year = object.yearTied ? state`and school_year = ${schoolYear}` : state``;
  const [row] = await state`select exists (select 1 from ${table} where source_district = ${districtId} ${year}) as holds`;
  return Boolean(row?.holds);
}

export async function planObjectRanges(deps: { state: Sql; districtSources: DistrictSources }, input: PlanRangesInput): Promise<PlannedRanges> {
  const district = await getDistrict(deps.state, input.districtId);
  const source = deps.districtSources.for(district);
  const records = input.records ?? await countRecords(source, district.sourceSchema, input.object, input.schoolYear);
  const [existing] = await deps.state`select count(*)::int as ranges from resync.batch_range
    where batch_id = ${input.batchId} and object = ${input.object}`;
  if (existing && existing.ranges > 0) return { ranges: existing.ranges as number, records };

  const count = Math.min(input.maxRanges ?? DEFAULT_MAX_RANGES,
    Math.max(1, Math.ceil(records / (input.rangeRecords ?? DEFAULT_RANGE_RECORDS))));
  // The last range stays open above, so records added during the batch are still covered.
  const highs = count > 1 ? (await upperBounds(source, district.sourceSchema, input.object, input.schoolYear, count)).slice(0, -1) : [];
  const fresh = !(await stateHolds(deps.state, input.districtId, input.object, input.schoolYear));
  const bounds = [...highs, null].map((high, index) => ({
    batch_id: input.batchId, object: input.object, range_index: index,
    low_exclusive: index === 0 ? null : highs[index - 1] ?? null, high_inclusive: high, fresh,
  }));
  await deps.state.begin(async (tx) => {
    await tx`insert into resync.batch_range ${tx(bounds)} on conflict do nothing`;
    await tx`update resync.batch_object set status = 'running', started_at = coalesce(started_at, now())
      where batch_id = ${input.batchId} and object = ${input.object}`;
  });
  return { ranges: bounds.length, records };
}
