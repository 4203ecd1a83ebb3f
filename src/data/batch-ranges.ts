// Key-range progress of an object's copy: each range's bounds, cursor (the last id committed to
// the state) and counts. The cursor advances only in the transaction that commits its page, and
// only from the value the committing attempt started from, so a page is never counted twice.
import type { Queryable } from './db';
import type { StatementRunner } from './statement-runner';

export interface BatchRange {
  /** The range covers ids in (lowExclusive, highInclusive]; null bounds are open. */
  readonly lowExclusive: number | null;
  readonly highInclusive: number | null;
  /** Last id written to the state (null: nothing yet). */
  readonly cursor: number | null;
  readonly processed: number;
  readonly errors: number;
  readonly sent: number;
  readonly done: boolean;
  /** The state held none of the object's records for the district when the range was planned. */
  readonly fresh: boolean;
}

export interface RangeKey {
  readonly batchId: string;
  readonly object: string;
  readonly rangeIndex: number;
}

interface RangeRow {
  low_exclusive: number | null; high_inclusive: number | null; cursor: number | null;
  processed: number; errors: number; sent: number; done: boolean; fresh: boolean;
}

export async function countRanges(sql: Queryable, batchId: string, object: string): Promise<number> {
  const [row] = await sql`select count(*)::int as ranges from resync.batch_range where batch_id = ${batchId} and object = ${object}`;
  return Number(row?.ranges ?? 0);
}

/** Records an object's ranges (idempotent: a retried planning keeps the first bounds). */
export async function insertRanges(
  sql: Queryable, batchId: string, object: string, ranges: readonly { lowExclusive: number | null; highInclusive: number | null }[], fresh: boolean,
): Promise<void> {
  const rows = ranges.map((range, index) => ({
    batch_id: batchId, object, range_index: index, low_exclusive: range.lowExclusive, high_inclusive: range.highInclusive, fresh,
  }));
  await sql`insert into resync.batch_range ${sql(rows)} on conflict do nothing`;
}

export async function getRange(sql: Queryable, key: RangeKey): Promise<BatchRange | undefined> {
  const [row] = await sql<RangeRow[]>`select * from resync.batch_range
    where batch_id = ${key.batchId} and object = ${key.object} and range_index = ${key.rangeIndex}`;
  return row ? {
    lowExclusive: row.low_exclusive, highInclusive: row.high_inclusive, cursor: row.cursor, processed: row.processed,
    errors: row.errors, sent: row.sent, done: row.done, fresh: row.fresh,
  } : undefined;
}

/**
 * Moves a range's cursor past a committed page and adds its counts — only if the cursor is still
 * where this attempt found it. Run it in the page's transaction.
 * @returns false when another attempt moved the range on (the caller rolls its page back)
 */
export async function advanceRange(
  tx: StatementRunner, key: RangeKey, expectedCursor: number | null, page: { cursor: number; processed: number; errors: number; sent: number },
): Promise<boolean> {
  const advanced = await tx.run(`update resync.batch_range set cursor = $4::bigint, processed = processed + $5::bigint,
      errors = errors + $6::bigint, sent = sent + $7::bigint
    where batch_id = $1 and object = $2 and range_index = $3::int and cursor is not distinct from $8::bigint`,
  [key.batchId, key.object, key.rangeIndex, page.cursor, page.processed, page.errors, page.sent, expectedCursor]);
  return advanced.count === 1;
}

/** Marks a range done — only if its cursor is still the one this attempt ended at.
 *  @returns false when another attempt finished or moved it */
export async function finishRange(sql: Queryable, key: RangeKey, cursor: number | null): Promise<boolean> {
  const finished = await sql`update resync.batch_range set done = true
    where batch_id = ${key.batchId} and object = ${key.object} and range_index = ${key.rangeIndex}
      and cursor is not distinct from ${cursor}::bigint`;
  return finished.count === 1;
}

/** True when every range of the object was planned fresh: the state held none of its records, so
 *  everything there now was written by this batch and nothing can be stale. */
export async function allRangesFresh(sql: Queryable, batchId: string, object: string): Promise<boolean> {
  const [row] = await sql`select bool_and(fresh) as fresh from resync.batch_range where batch_id = ${batchId} and object = ${object}`;
  return row?.fresh === true;
}
