// Splits a large object into key ranges that separate activities copy side by side (and that
// keep each activity's work bounded), and records the object as running.
import { markObjectRunning } from '../../data/batch-objects';
import { countRanges, insertRanges, planSingleRange, type BatchRange } from '../../data/batch-ranges';
import type { Sql } from '../../data/db';
import { countRecords, rangeUpperBounds, stateHoldsRecords } from '../../data/district-records';
import { getDistrict, type District } from '../../data/district-registry';
import type { DistrictSources } from '../../data/district-sources';
import type { BatchObjectRef } from '../../domain';

export interface PlanRangesInput extends BatchObjectRef {
  /** Records per range above which an object is split (default DEFAULT_RANGE_RECORDS). */
  readonly rangeRecords?: number;
  readonly maxRanges?: number;
  /** The object's record count when the caller already has it (the batch counts every object). */
  readonly records?: number;
}

export interface PlannedRanges {
  readonly ranges: number;
  readonly records: number;
  /** The one range, as planned (or found planned), when the object is copied as one. */
  readonly range?: BatchRange;
}

export const DEFAULT_RANGE_RECORDS = 250_000;
export const DEFAULT_MAX_RANGES = 8;

/** Plans the object's key ranges once per batch (a retry finds them planned) and marks the object
 *  running. The last range stays open above, so records added during the batch are still covered.
 *  `known.district`: the district as the caller already loaded it. */
export async function planObjectRanges(
  deps: { state: Sql; districtSources: DistrictSources }, input: PlanRangesInput, known: { district?: District } = {},
): Promise<PlannedRanges> {
  const district = known.district ?? await getDistrict(deps.state, input.districtId);
  const source = deps.districtSources.for(district);
  const records = input.records ?? await countRecords(source, district.sourceSchema, input.object, input.schoolYear);
  if (input.maxRanges === 1) {
    const range = await planSingleRange(deps.state, input, input.districtId, input.schoolYear);
    return { ranges: 1, records, range };
  }
  const existing = await countRanges(deps.state, input.batchId, input.object);
  if (existing > 0) return { ranges: existing, records };

  const count = Math.min(input.maxRanges ?? DEFAULT_MAX_RANGES,
    Math.max(1, Math.ceil(records / (input.rangeRecords ?? DEFAULT_RANGE_RECORDS))));
  const highs = count > 1 ? (await rangeUpperBounds(source, district.sourceSchema, input.object, input.schoolYear, count)).slice(0, -1) : [];
  const fresh = !(await stateHoldsRecords(deps.state, input.districtId, input.object, input.schoolYear));
  const bounds = [...highs, null].map((high, index) => ({ lowExclusive: index === 0 ? null : highs[index - 1] ?? null, highInclusive: high }));
  await deps.state.begin(async (tx) => {
    await insertRanges(tx, input.batchId, input.object, bounds, fresh);
    await markObjectRunning(tx, input.batchId, input.object);
  });
  return { ranges: bounds.length, records };
}
