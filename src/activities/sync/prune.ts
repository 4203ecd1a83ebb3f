// The deletion half of a full resync: state records of the district (and year) that the batch
// neither wrote nor logged an error for are gone from the district, or no longer allowed to sync.
// Runs children before parents; a record a child still references is kept and counted.
import { objectResults, recordObjectPruned } from '../../data/batch-objects';
import { objectsAllFresh } from '../../data/batch-ranges';
import type { Sql } from '../../data/db';
import { CATALOG, type BatchObjectRef } from '../../domain';
import { statementsFor } from './statements';

export type PruneInput = BatchObjectRef;

export interface PruneResult {
  readonly deleted: number;
  readonly kept: number;
}

/** What a pass over several objects knows of them at once: the objects whose ranges were all
 *  planned fresh (objectsAllFresh) and those the batch logged errors for. */
export interface PruneKnown {
  readonly fresh: ReadonlySet<string>;
  readonly withErrors: ReadonlySet<string>;
}

/** Removes the object's stale records at the state. `known`: what the caller read for several
 *  objects at once (read here for this one otherwise). */
export async function pruneObject(state: Sql, input: PruneInput, known?: PruneKnown): Promise<PruneResult> {
  const object = CATALOG.get(input.object);
  const { fresh, withErrors } = known ?? await pruneKnown(state, input.batchId, [input.object]);
  if (fresh.has(input.object)) return { deleted: 0, kept: 0 };
  const params = object.yearTied ? [input.districtId, input.batchId, input.schoolYear] : [input.districtId, input.batchId];
  return state.begin(async (tx) => {
    const [row] = await tx.unsafe(statementsFor(object).prune(withErrors.has(input.object)), params as never[]);
    const result = { deleted: Number(row?.deleted ?? 0), kept: Number(row?.kept ?? 0) };
    await recordObjectPruned(tx, input.batchId, input.object, result);
    return result;
  }) as Promise<PruneResult>;
}

/** PruneKnown for `objects` of the batch: two statements however many objects. */
export async function pruneKnown(state: Sql, batchId: string, objects: readonly string[]): Promise<PruneKnown> {
  const [fresh, results] = await Promise.all([objectsAllFresh(state, batchId, objects), objectResults(state, batchId, objects)]);
  return { fresh, withErrors: new Set([...results.values()].filter((result) => result.errors > 0).map((result) => result.object)) };
}
