// Key-range progress of an object's copy: each range's bounds, cursor (the last id committed to
// the state) and counts. The cursor advances only in the transaction that commits its page, and
// only from the value the committing attempt started from, so a page is never counted twice.
import type { Queryable } from './db';
import { firstStateRecord } from './district-records';
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

const toRange = (row: RangeRow): BatchRange => ({
  lowExclusive: row.low_exclusive, highInclusive: row.high_inclusive, cursor: row.cursor, processed: row.processed,
  errors: row.errors, sent: row.sent, done: row.done, fresh: row.fresh,
});

export async function getRange(sql: Queryable, key: RangeKey): Promise<BatchRange | undefined> {
  const [row] = await sql<RangeRow[]>`select * from resync.batch_range
    where batch_id = ${key.batchId} and object = ${key.object} and range_index = ${key.rangeIndex}`;
  return row ? toRange(row) : undefined;
}

/**
 * Plans each of `objects` as one range, open at both ends, and marks the objects it planned
 * running — one statement however many objects (a district's 40-odd small objects each did one,
 * a level now does one): a range is fresh when the state holds none of the district's records of
 * its object (and year). An object's start is recorded by its first page (advanceRange), so an
 * object of a level waiting for a free runner does not count the wait as its copy. A range
 * planned before (a retry) is kept, with its progress, and returned as it stands; its object's
 * status is then left as is.
 * @returns each object's range, by object
 * @throws Error when a range can be found neither planned nor planned before
 */
export async function planSingleRanges(
  sql: Queryable, batchId: string, objects: readonly string[], districtId: string, schoolYear: number,
): Promise<Map<string, BatchRange>> {
  if (objects.length === 0) return new Map();
  const values = objects.map((object) => sql`(${batchId}, ${object}, 0, null::bigint, null::bigint, (${firstStateRecord(sql, districtId, object, schoolYear)}) is null)`)
    .reduce((list, row) => sql`${list}, ${row}`);
  const rows = await sql<(RangeRow & { object: string })[]>`with planned as (
      insert into resync.batch_range (batch_id, object, range_index, low_exclusive, high_inclusive, fresh)
      values ${values}
      on conflict do nothing
      returning *),
    running as (update resync.batch_object set status = 'running'
      where batch_id = ${batchId} and object in (select object from planned))
    select * from planned
    union all
    select * from resync.batch_range where batch_id = ${batchId} and object = any(${objects as string[]}::text[]) and range_index = 0`;
  const ranges = new Map(rows.map((row) => [row.object, toRange(row)]));
  for (const object of objects) {
    if (ranges.has(object)) continue;
    // Another attempt planned it while this statement ran: its row is newer than this statement's
    // snapshot, so read it now.
    const planned = await getRange(sql, { batchId, object, rangeIndex: 0 });
    if (!planned) throw new Error(`planning range 0 of ${object} in batch ${batchId} found no range`);
    ranges.set(object, planned);
  }
  return ranges;
}

/** One object's single range (planSingleRanges). */
export async function planSingleRange(
  sql: Queryable, key: { batchId: string; object: string }, districtId: string, schoolYear: number,
): Promise<BatchRange> {
  const ranges = await planSingleRanges(sql, key.batchId, [key.object], districtId, schoolYear);
  return ranges.get(key.object) as BatchRange;
}

/** The assignments that record an object completed (as finishObject does) where `condition`
 *  holds, and leave it as it is otherwise. Its finish is the clock's time: `now()` is when the
 *  transaction began — in a page's transaction, before the page was copied. `start: false` where
 *  the statement records the object's start itself. */
const COMPLETED_WHEN = (condition: string, { start = true } = {}) => `status = case when ${condition} then 'completed' else o.status end,
        failure = case when ${condition} then null else o.failure end,
        finished_at = case when ${condition} then clock_timestamp() else o.finished_at end${start ? `,
        started_at = case when ${condition} then coalesce(o.started_at, clock_timestamp()) else o.started_at end` : ''}`;

/**
 * Moves a range's cursor past a committed page and adds its counts to the range and to its object
 * (one statement: a page's bookkeeping is most of a small object's round trips), recording the
 * object's start with its first page (when the page's transaction began) — only if the
 * cursor is still where this attempt found it. Run it in the page's transaction. `last`: the page
 * was the range's last (fewer records than a page), so the range is done with it (no finishRange
 * after). `completesObject`: the range is its object's only one, so with the last page the object
 * is recorded completed too (no finishObject after: one commit per small object, not two).
 * @returns false when another attempt moved the range on (the caller rolls its page back)
 */
export async function advanceRange(
  tx: StatementRunner, key: RangeKey, expectedCursor: number | null, page: { cursor: number; processed: number; errors: number; sent: number },
  last = false, completesObject = false,
): Promise<boolean> {
  // Every data-modifying part of a WITH runs to completion: the object's counts move with the range.
  const { rows } = await tx.run<{ advanced: number }>(`with advanced as (
      update resync.batch_range set cursor = $4::bigint, processed = processed + $5::bigint,
        errors = errors + $6::bigint, sent = sent + $7::bigint, done = done or $9::boolean
      where batch_id = $1 and object = $2 and range_index = $3::int and cursor is not distinct from $8::bigint
      returning batch_id, object
    ), counted as (
      update resync.batch_object o set processed = o.processed + $5::bigint, errors = o.errors + $6::bigint, sent = o.sent + $7::bigint,
        started_at = coalesce(o.started_at, now()), ${COMPLETED_WHEN('$10::boolean', { start: false })}
      from advanced a where o.batch_id = a.batch_id and o.object = a.object
      returning 1
    )
    select count(*)::int as advanced from advanced`,
  [key.batchId, key.object, key.rangeIndex, page.cursor, page.processed, page.errors, page.sent, expectedCursor, last, last && completesObject]);
  return Number(rows[0]?.advanced ?? 0) === 1;
}

/** Marks a range done — only if its cursor is still the one this attempt ended at; with
 *  `completesObject` (the object's only range) its object is recorded completed in the same
 *  statement.
 *  @returns false when another attempt finished or moved it */
export async function finishRange(sql: Queryable, key: RangeKey, cursor: number | null, completesObject = false): Promise<boolean> {
  const [row] = await sql.unsafe(`with finished as (
      update resync.batch_range set done = true
      where batch_id = $1 and object = $2 and range_index = $3::int and cursor is not distinct from $4::bigint
      returning batch_id, object
    ), completed as (
      update resync.batch_object o set ${COMPLETED_WHEN('$5::boolean')}
      from finished f where $5::boolean and o.batch_id = f.batch_id and o.object = f.object
      returning 1
    )
    select count(*)::int as finished from finished`, [key.batchId, key.object, key.rangeIndex, cursor, completesObject] as never[]);
  return Number(row?.finished ?? 0) === 1;
}

/** Objects of the batch (among `objects`) whose every range was planned fresh: the state held none
 *  of their records, so everything there now was written by this batch and nothing can be stale. */
export async function objectsAllFresh(sql: Queryable, batchId: string, objects: readonly string[]): Promise<Set<string>> {
  const rows = await sql`select object from resync.batch_range where batch_id = ${batchId} and object = any(${objects as string[]}::text[])
    group by object having bool_and(fresh)`;
  return new Set(rows.map((row) => String(row.object)));
}
