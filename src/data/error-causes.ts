// The error log grouped by the record that caused the errors (the missing parent, the excluded
// ancestor): "Enrollment 2131 is a state-excluded enrollment → 8 AttendanceExactCount records".
import type { Queryable } from './db';
import type { ErrorCause, ErrorReasonCode } from './sync-errors';

export interface ErrorCauseGroup {
  readonly cause: ErrorCause;
  /** The object whose records failed because of it. */
  readonly object: string;
  readonly reasonCode: ErrorReasonCode;
  /** One of the entries' reasons (they read alike within a group). */
  readonly reason: string;
  readonly count: number;
}

/**
 * The causes of a batch's errors (optionally of one object's), most records first, and how many
 * distinct causes there are in all. Entries without a cause (a record refused for its own data,
 * or excluded itself) are not grouped.
 */
export async function listErrorCauses(
  sql: Queryable, batchId: string, filter: { object?: string; limit: number },
): Promise<{ causes: ErrorCauseGroup[]; total: number }> {
  const objectFilter = filter.object === undefined ? sql`` : sql`and object = ${filter.object}`;
  const [rows, [counted]] = await Promise.all([
    sql<{ cause_object: string; cause_record_id: number; object: string; reason_code: ErrorReasonCode; reason: string; count: number }[]>`
      select cause_object, cause_record_id, object, reason_code, min(reason) as reason, count(*)::int as count
      from resync.sync_error where batch_id = ${batchId} ${objectFilter} and cause_object is not null
      group by cause_object, cause_record_id, object, reason_code
      order by count(*) desc, cause_object, cause_record_id, object limit ${filter.limit}`,
    sql<{ total: number }[]>`select count(*)::int as total from (select distinct cause_object, cause_record_id, object, reason_code
      from resync.sync_error where batch_id = ${batchId} ${objectFilter} and cause_object is not null) c`,
  ]);
  return {
    causes: rows.map((row) => ({
      cause: { object: row.cause_object, recordId: Number(row.cause_record_id) }, object: row.object,
      reasonCode: row.reason_code, reason: row.reason, count: Number(row.count),
    })),
    total: Number(counted?.total ?? 0),
  };
}
