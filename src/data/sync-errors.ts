// The error log (the seed's "district agent log", DESIGN §2.8): one entry per record of a batch
// that did not reach the state, with a reason code and a readable reason.
import { CATALOG } from '../domain';
import type { Queryable } from './db';
import { parentReferences, SCHEMA_CATALOG, STATE_SCHEMA } from './schema/columns';

import type { StatementRunner } from './statement-runner';
import { quoteIdentifier as q } from './schema/identifiers';

/** not-allowed: the state may not receive it (state-excluded, or under a state-excluded record);
 *  parent-missing: a record it references is not at the state; refused: the state refused its data. */
export type ErrorReasonCode = 'not-allowed' | 'parent-missing' | 'refused' | 'unknown';

/** The record behind an error when it is another one: the missing parent, the excluded ancestor. */
export interface ErrorCause {
  readonly object: string;
  readonly recordId: number;
}

export interface NewSyncError {
  readonly batchId: string;
  readonly object: string;
  readonly recordId: number;
  readonly reasonCode: ErrorReasonCode;
  readonly reason: string;
  readonly cause?: ErrorCause;
}

/** A SQL condition: the batch (`batchParameter`, e.g. `$2`) logged an error for the record of
 *  `object` whose id is `idExpression` (for a statement over the state's table of `object`). */
export function errorLoggedFor(batchParameter: string, object: string, idExpression: string): string {
  return `exists (select 1 from resync.sync_error e where e."batch_id" = ${batchParameter}
    and e."object" = '${CATALOG.get(object).name}' and e."record_id" = ${idExpression})`;
}

export interface SyncErrorEntry {
  readonly object: string;
  readonly recordId: number;
  readonly reasonCode: ErrorReasonCode;
  readonly reason: string;
  readonly loggedAt: Date;
  readonly cause: ErrorCause | null;
}

/** Logs errors (called in the transaction of the page they belong to); a record logged twice in
 *  one batch keeps its first entry. */
export async function logSyncErrors(tx: StatementRunner, errors: readonly NewSyncError[]): Promise<void> {
  if (errors.length === 0) return;
  await tx.run(`insert into resync.sync_error (batch_id, object, record_id, reason_code, reason, cause_object, cause_record_id)
    select * from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[])
    on conflict do nothing`, [
    errors.map((error) => error.batchId), errors.map((error) => error.object), errors.map((error) => error.recordId),
    errors.map((error) => error.reasonCode), errors.map((error) => error.reason),
    errors.map((error) => error.cause?.object ?? null), errors.map((error) => error.cause?.recordId ?? null),
  ]);
}

/**
 * A page of a batch's error log, its total and its counts per object and reason code.
 * `object` narrows to one object, `cause` to the records one record caused; `order: 'cause'`
 * lists the records of each cause together (records without a cause last).
 */
export async function listErrors(
  sql: Queryable, batchId: string,
  filter: { object?: string; cause?: ErrorCause; order?: 'record' | 'cause'; limit: number; offset: number },
): Promise<{ errors: SyncErrorEntry[]; total: number; reasons: { reasonCode: ErrorReasonCode; object: string; count: number }[] }> {
  const objectFilter = filter.object === undefined ? sql`` : sql`and object = ${filter.object}`;
  const causeFilter = filter.cause === undefined ? sql``
    : sql`and cause_object = ${filter.cause.object} and cause_record_id = ${filter.cause.recordId}`;
  const order = filter.order === 'cause' ? sql`cause_object nulls last, cause_record_id, object, record_id` : sql`object, record_id`;
  const rows = await sql`select object, record_id, reason_code, reason, logged_at, cause_object, cause_record_id from resync.sync_error
    where batch_id = ${batchId} ${objectFilter} ${causeFilter} order by ${order} limit ${filter.limit} offset ${filter.offset}`;
  const groups = await sql`select object, reason_code, count(*)::int as count from resync.sync_error
    where batch_id = ${batchId} ${objectFilter} ${causeFilter} group by object, reason_code order by object, reason_code`;
  return {
    errors: rows.map((row) => ({
      object: row.object as string, recordId: Number(row.record_id), reasonCode: row.reason_code as ErrorReasonCode,
      reason: row.reason as string, loggedAt: row.logged_at as Date,
      cause: row.cause_object ? { object: row.cause_object as string, recordId: Number(row.cause_record_id) } : null,
    })),
    total: groups.reduce((sum, group) => sum + Number(group.count), 0),
    reasons: groups.map((group) => ({ object: group.object as string, reasonCode: group.reason_code as ErrorReasonCode, count: Number(group.count) })),
  };
}

/** Errors per object and reason code for a batch (what the rollover's block looks at). */
export async function errorCountsByReason(sql: Queryable, batchId: string): Promise<Map<string, Partial<Record<ErrorReasonCode, number>>>> {
  const rows = await sql`select object, reason_code, count(*)::int as count from resync.sync_error
    where batch_id = ${batchId} group by object, reason_code`;
  const counts = new Map<string, Partial<Record<ErrorReasonCode, number>>>();
  for (const row of rows) {
    const object = row.object as string;
    counts.set(object, { ...counts.get(object), [row.reason_code as ErrorReasonCode]: Number(row.count) });
  }
  return counts;
}

/** Errors of these batches a resync can fix: the state refused the record, or a parent was missing. */
export async function countRetryableErrors(sql: Queryable, batchIds: readonly string[]): Promise<number> {
  const [row] = await sql`select count(*)::int as n from resync.sync_error
    where batch_id = any(${[...batchIds]}) and reason_code in ('parent-missing', 'refused')`;
  return Number(row?.n ?? 0);
}

/**
 * Records of the district and school year that failed in earlier batches only because a record of
 * one of `parentObjects` was missing, whose parent the state now holds and which the state still
 * lacks: what the automatic retry resyncs once a batch has landed those parents.
 * @returns the batches they failed in, and how many there are
 */
export async function deferredFailures(
  sql: Queryable, districtId: string, schoolYear: number, exceptBatchId: string, parentObjects: readonly string[],
): Promise<{ batches: string[]; records: number }> {
  const batches = new Set<string>();
  let records = 0;
  for (const parent of parentObjects) {
    const parentTable = CATALOG.get(parent).table;
    const children = SCHEMA_CATALOG.objects.filter((child) => parentReferences(child).some((reference) => reference.parent === parent));
    for (const child of children) {
      const rows = await sql.unsafe(`select e.batch_id, count(*)::int as n from resync.sync_error e join resync.batch b using (batch_id)
        where b.district_id = $1 and b.school_year = $2 and b.batch_id <> $3 and e.reason_code = 'parent-missing'
          and e.cause_object = $4 and e.object = $5
          and exists (select 1 from ${q(STATE_SCHEMA)}.${q(parentTable)} p where p."source_district" = $1 and p."id" = e.cause_record_id)
          and not exists (select 1 from ${q(STATE_SCHEMA)}.${q(child.table)} c where c."source_district" = $1 and c."id" = e.record_id)
        group by e.batch_id`, [districtId, schoolYear, exceptBatchId, parent, child.name] as never[]);
      for (const row of rows) {
        batches.add(row.batch_id as string);
        records += Number(row.n);
      }
    }
  }
  return { batches: [...batches].sort(), records };
}
