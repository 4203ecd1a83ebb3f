// The record set of a selective batch (migration 0009): which records of which objects it
// resyncs, by id. Built at the district, read page by page by the copy; never carried in a
// workflow's history.
import type { Queryable } from './db';

/** Adds ids of one object to the set (idempotent: a retried build adds nothing twice). */
export async function addRecordIds(sql: Queryable, batchId: string, object: string, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`insert into resync.batch_record (batch_id, object, record_id)
    select ${batchId}, ${object}, unnest(${sql.array([...ids], 20)}::bigint[]) on conflict do nothing`;
}

/** The next ids of the set for one object after `after` (null: from the start), in id order. */
export async function recordIdsAfter(sql: Queryable, batchId: string, object: string, after: number | null, limit: number): Promise<number[]> {
  const rows = await sql`select record_id from resync.batch_record
    where batch_id = ${batchId} and object = ${object} and record_id > ${after ?? 0}::bigint
    order by record_id limit ${limit}`;
  return rows.map((row) => Number(row.record_id));
}

/** How many records of each object the set holds. */
export async function recordSetCounts(sql: Queryable, batchId: string): Promise<Record<string, number>> {
  const rows = await sql`select object, count(*)::int as records from resync.batch_record where batch_id = ${batchId} group by object`;
  return Object.fromEntries(rows.map((row) => [row.object as string, Number(row.records)]));
}

export async function clearRecordSet(sql: Queryable, batchId: string): Promise<void> {
  await sql`delete from resync.batch_record where batch_id = ${batchId}`;
}
