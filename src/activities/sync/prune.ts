// The deletion half of a full resync: state records of the district (and year) that the batch
// did not write or deliberately keep are gone from the district, or no longer allowed to sync.
// Runs children before parents; a record a child still references is kept and counted.
import { CATALOG } from '../../domain';
import type { Sql } from '../../data/db';
import { statementsFor } from './statements';

export interface PruneInput {
  readonly batchId: string;
  readonly districtId: string;
  readonly object: string;
  readonly schoolYear: number;
}

export interface PruneResult {
  readonly deleted: number;
  readonly kept: number;
}

export async function pruneObject(state: Sql, input: PruneInput): Promise<PruneResult> {
  const object = CATALOG.get(input.object);
  // The state held none of the object's records for the district when the batch planned it:
  // everything there now was written by this batch, so nothing can be stale.
  const [ranges] = await state`select bool_and(fresh) as fresh from resync.batch_range
    where batch_id = ${input.batchId} and object = ${input.object}`;
  if (ranges?.fresh === true) return { deleted: 0, kept: 0 };
  const params = object.yearTied ? [input.districtId, input.batchId, input.schoolYear] : [input.districtId, input.batchId];
  return state.begin(async (tx) => {
    const [row] = await tx.unsafe(statementsFor(object).prune, params as never[]);
    const result = { deleted: Number(row?.deleted ?? 0), kept: Number(row?.kept ?? 0) };
    await tx`update resync.batch_object set deleted = ${result.deleted}, kept = ${result.kept}
      where batch_id = ${input.batchId} and object = ${input.object}`;
    return result;
  }) as Promise<PruneResult>;
}
