// Copies one key range of one object from a district to the state, page by page. Each page is
// one state transaction holding the records, their error-log entries and the range's progress
// (cursor and counts), so a retried attempt resumes exactly after the last committed page and
// nothing is counted twice. Only counts and the cursor leave this function.
import { addObjectCounts, addRemovedCounts } from '../../data/batch-objects';
import { advanceRange, finishRange, getRange, type RangeKey } from '../../data/batch-ranges';
import type { Sql, Tx } from '../../data/db';
import { getDistrict, type District } from '../../data/district-registry';
import type { DistrictSources } from '../../data/district-sources';
import { parseExclusionCause, type ExclusionBranches, type ExclusionCause } from '../../data/schema/exclusion';
import { logSyncErrors, type NewSyncError } from '../../data/sync-errors';
import { CATALOG, SupersededAttemptError, UnknownRangeError, type BatchObjectRef, type CatalogObject, type RecordCounts } from '../../domain';
import { MAX_ID, MIN_ID, statementsFor, type ObjectStatements } from './statements';
import { isRecordError, writePage, writePageWhole, type Orphan, type Refusal, type TextRow } from './write-page';

export interface SyncRangeInput extends BatchObjectRef {
  readonly rangeIndex: number;
  /** Records per page (default: DEFAULT_PAGE_SIZE, or IN_DATABASE_PAGE_SIZE when district and state share a database). */
  readonly pageSize?: number;
}

export interface RangeProgress extends RecordCounts {
  readonly cursor: number | null;
}

export interface RangeResult extends RangeProgress {
  readonly pages: number;
  /** The cursor this attempt started after (null: from the beginning of the range). */
  readonly resumedFrom: number | null;
}

export interface SyncHooks {
  heartbeat(progress: RangeProgress): void;
  /** Throws if the range should stop (cancellation); called between pages. */
  checkpoint(): void;
}

/** Records per page through the application: bounds the worker's memory. */
export const DEFAULT_PAGE_SIZE = 5000;
/** Records per page inside the database: records never reach the worker, so pages can be larger
 *  (fewer commits and round trips) while a cancellation still lands within a second. */
export const IN_DATABASE_PAGE_SIZE = 20_000;

export interface SyncDeps {
  readonly state: Sql;
  readonly districtSources: DistrictSources;
}

/** A district row as read: the synced columns as text, then the exclusion cause (null: allowed). */
type PageRow = readonly (string | null)[];

const rangeKey = (input: SyncRangeInput): RangeKey => ({ batchId: input.batchId, object: input.object, rangeIndex: input.rangeIndex });

/** A record of the page that may not reach the state, and the record that excludes it (itself,
 *  or an excluded ancestor). */
interface NotAllowed {
  readonly id: number;
  readonly cause: ExclusionCause;
}

function errorEntries(
  input: SyncRangeInput, object: CatalogObject, notAllowed: readonly NotAllowed[], orphans: readonly Orphan[], refused: readonly Refusal[],
): NewSyncError[] {
  const entries = new Map<number, NewSyncError>();
  const add = (recordId: number, reasonCode: NewSyncError['reasonCode'], reason: string, cause?: NewSyncError['cause']) => {
    if (!entries.has(recordId)) entries.set(recordId, { batchId: input.batchId, object: input.object, recordId, reasonCode, reason, ...(cause ? { cause } : {}) });
  };
  for (const { id, cause } of notAllowed) {
    if (cause.object === object.name && cause.recordId === id) {
      add(id, 'not-allowed', `not allowed to sync: ${object.exclusionFlag ?? 'excluded by the state'}`);
    } else {
      add(id, 'not-allowed', `not allowed to sync: its ${cause.object} ${cause.recordId} is a ${CATALOG.get(cause.object).exclusionFlag ?? 'record excluded by the state'}`, cause);
    }
  }
  for (const orphan of orphans) {
    add(orphan.id, 'parent-missing', `parent ${orphan.parent} ${orphan.parentId} is not at the state`, { object: orphan.parent, recordId: orphan.parentId });
  }
  for (const refusal of refused) add(refusal.id, refusal.code, refusal.reason);
  return [...entries.values()];
}

/** What happened to one page, whichever way it travelled. */
interface PageOutcome {
  readonly processed: number;
  readonly cursor: number | null;
  readonly written: number;
  readonly notAllowed: readonly NotAllowed[];
  readonly orphans: readonly Orphan[];
  readonly refused: readonly Refusal[];
}

interface PageRequest {
  readonly input: SyncRangeInput;
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
}

/** Through the application: read the page from the district's database and write it to the state
 *  in one statement (or, when `isolate`, record by record where the state refuses some). */
async function movePageThroughApp(tx: Tx, source: Sql, page: PageRequest, isolate: boolean): Promise<PageOutcome> {
  const { input, object, statements } = page;
  const params = object.yearTied ? [input.schoolYear, page.after, page.high, page.pageSize] : [page.after, page.high, page.pageSize];
  const rows = (await source.unsafe(statements.readPage(page.schema, page.branches), params as never[]).values()) as unknown as PageRow[];
  const causeAt = statements.columns.length;
  const allowed = rows.filter((row) => row[causeAt] === null);
  const write = await (isolate ? writePage : writePageWhole)(tx, statements, input.districtId, input.batchId, allowed as TextRow[]);
  return {
    processed: rows.length, cursor: rows.length > 0 ? Number(rows.at(-1)?.[0]) : null, written: write.written,
    notAllowed: rows.filter((row) => row[causeAt] !== null).map((row) => ({ id: Number(row[0]), cause: parseExclusionCause(String(row[causeAt])) })),
    orphans: write.orphans, refused: write.refused,
  };
}

/** Inside one database: the page never leaves PostgreSQL. A record the state refuses fails the
 *  statement (and the transaction). */
async function movePageInDatabase(tx: Tx, page: PageRequest): Promise<PageOutcome> {
  const { input, object, statements } = page;
  const params = object.yearTied
    ? [input.districtId, input.batchId, input.schoolYear, page.after, page.high, page.pageSize]
    : [input.districtId, input.batchId, page.after, page.high, page.pageSize];
  const [row] = await tx.unsafe(statements.movePage(page.schema, page.fresh, page.branches), params as never[]);
  const notAllowed = ((row?.not_allowed ?? []) as { id: number; cause: string }[]).map((entry) => ({ id: Number(entry.id), cause: parseExclusionCause(entry.cause) }));
  return {
    processed: Number(row?.processed ?? 0), cursor: row?.cursor === null || row?.cursor === undefined ? null : Number(row.cursor),
    written: Number(row?.written ?? 0), notAllowed, orphans: (row?.orphans ?? []) as Orphan[], refused: [],
  };
}

interface CommittedPage {
  readonly processed: number;
  readonly cursor: number | null;
  readonly sent: number;
  readonly errors: number;
}

/** Moves one page and commits it with its error-log entries and the range's progress. The page is
 *  first written whole; if the state refuses a record of it, the transaction is rolled back and the
 *  page is written again through the application, isolating the refused records. */
async function commitPage(deps: SyncDeps, district: District, page: PageRequest): Promise<CommittedPage> {
  const source = deps.districtSources.for(district);
  const inDatabase = deps.districtSources.sharesDatabaseWithState(district);
  try {
    return await commitMoved(deps.state, page, (tx) => (inDatabase ? movePageInDatabase(tx, page) : movePageThroughApp(tx, source, page, false)));
  } catch (error) {
    if (!isRecordError(error)) throw error;
    return commitMoved(deps.state, page, (tx) => movePageThroughApp(tx, source, page, true));
  }
}

/** Removes from the state the page's records that are not allowed (any longer), with every record
 *  under them, and counts what went. A fresh range skips it: the state held none of the object's
 *  records, so none under them either. */
async function removeNotAllowed(tx: Tx, page: PageRequest, notAllowed: readonly NotAllowed[]): Promise<void> {
  if (page.fresh || notAllowed.length === 0) return;
  const { input, statements } = page;
  const ids = notAllowed.map((record) => record.id);
  const held = await tx.unsafe(statements.held, [input.districtId, ids] as never[]);
  if (held.length === 0) return;
  const removed = await tx.unsafe(statements.removeWithDescendants, [input.districtId, held.map((row) => Number(row.id))] as never[]);
  await addRemovedCounts(tx, input.batchId, input.object, new Map(removed.map((row) => [String(row.object), Number(row.removed)])));
}

async function commitMoved(state: Sql, page: PageRequest, move: (tx: Tx) => Promise<PageOutcome>): Promise<CommittedPage> {
  const { input, object, statements } = page;
  return state.begin(async (tx) => {
    const moved = await move(tx);
    if (moved.processed === 0 || moved.cursor === null) return { processed: 0, cursor: null, sent: 0, errors: 0 };
    await removeNotAllowed(tx, page, moved.notAllowed);
    const errors = errorEntries(input, object, moved.notAllowed, moved.orphans, moved.refused);
    if (errors.length > 0) {
      await logSyncErrors(tx, errors);
      // Keep the state's previous copy of records the state refused this time: a full resync
      // removes only what the district no longer has or may no longer send.
      const kept = [...moved.orphans.map((o) => o.id), ...moved.refused.map((r) => r.id)];
      if (kept.length > 0) await tx.unsafe(statements.keep, [input.districtId, kept, input.batchId] as never[]);
    }
    const counts = { processed: moved.processed, errors: errors.length, sent: moved.written };
    if (!(await advanceRange(tx, rangeKey(input), page.expectedCursor, { cursor: moved.cursor, ...counts }))) {
      throw new SupersededAttemptError(`range ${input.rangeIndex} of ${input.object} moved past cursor ${page.expectedCursor} without this attempt`);
    }
    await addObjectCounts(tx, input.batchId, input.object, counts);
    return { processed: moved.processed, cursor: moved.cursor, sent: moved.written, errors: errors.length };
  }) as Promise<CommittedPage>;
}

export async function syncRange(deps: SyncDeps, input: SyncRangeInput, hooks: SyncHooks): Promise<RangeResult> {
  const district = await getDistrict(deps.state, input.districtId);
  const object = CATALOG.get(input.object);
  const statements = statementsFor(object);
  const range = await getRange(deps.state, rangeKey(input));
  if (!range) throw new UnknownRangeError(`batch ${input.batchId} has no range ${input.rangeIndex} of ${input.object}`);
  let progress: RangeProgress = { cursor: range.cursor, processed: range.processed, errors: range.errors, sent: range.sent };
  const resumedFrom = range.cursor;
  if (range.done) return { ...progress, pages: 0, resumedFrom };

  const pageSize = input.pageSize ?? (deps.districtSources.sharesDatabaseWithState(district) ? IN_DATABASE_PAGE_SIZE : DEFAULT_PAGE_SIZE);
  const branches = await deps.districtSources.exclusionBranches(district, input.batchId);
  const high = String(range.highInclusive ?? MAX_ID);
  let pages = 0;
  for (;;) {
    const after = String(progress.cursor ?? range.lowExclusive ?? MIN_ID);
    const page = await commitPage(deps, district, {
      input, object, statements, schema: district.sourceSchema, branches, after, high, pageSize, expectedCursor: progress.cursor, fresh: range.fresh,
    });
    if (page.processed > 0) {
      pages++;
      progress = {
        cursor: page.cursor, processed: progress.processed + page.processed,
        errors: progress.errors + page.errors, sent: progress.sent + page.sent,
      };
      hooks.heartbeat(progress);
    }
    if (page.processed < pageSize) break;
    hooks.checkpoint();
  }
  if (!(await finishRange(deps.state, rangeKey(input), progress.cursor))) throw new SupersededAttemptError(`range ${input.rangeIndex} of ${input.object} was finished by another attempt`);
  return { ...progress, pages, resumedFrom };
}
