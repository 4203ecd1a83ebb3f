// The batch history (the seed's DISBatchHistory): every batch and every object result, kept.
// Written by the workflows' activities, read by the API.
import { statusColour, type ObjectOutcome, type Plan, type SchoolYearChoice, type StatusColour } from '../domain';
import type { Sql } from './db';

export type BatchStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type Initiator = 'district' | 'state' | 'schedule';

export interface NewBatch {
  readonly batchId: string;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly yearChoice: SchoolYearChoice;
  readonly kind: 'full' | 'partial';
  readonly initiator: Initiator;
  readonly requestedBy: string;
  readonly checkDependencies: boolean;
  readonly requestedObjects: readonly string[] | null;
  readonly workflowId: string;
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
}

export interface ObjectResult {
  readonly object: string;
  readonly level: number;
  readonly addedByCheckDependencies: boolean;
  readonly status: ObjectOutcome;
  readonly processed: number;
  readonly errors: number;
  readonly sent: number;
  readonly deleted: number;
  readonly kept: number;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly failure: string | null;
  readonly colour: StatusColour;
  /** The post-run verification's verdict for this object (null until verified). */
  readonly verifiedInSync: boolean | null;
}

interface BatchRow {
  batch_id: string; district_id: string; school_year: number; year_choice: SchoolYearChoice; kind: 'full' | 'partial';
  initiator: Initiator; requested_by: string | null; check_dependencies: boolean; requested_objects: string[] | null;
  workflow_id: string; status: BatchStatus; requested_at: Date; started_at: Date | null; finished_at: Date | null;
  planned_objects: number; processed: number; errors: number; sent: number; deleted: number; failure: string | null; plan: Plan | null;
}

interface ObjectRow {
  object: string; level: number; added_by_check_dependencies: boolean; status: ObjectOutcome; processed: number; errors: number;
  sent: number; deleted: number; kept: number; started_at: Date | null; finished_at: Date | null; failure: string | null;
  verified_in_sync: boolean | null;
}

function toBatch(row: BatchRow): BatchRecord {
  return {
    batchId: row.batch_id, districtId: row.district_id, schoolYear: row.school_year, yearChoice: row.year_choice,
    kind: row.kind, initiator: row.initiator, requestedBy: row.requested_by ?? '', checkDependencies: row.check_dependencies,
    requestedObjects: row.requested_objects, workflowId: row.workflow_id, status: row.status, requestedAt: row.requested_at,
    startedAt: row.started_at, finishedAt: row.finished_at, plannedObjects: row.planned_objects, processed: row.processed,
    errors: row.errors, sent: row.sent, deleted: row.deleted, failure: row.failure, plan: row.plan,
  };
}

export function toObjectResult(row: ObjectRow): ObjectResult {
  return {
    object: row.object, level: row.level, addedByCheckDependencies: row.added_by_check_dependencies, status: row.status,
    processed: row.processed, errors: row.errors, sent: row.sent, deleted: row.deleted, kept: row.kept,
    startedAt: row.started_at, finishedAt: row.finished_at, failure: row.failure,
    colour: statusColour(row.status, row), verifiedInSync: row.verified_in_sync,
  };
}

export async function insertQueuedBatch(sql: Sql, batch: NewBatch): Promise<void> {
  await sql`insert into resync.batch ${sql({
    batch_id: batch.batchId, district_id: batch.districtId, school_year: batch.schoolYear, year_choice: batch.yearChoice,
    kind: batch.kind, initiator: batch.initiator, requested_by: batch.requestedBy, check_dependencies: batch.checkDependencies,
    requested_objects: batch.requestedObjects ? [...batch.requestedObjects] : null, workflow_id: batch.workflowId, status: 'queued',
  })} on conflict (batch_id) do nothing`;
}

export async function markBatchRunning(sql: Sql, batchId: string, plan: Plan): Promise<void> {
  const objects = plan.levels.flatMap((level, index) => level.map((object) => ({
    batch_id: batchId, object, level: index + 1, status: 'pending',
    added_by_check_dependencies: plan.addedByCheckDependencies.includes(object),
  })));
  await sql.begin(async (tx) => {
    await tx`update resync.batch set status = 'running', started_at = coalesce(started_at, now()),
      planned_objects = ${objects.length}, plan = ${tx.json(plan as never)} where batch_id = ${batchId} and status in ('queued', 'running')`;
    if (objects.length > 0) await tx`insert into resync.batch_object ${tx(objects)} on conflict do nothing`;
  });
}

export async function markObjectsSkipped(sql: Sql, batchId: string, skipped: readonly { object: string; reason: string }[]): Promise<void> {
  for (const { object, reason } of skipped) {
    await sql`update resync.batch_object set status = 'skipped', failure = ${reason}, finished_at = now()
      where batch_id = ${batchId} and object = ${object} and status = 'pending'`;
  }
}

export async function finishObject(
  sql: Sql, batchId: string, object: string, outcome: 'completed' | 'failed' | 'cancelled', failure: string | null,
): Promise<ObjectResult> {
  const [row] = await sql<ObjectRow[]>`update resync.batch_object set status = ${outcome}, failure = ${failure},
      finished_at = now(), started_at = coalesce(started_at, now())
    where batch_id = ${batchId} and object = ${object} returning *`;
  if (!row) throw new Error(`batch ${batchId} has no object ${object}`);
  return toObjectResult(row);
}

export async function finishBatch(
  sql: Sql, batchId: string, status: 'completed' | 'failed' | 'cancelled', failure: string | null,
): Promise<BatchRecord | undefined> {
  return sql.begin(async (tx) => {
    // Objects that never started end with the batch.
    await tx`update resync.batch_object set status = 'cancelled', finished_at = now()
      where batch_id = ${batchId} and status in ('pending', 'running')`;
    const [row] = await tx<BatchRow[]>`update resync.batch b set status = ${status}, failure = ${failure}, finished_at = now(),
        processed = totals.processed, errors = totals.errors, sent = totals.sent, deleted = totals.deleted
      from (select coalesce(sum(processed), 0) as processed, coalesce(sum(errors), 0) as errors,
              coalesce(sum(sent), 0) as sent, coalesce(sum(deleted), 0) as deleted
            from resync.batch_object where batch_id = ${batchId}) totals
      where b.batch_id = ${batchId} returning b.*`;
    return row ? toBatch(row) : undefined;
  }) as Promise<BatchRecord | undefined>;
}

export async function getBatch(sql: Sql, batchId: string): Promise<BatchRecord | undefined> {
  const [row] = await sql<BatchRow[]>`select * from resync.batch where batch_id = ${batchId}`;
  return row ? toBatch(row) : undefined;
}

export async function listBatchObjects(sql: Sql, batchId: string): Promise<ObjectResult[]> {
  const rows = await sql<ObjectRow[]>`select * from resync.batch_object where batch_id = ${batchId} order by level, object`;
  return rows.map(toObjectResult);
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

export interface ObjectTableRow extends ObjectResult {
  readonly batchId: string;
  readonly lastResync: Date | null;
}

/** The tool's table: per object, the result of the latest batch of the district and year that
 *  included it. District users do not see state-initiated batches' objects (DESIGN §2.6). */
export async function latestObjectResults(
  sql: Sql, districtId: string, schoolYear: number, options: { includeStateBatches: boolean },
): Promise<Map<string, ObjectTableRow>> {
  const initiators = options.includeStateBatches ? ['district', 'state', 'schedule'] : ['district', 'schedule'];
  const rows = await sql<(ObjectRow & { batch_id: string; batch_started_at: Date | null })[]>`
    select distinct on (o.object) o.*, b.started_at as batch_started_at
    from resync.batch_object o join resync.batch b using (batch_id)
    where b.district_id = ${districtId} and b.school_year = ${schoolYear} and b.initiator = any(${initiators})
      and b.started_at is not null
    order by o.object, b.started_at desc, b.batch_id desc`;
  return new Map(rows.map((row) => [row.object, { ...toObjectResult(row), batchId: row.batch_id, lastResync: row.batch_started_at }]));
}

export interface SyncErrorEntry {
  readonly object: string;
  readonly recordId: number;
  readonly reasonCode: string;
  readonly reason: string;
  readonly loggedAt: Date;
}

export async function listErrors(
  sql: Sql, batchId: string, filter: { object?: string; limit: number; offset: number },
): Promise<{ errors: SyncErrorEntry[]; total: number; reasons: { reasonCode: string; object: string; count: number }[] }> {
  const objectFilter = filter.object === undefined ? sql`` : sql`and object = ${filter.object}`;
  const rows = await sql`select object, record_id, reason_code, reason, logged_at from resync.sync_error
    where batch_id = ${batchId} ${objectFilter} order by object, record_id limit ${filter.limit} offset ${filter.offset}`;
  const groups = await sql`select object, reason_code, count(*)::int as count from resync.sync_error
    where batch_id = ${batchId} ${objectFilter} group by object, reason_code order by object, reason_code`;
  return {
    errors: rows.map((row) => ({
      object: row.object as string, recordId: Number(row.record_id), reasonCode: row.reason_code as string,
      reason: row.reason as string, loggedAt: row.logged_at as Date,
    })),
    total: groups.reduce((sum, group) => sum + Number(group.count), 0),
    reasons: groups.map((group) => ({ object: group.object as string, reasonCode: group.reason_code as string, count: Number(group.count) })),
  };
}
