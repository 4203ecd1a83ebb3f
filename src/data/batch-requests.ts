// What a requester asked a batch to resync, kept apart from the workflows (see migration 0005):
// the objects of a partial resync and Check Dependencies, by batch id.
import { BatchIdCollisionError, UnknownBatchError, type RecordSetRequest, type ResyncMethod } from '../domain';
import type { Queryable } from './db';

export interface BatchRequest {
  readonly batchId: string;
  readonly districtId: string;
  /** 'all' for a full resync, else the selection (canonical names). */
  readonly objects: 'all' | readonly string[];
  readonly checkDependencies: boolean;
  readonly method?: ResyncMethod;
  readonly selection?: RecordSetRequest;
}

const sameObjects = (a: readonly string[] | null, b: readonly string[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((name, i) => name === b[i]);

/**
 * Stores a request before its batch is submitted. Storing the same request again (a retried
 * activity) is a no-op; another request under the same batch id is refused, never merged.
 * @throws BatchIdCollisionError when the id is taken by a different request
 */
export async function insertBatchRequest(sql: Queryable, request: BatchRequest): Promise<void> {
  const objects = request.objects === 'all' ? null : [...request.objects];
  const inserted = await sql`insert into resync.batch_request ${sql({
    batch_id: request.batchId, district_id: request.districtId, requested_objects: objects, check_dependencies: request.checkDependencies,
    method: request.method ?? 'copy', selection: request.selection ? sql.json(request.selection as never) : null,
  })} on conflict (batch_id) do nothing returning 1`;
  if (inserted.count === 1) return;
  const existing = await findBatchRequest(sql, request.batchId);
  const same = existing && existing.districtId === request.districtId && existing.checkDependencies === request.checkDependencies
    && sameObjects(existing.objects === 'all' ? null : existing.objects, objects);
  if (!same) throw new BatchIdCollisionError(request.batchId);
}

export async function findBatchRequest(sql: Queryable, batchId: string): Promise<BatchRequest | undefined> {
  const [row] = await sql`select * from resync.batch_request where batch_id = ${batchId}`;
  if (!row) return undefined;
  return {
    batchId: row.batch_id as string, districtId: row.district_id as string,
    objects: (row.requested_objects as string[] | null) ?? 'all', checkDependencies: row.check_dependencies as boolean,
    method: row.method as ResyncMethod, ...(row.selection ? { selection: row.selection as RecordSetRequest } : {}),
  };
}

/** @throws UnknownBatchError when no request was stored under the id */
export async function getBatchRequest(sql: Queryable, batchId: string): Promise<BatchRequest> {
  const request = await findBatchRequest(sql, batchId);
  if (!request) throw new UnknownBatchError(batchId);
  return request;
}

/** Forgets a request its lane refused (only while no batch was recorded for it). */
export async function deleteRefusedRequest(sql: Queryable, batchId: string): Promise<void> {
  await sql`delete from resync.batch_request r where r.batch_id = ${batchId}
    and not exists (select 1 from resync.batch b where b.batch_id = r.batch_id)`;
}
