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
import { finishRange, getRange, type BatchRange } from '../../data/batch-ranges';
import { inTransaction } from '../../data/copy-pools';
import { mayBeNotAllowed } from '../../data/schema/exclusion';
import type { Sql } from '../../data/db';
import { getDistrict, type District } from '../../data/district-registry';
import type { DistrictSources } from '../../data/district-sources';
import { pgRunner, postgresRunner, type StatementRunner } from '../../data/statement-runner';
import { CATALOG, SupersededAttemptError, UnknownRangeError, type BatchObjectRef, type RecordCounts, type ResyncMethod } from '../../domain';
import { commitDifferentialPage } from './differential';
import { isolatingRefusals, toOrphans } from './isolate';
import { mergeStaged, outcomeOf, rangeKey, settlePage, type CommittedPage, type PageOutcome, type PageRequest } from './page';
import { copyBetween, copyOn, inDistrictSnapshot } from './page-copy';
import { inlinable, MAX_ID, MIN_ID, statementsFor } from './statements';

export interface SyncRangeInput extends BatchObjectRef {
  readonly rangeIndex: number;
  /** Records per page (default: DEFAULT_PAGE_SIZE). */
  readonly pageSize?: number;
  /** `differential`: compare first, write only what differs (a fresh range is copied whole). */
  readonly method?: ResyncMethod;
  /** Differential only: remove the state's records the district no longer has (a full resync). */
  readonly removeExtras?: boolean;
  /** Only where this range is its object's only one (a small object copied whole): the range's
   *  end also records the object completed, in the same transaction. */
  readonly completesObject?: boolean;
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

/** A range's progress once a page committed: its cursor, and the page's counts added. */
export function afterPage(progress: RangeProgress, page: CommittedPage): RangeProgress {
  return {
    cursor: page.cursor, processed: progress.processed + page.processed,
    errors: progress.errors + page.errors, sent: progress.sent + page.sent,
  };
}

export interface SyncDeps {
  readonly state: Sql;
  readonly districtSources: DistrictSources;
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
 *  insert): its counts are what arrived when none of its records can be not allowed, else its
 *  summary is read in the same district snapshot as its rows. */
async function commitByCopy(sources: DistrictSources, district: District, page: PageRequest, isolate: boolean): Promise<CommittedPage> {
  const { statements, input } = page;
  const keyset = { schoolYear: input.schoolYear, after: page.after, high: page.high, limit: page.pageSize };
  if (!isolate && page.fresh && inlinable(input.districtId, input.batchId) && !mayBeNotAllowed(page.object, page.branches)) {
    // Every record of the page may go: nothing to summarize at the district (nor a snapshot to
    // share with a summary), so one statement there instead of four; the state counts what arrived.
    return inTransaction(sources.copyWriter(), async (client) => {
      const tx = pgRunner(client);
      const written = await copyBetween(
        sources.copyReader(district), statements.copyOutStateRows(page.schema, page.branches, keyset, input.districtId, input.batchId), client, statements.copyInState,
      );
      const [last] = written === 0 ? [] : (await tx.run<{ cursor: string | number | null }>(statements.pageCursor, [input.districtId, page.after, page.high, input.batchId])).rows;
      const cursor = last?.cursor === null || last?.cursor === undefined ? null : Number(last.cursor);
      return settlePage(tx, page, { processed: written, cursor, written, notAllowed: [], orphans: [], refused: [] });
    });
  }
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
  return isolatingRefusals(commit);
}

/** Copies the range page by page from where it stands. `known`: the district and the range as the
 *  caller just loaded or planned them (spares reading them again).
 *  @throws UnknownRangeError when the batch has no such range
 *  @throws SupersededAttemptError when another attempt finished or moved the range meanwhile */
export async function syncRange(
  deps: SyncDeps, input: SyncRangeInput, hooks: SyncHooks, known: { district?: District; range?: BatchRange } = {},
): Promise<RangeResult> {
  const district = known.district ?? await getDistrict(deps.state, input.districtId);
  const object = CATALOG.get(input.object);
  const statements = statementsFor(object);
  const range = known.range ?? await getRange(deps.state, rangeKey(input));
  if (!range) throw new UnknownRangeError(`batch ${input.batchId} has no range ${input.rangeIndex} of ${input.object}`);
  let progress: RangeProgress = { cursor: range.cursor, processed: range.processed, errors: range.errors, sent: range.sent };
  const resumedFrom = range.cursor;
  if (range.done) return { ...progress, pages: 0, resumedFrom };

  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const branches = await deps.districtSources.exclusionBranches(district, input.batchId);
  const high = String(range.highInclusive ?? MAX_ID);
  // While the state holds none of the object's records there is nothing to compare: copy.
  const differential = input.method === 'differential' && !range.fresh;
  const completesObject = input.completesObject ?? false;
  let pages = 0;
  let done = false;
  for (;;) {
    const after = String(progress.cursor ?? range.lowExclusive ?? MIN_ID);
    const request: PageRequest = {
      input, object, statements, schema: district.sourceSchema, branches, after, high, pageSize, expectedCursor: progress.cursor, fresh: range.fresh,
      countInserted: input.method === 'differential' && range.fresh, completesObject,
    };
    const page = differential
      ? await commitDifferentialPage(deps, district, request, input.removeExtras ?? false)
      : await commitPage(deps, district, request);
    if (page.processed > 0) {
      pages++;
      progress = afterPage(progress, page);
      hooks.heartbeat(progress);
    }
    done = page.rangeDone === true;
    if (page.processed < pageSize) break;
    hooks.checkpoint();
  }
  // A last page short of a full one ended the range as it committed; an empty one did not.
  if (!done && !(await finishRange(deps.state, rangeKey(input), progress.cursor, completesObject))) {
    throw new SupersededAttemptError(`range ${input.rangeIndex} of ${input.object} was finished by another attempt`);
  }
  return { ...progress, pages, resumedFrom };
}
