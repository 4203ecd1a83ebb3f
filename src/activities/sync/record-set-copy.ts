// Copies the records of one object that a selective batch's record set holds (migration 0009),
// page by page in id order: each page's ids are staged from the district (by COPY between servers),
// merged into the state like any page, and committed with the range's cursor. A chosen id the
// district no longer holds is removed from the state (with the records under it) when the state
// holds it, and reported as unknown when neither does.
import { recordIdsAfter } from '../../data/batch-records';
import { finishRange, getRange } from '../../data/batch-ranges';
import { getDistrict, type District } from '../../data/district-registry';
import { CATALOG, SupersededAttemptError, UnknownRangeError, type BatchObjectRef } from '../../domain';
import { isolatingRefusals } from './isolate';
import { planObjectRanges } from './object-ranges';
import { mergeStaged, rangeKey, settlePage, type CommittedPage, type PageRequest } from './page';
import { inPageTransaction } from './stage';
import { MAX_ID, statementsFor } from './statements';
import { afterPage, DEFAULT_PAGE_SIZE, type RangeProgress, type RangeResult, type SyncDeps, type SyncHooks } from './sync-range';

export interface SyncRecordSetInput extends BatchObjectRef {
  /** Record ids per page (default DEFAULT_PAGE_SIZE). */
  readonly pageSize?: number;
  /** How many records of the object the set holds (planning the range needs no count then). */
  readonly records?: number;
}

async function commitIds(deps: SyncDeps, district: District, page: PageRequest, ids: readonly number[], isolate: boolean): Promise<CommittedPage> {
  return inPageTransaction(deps, district, page, async (tx, stager) => {
    await stager.stageIds(ids);
    const staged = new Set((await tx.run<{ id: number | string }>(page.statements.stagedAll)).rows.map((row) => Number(row.id)));
    const merged = await mergeStaged(tx, page, isolate);
    return settlePage(tx, page, {
      ...merged, processed: ids.length, cursor: ids.at(-1) ?? null, missing: ids.filter((id) => !staged.has(id)),
    });
  });
}

/**
 * Copies the object's records of the batch's record set, resuming after the last committed page.
 * @throws UnknownRangeError when the object's range is gone; SupersededAttemptError when another
 *   attempt moved it on (this one's page is rolled back)
 */
export async function syncRecordSet(deps: SyncDeps, input: SyncRecordSetInput, hooks: SyncHooks): Promise<RangeResult> {
  const district = await getDistrict(deps.state, input.districtId);
  const object = CATALOG.get(input.object);
  const statements = statementsFor(object);
  const planned = await planObjectRanges(deps, { ...input, maxRanges: 1, ...(input.records !== undefined ? { records: input.records } : {}) }, { district });
  const range = planned.range ?? await getRange(deps.state, { batchId: input.batchId, object: input.object, rangeIndex: 0 });
  if (!range) throw new UnknownRangeError(`batch ${input.batchId} has no range of ${input.object}`);
  let progress: RangeProgress = { cursor: range.cursor, processed: range.processed, errors: range.errors, sent: range.sent };
  const resumedFrom = range.cursor;
  if (range.done) return { ...progress, pages: 0, resumedFrom };
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const branches = await deps.districtSources.exclusionBranches(district, input.batchId);
  let pages = 0;
  for (;;) {
    const ids = await recordIdsAfter(deps.state, input.batchId, input.object, progress.cursor, pageSize);
    if (ids.length === 0) break;
    const page: PageRequest = {
      input: { ...input, rangeIndex: 0 }, expectedCursor: progress.cursor, fresh: false, object, statements, schema: district.sourceSchema,
      branches, after: String(progress.cursor ?? 0), high: String(MAX_ID), pageSize,
    };
    const committed = await isolatingRefusals((isolate) => commitIds(deps, district, page, ids, isolate));
    pages++;
    progress = afterPage(progress, committed);
    hooks.heartbeat(progress);
    if (ids.length < pageSize) break;
    hooks.checkpoint();
  }
  if (!(await finishRange(deps.state, rangeKey({ ...input, rangeIndex: 0 }), progress.cursor))) {
    throw new SupersededAttemptError(`the record set of ${input.object} was finished by another attempt`);
  }
  return { ...progress, pages, resumedFrom };
}
