// One page of a copy, after its records have been staged or written: what happened to it, and the
// rest of its transaction — records no longer allowed removed with those under them, records the
// district no longer has removed (a record set, a differential page), the error log, kept records,
// and the range's progress (the cursor advances only from where this attempt found it). Shared by
// the keyset copy (sync-range.ts), the record-set copy (record-set-copy.ts) and the differential
// copy (differential.ts).
import { addDifferentialCounts, addRemovedCounts } from '../../data/batch-objects';
import { advanceRange, type RangeKey } from '../../data/batch-ranges';
import { parseExclusionCause, type ExclusionBranches, type ExclusionCause } from '../../data/schema/exclusion';
import type { StatementRunner } from '../../data/statement-runner';
import { logSyncErrors, type NewSyncError } from '../../data/sync-errors';
import { CATALOG, SupersededAttemptError, type BatchObjectRef, type CatalogObject } from '../../domain';
import { mergeIsolating, toOrphans, type Orphan, type Refusal } from './isolate';
import type { ObjectStatements } from './statements';

export interface PageInput extends BatchObjectRef {
  readonly rangeIndex: number;
}

export const rangeKey = (input: PageInput): RangeKey => ({ batchId: input.batchId, object: input.object, rangeIndex: input.rangeIndex });

/** A record of the page that may not reach the state, and the record that excludes it (itself,
 *  or an excluded ancestor). */
export interface NotAllowed {
  readonly id: number;
  readonly cause: ExclusionCause;
}

/** What a differential page found: records written because the state lacked them (inserted) or
 *  held them otherwise (updated), and records the state already held as they are (unchanged). */
export interface DifferentialCounts {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
}

/** What happened to one page, whichever way it travelled. */
export interface PageOutcome {
  readonly processed: number;
  readonly cursor: number | null;
  readonly written: number;
  readonly notAllowed: readonly NotAllowed[];
  readonly orphans: readonly Orphan[];
  readonly refused: readonly Refusal[];
  /** Records of the page the district does not hold (a record set's ids): removed from the state
   *  with those under them when it holds them, else reported as unknown. */
  readonly missing?: readonly number[];
  /** Records the state holds that the district no longer has (a full differential resync):
   *  removed with those under them. */
  readonly extras?: readonly number[];
  readonly differential?: DifferentialCounts;
}

export interface PageRequest {
  readonly input: PageInput;
  /** The range's cursor as this attempt knows it; the page commits only if it is still so. */
  readonly expectedCursor: number | null;
  /** The state held none of the object's records when the range was planned. */
  readonly fresh: boolean;
  readonly object: CatalogObject;
  readonly statements: ObjectStatements;
  readonly schema: string;
  /** The district's exclusion branches for this batch (see findExclusionBranches). */
  readonly branches: ExclusionBranches;
  readonly after: string;
  readonly high: string;
  readonly pageSize: number;
  /** A differential resync copying a fresh range: every record written is one inserted. */
  readonly countInserted?: boolean;
  /** The range is its object's only one: the page that ends it records the object completed. */
  readonly completesObject?: boolean;
}

export interface CommittedPage {
  readonly processed: number;
  readonly cursor: number | null;
  readonly sent: number;
  readonly errors: number;
  /** The page was the range's last and marked it done in its transaction. */
  readonly rangeDone?: boolean;
}

function errorEntries(input: PageInput, object: CatalogObject, moved: PageOutcome, unknown: readonly number[]): NewSyncError[] {
  const entries = new Map<number, NewSyncError>();
  const add = (recordId: number, reasonCode: NewSyncError['reasonCode'], reason: string, cause?: NewSyncError['cause']) => {
    if (!entries.has(recordId)) entries.set(recordId, { batchId: input.batchId, object: input.object, recordId, reasonCode, reason, ...(cause ? { cause } : {}) });
  };
  for (const { id, cause } of moved.notAllowed) {
    if (cause.object === object.name && cause.recordId === id) {
      add(id, 'not-allowed', `not allowed to sync: ${object.exclusionFlag ?? 'excluded by the state'}`);
    } else {
      add(id, 'not-allowed', `not allowed to sync: its ${cause.object} ${cause.recordId} is a ${CATALOG.get(cause.object).exclusionFlag ?? 'record excluded by the state'}`, cause);
    }
  }
  for (const orphan of moved.orphans) {
    add(orphan.id, 'parent-missing', `parent ${orphan.parent} ${orphan.parentId} is not at the state`, { object: orphan.parent, recordId: orphan.parentId });
  }
  for (const refusal of moved.refused) add(refusal.id, refusal.code, refusal.reason);
  for (const id of unknown) add(id, 'unknown', `${object.name} ${id} is held neither by the district nor by the state`);
  return [...entries.values()];
}

/** A page's counts, cursor and not-allowed records as one of the page statements returns them. */
export function outcomeOf(row: Record<string, unknown> | undefined, write: { written: number; orphans: readonly Orphan[]; refused: readonly Refusal[] }): PageOutcome {
  const notAllowed = ((row?.not_allowed ?? []) as { id: number | string; cause: string }[])
    .map((entry) => ({ id: Number(entry.id), cause: parseExclusionCause(entry.cause) }));
  return {
    processed: Number(row?.processed ?? 0), cursor: row?.cursor === null || row?.cursor === undefined ? null : Number(row.cursor),
    notAllowed, ...write,
  };
}

/** The staged page merged in one statement (a refused record fails it), or part by part. */
export async function mergeStaged(tx: StatementRunner, page: PageRequest, isolate: boolean): Promise<PageOutcome> {
  const { input, statements } = page;
  if (!isolate) {
    const [row] = (await tx.run(statements.mergeStage(page.fresh), [input.districtId, input.batchId])).rows;
    return outcomeOf(row, { written: Number(row?.written ?? 0), orphans: toOrphans(row?.orphans), refused: [] });
  }
  const [summary] = (await tx.run(statements.stageSummary)).rows;
  return outcomeOf(summary, await mergeIsolating(tx, statements, input.districtId, input.batchId));
}

/** Removes these records from the state with every record under them, and counts what went. */
async function removeWithDescendants(tx: StatementRunner, page: PageRequest, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const { input, statements } = page;
  const removed = await tx.run<{ object: string; removed: number | string }>(statements.removeWithDescendants, [input.districtId, ids]);
  await addRemovedCounts(tx, input.batchId, input.object, new Map(removed.rows.map((row) => [row.object, Number(row.removed)])));
}

/** Of these records, the ones the state holds. */
async function heldAtState(tx: StatementRunner, page: PageRequest, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const held = (await tx.run<{ id: number | string }>(page.statements.held, [page.input.districtId, ids])).rows;
  return held.map((row) => Number(row.id));
}

/** The rest of a page's transaction once its records are written: removals, error log, kept
 *  records and the range's progress. */
export async function settlePage(tx: StatementRunner, page: PageRequest, moved: PageOutcome): Promise<CommittedPage> {
  const { input, object } = page;
  if (moved.processed === 0 || moved.cursor === null) {
    // Past the district's last record: only what the state still holds there goes.
    await removeWithDescendants(tx, page, moved.extras ?? []);
    return { processed: 0, cursor: null, sent: 0, errors: 0 };
  }
  // A fresh range skips the look: the state held none of the object's records, so none under them.
  if (!page.fresh) await removeWithDescendants(tx, page, await heldAtState(tx, page, moved.notAllowed.map((record) => record.id)));
  const missing = moved.missing ?? [];
  const missingHeld = await heldAtState(tx, page, missing);
  await removeWithDescendants(tx, page, missingHeld);
  await removeWithDescendants(tx, page, moved.extras ?? []);
  const held = new Set(missingHeld);
  const errors = errorEntries(input, object, moved, missing.filter((id) => !held.has(id)));
  // The state's previous copy of a record it refused this time stays: a full resync's prune
  // passes over the records the batch logged errors for.
  if (errors.length > 0) await logSyncErrors(tx, errors);
  const counts = { processed: moved.processed, errors: errors.length, sent: moved.written };
  // A short page is the range's last: it ends the range in its own transaction.
  const last = moved.processed < page.pageSize;
  if (!(await advanceRange(tx, rangeKey(input), page.expectedCursor, { cursor: moved.cursor, ...counts }, last, page.completesObject))) {
    throw new SupersededAttemptError(`range ${input.rangeIndex} of ${input.object} moved past cursor ${page.expectedCursor} without this attempt`);
  }
  const differential = moved.differential ?? (page.countInserted ? { inserted: moved.written, updated: 0, unchanged: 0 } : undefined);
  if (differential) await addDifferentialCounts(tx, input.batchId, input.object, differential);
  return { processed: moved.processed, cursor: moved.cursor, sent: moved.written, errors: errors.length, rangeDone: last };
}
