// The deletion half of a full resync: state records of the district (and year) that the batch
// neither wrote nor logged an error for are gone from the district, or no longer allowed to sync.
// Runs children before parents; a record a child still references is kept and counted.
import { recordObjectPruned } from '../../data/batch-objects';
import { objectsAllFresh } from '../../data/batch-ranges';
import type { Sql } from '../../data/db';
import { CATALOG, type BatchObjectRef } from '../../domain';
import { statementsFor } from './statements';

export type PruneInput = BatchObjectRef;

export interface PruneResult {
  readonly deleted: number;
  readonly kept: number;
}

/** Removes the object's stale records at the state. `fresh`: the batch's objects whose ranges
 *  were all planned fresh (objectsAllFresh), when the caller has asked for several at once. */
export async function pruneObject(state: Sql, input: PruneInput, fresh?: ReadonlySet<string>): Promise<PruneResult> {
  const object = CATALOG.get(input.object);
  if ((fresh ?? await objectsAllFresh(state, input.batchId, [input.object])).has(input.object)) return { deleted: 0, kept: 0 };
  const params = object.yearTied ? [input.districtId, input.batchId, input.schoolYear] : [input.districtId, input.batchId];
  return state.begin(async (tx) => {
    const [row] = await tx.unsafe(statementsFor(object).prune, params as never[]);
    const result = { deleted: Number(row?.deleted ?? 0), kept: Number(row?.kept ?? 0) };
    await recordObjectPruned(tx, input.batchId, input.object, result);
    return result;
  }) as Promise<PruneResult>;
}
