// The batch history (the seed's DISBatchHistory, DESIGN §2.9): one row per batch, kept forever.
// Written by the workflows' activities, read by the API. Per-object results live in
// batch-objects.ts, key-range progress in batch-ranges.ts, the error log in sync-errors.ts.
import {
  BatchIdCollisionError, type BatchStatus, type FinishedBatchStatus, type Initiator, type Plan, type RecordSetRequest, type ResyncKind,
  type ResyncMethod, type SchoolYearChoice,
} from '../domain';
import { cancelUnfinishedObjects, insertPlannedObjects } from './batch-objects';
import type { Queryable, Sql } from './db';

export interface NewBatch {
  readonly batchId: string;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly yearChoice: SchoolYearChoice;
  readonly kind: ResyncKind;
  readonly initiator: Initiator;
  readonly requestedBy: string;
  readonly checkDependencies: boolean;
  /** The selection of a partial resync (null: full). Never shown to district users for state requests. */
  readonly requestedObjects: readonly string[] | null;
  readonly workflowId: string;
  /** How records travel (copy unless asked otherwise). */
  readonly method?: ResyncMethod;
  /** The chosen records of a selective batch. */
  readonly selection?: RecordSetRequest | null;
}

export interface BatchRecord extends NewBatch {
  readonly status: BatchStatus;
  readonly requestedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly plannedObjects: number;
  readonly processed: number;
  readonly errors: number;
  readonly sent: number;
  readonly deleted: number;
  readonly failure: string | null;
  readonly plan: Plan | null;
  /** Who asked to cancel it, and when (null: nobody). */
  readonly cancelRequestedBy: string | null;
  readonly cancelRequestedAt: Date | null;
}

interface BatchRow {
  batch_id: string; district_id: string; school_year: number; year_choice: SchoolYearChoice; kind: ResyncKind;
  initiator: Initiator; requested_by: string | null; check_dependencies: boolean; requested_objects: string[] | null;
  workflow_id: string; status: BatchStatus; requested_at: Date; started_at: Date | null; finished_at: Date | null;
  planned_objects: number; processed: number; errors: number; sent: number; deleted: number; failure: string | null; plan: Plan | null;
  cancel_requested_by: string | null; cancel_requested_at: Date | null; method: ResyncMethod; selection: RecordSetRequest | null;
}

function toBatch(row: BatchRow): BatchRecord {
  return {
    batchId: row.batch_id, districtId: row.district_id, schoolYear: row.school_year, yearChoice: row.year_choice,
    kind: row.kind, initiator: row.initiator, requestedBy: row.requested_by ?? '', checkDependencies: row.check_dependencies,
    requestedObjects: row.requested_objects, workflowId: row.workflow_id, status: row.status, requestedAt: row.requested_at,
    startedAt: row.started_at, finishedAt: row.finished_at, plannedObjects: row.planned_objects, processed: row.processed,
    errors: row.errors, sent: row.sent, deleted: row.deleted, failure: row.failure, plan: row.plan,
    cancelRequestedBy: row.cancel_requested_by, cancelRequestedAt: row.cancel_requested_at, method: row.method, selection: row.selection,
  };
}

/** Records who asked to cancel a batch (the first request counts); a batch that has already
 *  ended keeps no cancel request (it was not cancelled). */
export async function recordCancelRequested(sql: Queryable, batchId: string, by: string): Promise<void> {
  await sql`update resync.batch set cancel_requested_by = coalesce(cancel_requested_by, ${by}),
    cancel_requested_at = coalesce(cancel_requested_at, now()) where batch_id = ${batchId} and status in ('queued', 'running')`;
}

/**
 * Records a batch as queued. Idempotent for the same request (a retried activity records it once);
 * a different request with the same batch id is refused, never merged into the other batch.
 * @throws BatchIdCollisionError when the id belongs to another district's or workflow's batch
 */
export async function insertQueuedBatch(sql: Queryable, batch: NewBatch): Promise<void> {
  const inserted = await sql`insert into resync.batch ${sql({
    batch_id: batch.batchId, district_id: batch.districtId, school_year: batch.schoolYear, year_choice: batch.yearChoice,
    kind: batch.kind, initiator: batch.initiator, requested_by: batch.requestedBy, check_dependencies: batch.checkDependencies,
    requested_objects: batch.requestedObjects ? [...batch.requestedObjects] : null, workflow_id: batch.workflowId, status: 'queued',
    method: batch.method ?? 'copy', selection: batch.selection ? sql.json(batch.selection as never) : null,
  })} on conflict (batch_id) do update set batch_id = excluded.batch_id
    where resync.batch.district_id = excluded.district_id and resync.batch.workflow_id = excluded.workflow_id
  returning 1`;
  if (inserted.count !== 1) throw new BatchIdCollisionError(batch.batchId);
}

/** Records that a batch starts, with its plan and its planned objects (pending), in one transaction. */
export async function markBatchRunning(sql: Sql, batchId: string, plan: Plan): Promise<void> {
  await sql.begin(async (tx) => {
    const planned = await insertPlannedObjects(tx, batchId, plan);
    await tx`update resync.batch set status = 'running', started_at = coalesce(started_at, now()),
      planned_objects = ${planned}, plan = ${tx.json(plan as never)} where batch_id = ${batchId} and status in ('queued', 'running')`;
  });
}

/** Ends a batch: objects that never finished end as cancelled, and the batch's totals are the sums
 *  of its objects, so they always agree. */
export async function finishBatch(
  sql: Sql, batchId: string, status: FinishedBatchStatus, failure: string | null,
): Promise<BatchRecord | undefined> {
  return sql.begin(async (tx) => {
    await cancelUnfinishedObjects(tx, batchId);
    return finishBatchRow(tx, batchId, status, failure);
  }) as Promise<BatchRecord | undefined>;
}

/** Ends a batch that never started as cancelled; a batch that started records its own end.
 *  @returns false when the batch had started (or already ended) */
export async function finishUnstartedBatch(sql: Sql, batchId: string, failure: string): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [row] = await tx`select status from resync.batch where batch_id = ${batchId} for update`;
    if (row?.status !== 'queued') return false;
    await cancelUnfinishedObjects(tx, batchId);
    await finishBatchRow(tx, batchId, 'cancelled', failure);
    return true;
  }) as Promise<boolean>;
}

async function finishBatchRow(sql: Queryable, batchId: string, status: FinishedBatchStatus, failure: string | null): Promise<BatchRecord | undefined> {
  const [row] = await sql<BatchRow[]>`update resync.batch b set status = ${status}, failure = ${failure}, finished_at = now(),
      processed = totals.processed, errors = totals.errors, sent = totals.sent, deleted = totals.deleted
    from (select coalesce(sum(processed), 0) as processed, coalesce(sum(errors), 0) as errors,
            coalesce(sum(sent), 0) as sent, coalesce(sum(deleted), 0) as deleted
          from resync.batch_object where batch_id = ${batchId}) totals
    where b.batch_id = ${batchId} returning b.*`;
  return row ? toBatch(row) : undefined;
}

export async function getBatch(sql: Queryable, batchId: string): Promise<BatchRecord | undefined> {
  const [row] = await sql<BatchRow[]>`select * from resync.batch where batch_id = ${batchId}`;
  return row ? toBatch(row) : undefined;
}

export async function listBatches(
  sql: Sql, districtId: string, page: { limit: number; offset: number; schoolYear?: number },
): Promise<{ batches: BatchRecord[]; total: number }> {
  const yearFilter = page.schoolYear === undefined ? sql`` : sql`and school_year = ${page.schoolYear}`;
  const rows = await sql<BatchRow[]>`select * from resync.batch where district_id = ${districtId} ${yearFilter}
    order by requested_at desc, batch_id desc limit ${page.limit} offset ${page.offset}`;
  const [count] = await sql`select count(*)::int as total from resync.batch where district_id = ${districtId} ${yearFilter}`;
  return { batches: rows.map(toBatch), total: Number(count?.total ?? 0) };
}

/** The district's batches that are queued or running, every school year, oldest request first. */
export async function listActiveBatches(sql: Queryable, districtId: string): Promise<BatchRecord[]> {
  const rows = await sql<BatchRow[]>`select * from resync.batch where district_id = ${districtId} and status in ('queued', 'running')
    order by requested_at, batch_id`;
  return rows.map(toBatch);
}

/** Batches in the history by status and initiator (the API's Prometheus gauge). */
export async function countBatchesByStatus(sql: Sql): Promise<{ status: BatchStatus; initiator: Initiator; count: number }[]> {
  const rows = await sql`select status, initiator, count(*)::int as n from resync.batch group by status, initiator`;
  return rows.map((row) => ({ status: row.status as BatchStatus, initiator: row.initiator as Initiator, count: Number(row.n) }));
}
