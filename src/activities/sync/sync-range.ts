// Copies one key range of one object from a district to the state, page by page. Each page is
// one state transaction holding the records, their error-log entries and the range's progress
// (cursor and counts), so a retried attempt resumes exactly after the last committed page and
// nothing is counted twice. Only counts and the cursor leave this function.
import { CATALOG, type CatalogObject } from '../../domain';
import type { Sql } from '../../data/db';
import { getDistrict } from '../../data/district-registry';
import type { DistrictSources } from '../../data/district-sources';
import { MAX_ID, MIN_ID, statementsFor, type ObjectStatements } from './statements';
import { writePage, type Orphan, type Refusal, type TextRow } from './write-page';

export interface SyncRangeInput {
  readonly batchId: string;
  readonly districtId: string;
  readonly object: string;
  readonly schoolYear: number;
  readonly rangeIndex: number;
  readonly pageSize?: number;
}

export interface RangeProgress {
  readonly cursor: number | null;
  readonly processed: number;
  readonly errors: number;
  readonly sent: number;
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

export const DEFAULT_PAGE_SIZE = 5000;

interface RangeRow {
  low_exclusive: number | null;
  high_inclusive: number | null;
  cursor: number | null;
  processed: number;
  errors: number;
  sent: number;
  done: boolean;
}

interface ErrorEntry {
  batch_id: string;
  object: string;
  record_id: number;
  reason_code: 'not-allowed' | 'parent-missing' | 'refused';
  reason: string;
}

export class UnknownRangeError extends Error {
  override readonly name = 'UnknownRangeError';
}

async function excludedParents(source: Sql, schema: string, orphans: readonly Orphan[]): Promise<Set<string>> {
  const flagged = new Set<string>();
  const byParent = new Map<string, number[]>();
  for (const orphan of orphans) {
    if (!CATALOG.get(orphan.parent).exclusionFlag) continue;
    byParent.set(orphan.parent, [...(byParent.get(orphan.parent) ?? []), orphan.parentId]);
  }
  for (const [parent, ids] of byParent) {
    const rows = await source`select id from ${source(schema)}.${source(CATALOG.get(parent).table)}
      where id = any(${source.array(ids, 20)}::bigint[]) and state_excluded`;
    for (const row of rows) flagged.add(`${parent}:${row.id as number}`);
  }
  return flagged;
}

function errorEntries(
  input: SyncRangeInput, object: CatalogObject, notAllowed: readonly number[], orphans: readonly Orphan[],
  refused: readonly Refusal[], flaggedParents: ReadonlySet<string>,
): ErrorEntry[] {
  const entries = new Map<number, ErrorEntry>();
  const add = (recordId: number, code: ErrorEntry['reason_code'], reason: string) => {
    if (!entries.has(recordId)) entries.set(recordId, { batch_id: input.batchId, object: input.object, record_id: recordId, reason_code: code, reason });
  };
  for (const id of notAllowed) add(id, 'not-allowed', `not allowed to sync: ${object.exclusionFlag ?? 'excluded by the state'}`);
  for (const orphan of orphans) {
    const flag = CATALOG.get(orphan.parent).exclusionFlag;
    if (flaggedParents.has(`${orphan.parent}:${orphan.parentId}`)) {
      add(orphan.id, 'not-allowed', `not allowed to sync: its ${orphan.parent} ${orphan.parentId} is a ${flag}`);
    } else {
      add(orphan.id, 'parent-missing', `parent ${orphan.parent} ${orphan.parentId} is not at the state`);
    }
  }
  for (const refusal of refused) add(refusal.id, refusal.code, refusal.reason);
  return [...entries.values()];
}

async function commitPage(
  state: Sql, source: Sql, schema: string, input: SyncRangeInput, object: CatalogObject, statements: ObjectStatements, rows: readonly TextRow[],
): Promise<{ processed: number; errors: number; sent: number; cursor: number }> {
  const notAllowedFlag = statements.columns.length;
  const allowed = rows.filter((row) => row[notAllowedFlag] !== true as unknown);
  const notAllowed = rows.filter((row) => row[notAllowedFlag] === true as unknown).map((row) => Number(row[0]));
  const cursor = Number(rows.at(-1)?.[0]);
  return state.begin(async (tx) => {
    const write = await writePage(tx, statements, input.districtId, input.batchId, allowed);
    const flagged = write.orphans.length > 0 ? await excludedParents(source, schema, write.orphans) : new Set<string>();
    const errors = errorEntries(input, object, notAllowed, write.orphans, write.refused, flagged);
    if (errors.length > 0) {
      await tx`insert into resync.sync_error ${tx(errors)} on conflict do nothing`;
      // Keep the state's previous copy of records the state refused this time: a full resync
      // removes only what the district no longer has or may no longer send.
      const kept = [...write.orphans.map((o) => o.id), ...write.refused.map((r) => r.id)];
      if (kept.length > 0) await tx.unsafe(statements.keep, [input.districtId, kept, input.batchId] as never[]);
    }
    const page = { processed: rows.length, errors: errors.length, sent: write.written, cursor };
    await tx`update resync.batch_range set cursor = ${cursor}, processed = processed + ${page.processed},
      errors = errors + ${page.errors}, sent = sent + ${page.sent}
      where batch_id = ${input.batchId} and object = ${input.object} and range_index = ${input.rangeIndex}`;
    await tx`update resync.batch_object set processed = processed + ${page.processed},
      errors = errors + ${page.errors}, sent = sent + ${page.sent}
      where batch_id = ${input.batchId} and object = ${input.object}`;
    return page;
  }) as Promise<{ processed: number; errors: number; sent: number; cursor: number }>;
}

export async function syncRange(
  deps: { state: Sql; districtSources: DistrictSources }, input: SyncRangeInput, hooks: SyncHooks,
): Promise<RangeResult> {
  const district = await getDistrict(deps.state, input.districtId);
  const source = deps.districtSources.for(district);
  const object = CATALOG.get(input.object);
  const statements = statementsFor(object);
  const [range] = await deps.state<RangeRow[]>`select * from resync.batch_range
    where batch_id = ${input.batchId} and object = ${input.object} and range_index = ${input.rangeIndex}`;
  if (!range) throw new UnknownRangeError(`batch ${input.batchId} has no range ${input.rangeIndex} of ${input.object}`);
  let progress: RangeProgress = { cursor: range.cursor, processed: range.processed, errors: range.errors, sent: range.sent };
  const resumedFrom = range.cursor;
  if (range.done) return { ...progress, pages: 0, resumedFrom };

  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const high = String(range.high_inclusive ?? MAX_ID);
  let pages = 0;
  for (;;) {
    const after = String(progress.cursor ?? range.low_exclusive ?? MIN_ID);
    const params = object.yearTied ? [input.schoolYear, after, high, pageSize] : [after, high, pageSize];
    const rows = (await source.unsafe(statements.readPage(district.sourceSchema), params as never[]).values()) as unknown as TextRow[];
    if (rows.length > 0) {
      const page = await commitPage(deps.state, source, district.sourceSchema, input, object, statements, rows);
      pages++;
      progress = {
        cursor: page.cursor, processed: progress.processed + page.processed,
        errors: progress.errors + page.errors, sent: progress.sent + page.sent,
      };
      hooks.heartbeat(progress);
    }
    if (rows.length < pageSize) break;
    hooks.checkpoint();
  }
  await deps.state`update resync.batch_range set done = true
    where batch_id = ${input.batchId} and object = ${input.object} and range_index = ${input.rangeIndex}`;
  return { ...progress, pages, resumedFrom };
}
