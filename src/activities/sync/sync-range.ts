// Copies one key range of one object from a district to the state, page by page. Each page is
// one state transaction holding the records, their error-log entries and the range's progress
// (cursor and counts), so a retried attempt resumes exactly after the last committed page and
// nothing is counted twice. Only counts and the cursor leave this function.
//
// A page travels one of two ways. District and state in separate databases (the normal case):
// `COPY (page) TO STDOUT` on the district's server streamed into `COPY … FROM STDIN` of a staging
// table in the state transaction, then one merge — or, while the state holds none of the
// object's records (a fresh range), straight into the state table. District and state in one
// database: one statement reads and writes the page inside PostgreSQL. Either way, a page the
// state refuses a record of is staged again and merged part by part, isolating the refused
// records.
import { addObjectCounts, addRemovedCounts } from '../../data/batch-objects';
import { advanceRange, finishRange, getRange, type RangeKey } from '../../data/batch-ranges';
import { inTransaction } from '../../data/copy-pools';
import type { Sql } from '../../data/db';
import { getDistrict, type District } from '../../data/district-registry';
import type { DistrictSources } from '../../data/district-sources';
import { parseExclusionCause, type ExclusionBranches, type ExclusionCause } from '../../data/schema/exclusion';
import { pgRunner, postgresRunner, type StatementRunner } from '../../data/statement-runner';
import { logSyncErrors, type NewSyncError } from '../../data/sync-errors';
import { CATALOG, SupersededAttemptError, UnknownRangeError, type BatchObjectRef, type CatalogObject, type RecordCounts } from '../../domain';
import { isRecordError, mergeIsolating, toOrphans, type Orphan, type Refusal } from './isolate';
import { copyBetween, copyOn, inDistrictSnapshot } from './page-copy';
import { inlinable, MAX_ID, MIN_ID, statementsFor, type ObjectStatements } from './statements';

export interface SyncRangeInput extends BatchObjectRef {
  readonly rangeIndex: number;
  /** Records per page (default: DEFAULT_PAGE_SIZE). */
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

/** Records per page. Records stream through the worker (or never reach it), so a page's size
 *  bounds only the work a retry repeats and how soon a cancellation lands (well within a second). */
export const DEFAULT_PAGE_SIZE = 20_000;

export interface SyncDeps {
  readonly state: Sql;
  readonly districtSources: DistrictSources;
}

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

/** A page's counts, cursor and not-allowed records as one of the page statements returns them. */
function outcomeOf(row: Record<string, unknown> | undefined, write: { written: number; orphans: readonly Orphan[]; refused: readonly Refusal[] }): PageOutcome {
  const notAllowed = ((row?.not_allowed ?? []) as { id: number | string; cause: string }[])
    .map((entry) => ({ id: Number(entry.id), cause: parseExclusionCause(entry.cause) }));
  return {
    processed: Number(row?.processed ?? 0), cursor: row?.cursor === null || row?.cursor === undefined ? null : Number(row.cursor),
    notAllowed, ...write,
  };
}

const keysetParams = (page: PageRequest) => (page.object.yearTied
  ? [page.input.schoolYear, page.after, page.high, page.pageSize]
  : [page.after, page.high, page.pageSize]);

/** Inside one database, in one statement: the page never leaves PostgreSQL. A record the state
 *  refuses fails the statement (and the transaction). */
async function movePageInDatabase(tx: StatementRunner, page: PageRequest): Promise<PageOutcome> {
  const { input, statements } = page;
  const [row] = (await tx.run(statements.movePage(page.schema, page.fresh, page.branches), [input.districtId, input.batchId, ...keysetParams(page)])).rows;
  return outcomeOf(row, { written: Number(row?.written ?? 0), orphans: toOrphans(row?.orphans), refused: [] });
}

/** The staged page merged in one statement (a refused record fails it), or part by part. */
async function mergeStaged(tx: StatementRunner, page: PageRequest, isolate: boolean): Promise<PageOutcome> {
  const { input, statements } = page;
  if (!isolate) {
    const [row] = (await tx.run(statements.mergeStage(page.fresh), [input.districtId, input.batchId])).rows;
    return outcomeOf(row, { written: Number(row?.written ?? 0), orphans: toOrphans(row?.orphans), refused: [] });
  }
  const [summary] = (await tx.run(statements.stageSummary)).rows;
  return outcomeOf(summary, await mergeIsolating(tx, statements, input.districtId, input.batchId));
}

/** Removes from the state the page's records that are not allowed (any longer), with every record
 *  under them, and counts what went. A fresh range skips it: the state held none of the object's
 *  records, so none under them either. */
async function removeNotAllowed(tx: StatementRunner, page: PageRequest, notAllowed: readonly NotAllowed[]): Promise<void> {
  if (page.fresh || notAllowed.length === 0) return;
  const { input, statements } = page;
  const held = (await tx.run<{ id: number | string }>(statements.held, [input.districtId, notAllowed.map((record) => record.id)])).rows;
  if (held.length === 0) return;
  const removed = await tx.run<{ object: string; removed: number | string }>(statements.removeWithDescendants, [input.districtId, held.map((row) => Number(row.id))]);
  await addRemovedCounts(tx, input.batchId, input.object, new Map(removed.rows.map((row) => [row.object, Number(row.removed)])));
}

interface CommittedPage {
  readonly processed: number;
  readonly cursor: number | null;
  readonly sent: number;
  readonly errors: number;
}

/** The rest of a page's transaction once its records are written: removals, error log, kept
 *  records and the range's progress. */
async function settlePage(tx: StatementRunner, page: PageRequest, moved: PageOutcome): Promise<CommittedPage> {
  const { input, object, statements } = page;
  if (moved.processed === 0 || moved.cursor === null) return { processed: 0, cursor: null, sent: 0, errors: 0 };
  await removeNotAllowed(tx, page, moved.notAllowed);
  const errors = errorEntries(input, object, moved.notAllowed, moved.orphans, moved.refused);
  if (errors.length > 0) {
    await logSyncErrors(tx, errors);
    // Keep the state's previous copy of records the state refused this time: a full resync
    // removes only what the district no longer has or may no longer send.
    const kept = [...moved.orphans.map((o) => o.id), ...moved.refused.map((r) => r.id)];
    if (kept.length > 0) await tx.run(statements.keep, [input.districtId, kept, input.batchId]);
  }
  const counts = { processed: moved.processed, errors: errors.length, sent: moved.written };
  if (!(await advanceRange(tx, rangeKey(input), page.expectedCursor, { cursor: moved.cursor, ...counts }))) {
    throw new SupersededAttemptError(`range ${input.rangeIndex} of ${input.object} moved past cursor ${page.expectedCursor} without this attempt`);
  }
  await addObjectCounts(tx, input.batchId, input.object, counts);
  return { processed: moved.processed, cursor: moved.cursor, sent: moved.written, errors: errors.length };
}

/** District and state in one database: one postgres.js transaction. */
async function commitInDatabase(state: Sql, page: PageRequest, isolate: boolean): Promise<CommittedPage> {
  return state.begin(async (sql) => {
    const tx = postgresRunner(sql);
    if (!isolate) return settlePage(tx, page, await movePageInDatabase(tx, page));
    await tx.run(page.statements.createStage);
    await tx.run(page.statements.stagePage(page.schema, page.branches), keysetParams(page));
    return settlePage(tx, page, await mergeStaged(tx, page, true));
  }) as Promise<CommittedPage>;
}

/** District and state apart: the page arrives by COPY in a node-postgres transaction — into the
 *  staging table, then merged; or, for a fresh range, straight into the state table (COPY's bulk
 *  insert), its summary read in the same district snapshot as its rows. */
async function commitByCopy(sources: DistrictSources, district: District, page: PageRequest, isolate: boolean): Promise<CommittedPage> {
  const { statements, input } = page;
  const keyset = { schoolYear: input.schoolYear, after: page.after, high: page.high, limit: page.pageSize };
  if (!isolate && page.fresh && inlinable(input.districtId, input.batchId)) {
    return inTransaction(sources.copyWriter(), async (client) => {
      const moved = await inDistrictSnapshot(sources.copyReader(district), async (source) => {
        const [summary] = (await source.query(statements.freshPageSummary(page.schema, page.branches, keyset))).rows as Record<string, unknown>[];
        const outcome = outcomeOf(summary, { written: 0, orphans: [], refused: [] });
        if (outcome.processed === outcome.notAllowed.length) return outcome;
        const written = await copyOn(source, statements.copyOutStateRows(page.schema, page.branches, keyset, input.districtId, input.batchId), client, statements.copyInState);
        return { ...outcome, written };
      });
      return settlePage(pgRunner(client), page, moved);
    });
  }
  return inTransaction(sources.copyWriter(), async (client) => {
    const tx = pgRunner(client);
    await tx.run(statements.createStage);
    await copyBetween(sources.copyReader(district), statements.copyOutPage(page.schema, page.branches, keyset), client, statements.copyInStage);
    return settlePage(tx, page, await mergeStaged(tx, page, isolate));
  });
}

/** Moves one page and commits it with its error-log entries and the range's progress. The page is
 *  first written whole; if the state refuses a record of it, the transaction is rolled back and the
 *  page is staged again and written part by part, isolating the refused records. */
async function commitPage(deps: SyncDeps, district: District, page: PageRequest): Promise<CommittedPage> {
  const commit = deps.districtSources.sharesDatabaseWithState(district)
    ? (isolate: boolean) => commitInDatabase(deps.state, page, isolate)
    : (isolate: boolean) => commitByCopy(deps.districtSources, district, page, isolate);
  try {
    return await commit(false);
  } catch (error) {
    if (!isRecordError(error)) throw error;
    return commit(true);
  }
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

  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
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
