// One resync batch (DESIGN §2.2–§2.8): plan parent-first levels, copy each level's objects in
// child workflows (bounded parallelism), skip the dependents of an object that failed, remove
// deleted records after a full resync (children first), verify, and record the outcome in the
// history. Cancelled, it waits until every copy has stopped at a page boundary before it records
// itself cancelled, so its totals are the sums of what its objects wrote.

import {
  ApplicationFailure, CancellationScope, CancelledFailure, condition, defineQuery, executeChild, getExternalWorkflowHandle, isCancellation,
  log, patched, proxyActivities, proxyLocalActivities, setCurrentDetails, setHandler, sleep, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DistrictSnapshot, StoredBatchRequest } from '../activities/batch';
import {
  districtCatalog, InvalidPlanRequestError, isValidDistrictId, planRecordSet, planResync, ResyncObjectsFailedError, SCHOOL_YEAR_CHOICES,
  statusColour, type DistrictProfile, type FinishedBatchStatus, type Plan, type ResyncMethod, type StatusColour,
} from '../domain';
import { notifyBatchFinished, notifyBatchStarted } from './batch-outcome';
import { COPY_PERMITS_WORKFLOW_ID, permitGrantedSignal, releasePermitSignal } from './copy-permits';
import { forEachBounded } from './bounded';
import { invalidRequest, retryMayFix, rootMessage } from './failures';
import { backoffAfter, BOOKKEEPING, copying, copyingSmallObjects, LOCAL_BOOKKEEPING, PRUNING, VERIFYING } from './policies';
import { RESYNC_OUTCOME, resyncAttributes, worstColour, type ResyncOutcome } from './search-attributes';
import { syncObject } from './sync-object';
import type { BatchInput, BatchOutcome, BatchPhase, BatchProgress, ObjectProgress } from './types';
import { schoolYearLabel } from './types';

// ─── Types ──────────────────────────────────────────────────────────────────────────────────────

export interface BatchResult extends BatchOutcome {
  readonly colours: Readonly<Record<StatusColour, number>>;
  /** Objects the post-run verification found out of sync. */
  readonly outOfSync: readonly string[];
}

// ─── Signals & Queries ──────────────────────────────────────────────────────────────────────────

export const progressQuery = defineQuery<BatchProgress>('progress');

// ─── Helpers ────────────────────────────────────────────────────────────────────────────────────

/** Objects from this many records on count as large: each gets a child workflow (key ranges copied
 *  in parallel, its own run in the Temporal UI); smaller ones are copied a level at a time. */
const LARGE_OBJECT_RECORDS = 50_000;
const DEFAULT_PARALLEL_LARGE_OBJECTS = 2;
/** Objects of a level whose record-set records are copied at once (a selective batch). */
const DEFAULT_PARALLEL_RECORD_SETS = 4;

const history = proxyActivities<Activities>(BOOKKEEPING);
const localHistory = proxyLocalActivities<Activities>(LOCAL_BOOKKEEPING);
const verifying = proxyActivities<Activities>(VERIFYING);
const pruning = proxyActivities<Activities>(PRUNING);

function validate(input: BatchInput): void {
  const problems: string[] = [];
  if (!input.batchId) problems.push('batchId is required');
  if (!isValidDistrictId(input.districtId ?? '')) problems.push(`invalid district id "${input.districtId}"`);
  if (!SCHOOL_YEAR_CHOICES.includes(input.yearChoice)) problems.push(`invalid school year choice "${input.yearChoice}"`);
  if (!Number.isInteger(input.schoolYear)) problems.push('schoolYear must be an integer');
  if (problems.length > 0) throw invalidRequest(`invalid resync request: ${problems.join('; ')}`);
}

/** A batch runs for the year its choice means now: a "current" batch queued before the district's
 *  scoped year switched must not push the old year's data as if it were current. */
function checkSchoolYear(input: BatchInput, scopedYear: number): void {
  const expected = scopedYear + (input.yearChoice === 'previous' ? -1 : input.yearChoice === 'next' ? 1 : 0);
  if (expected !== input.schoolYear) {
    throw invalidRequest(`district ${input.districtId} is scoped to ${schoolYearLabel(scopedYear)}: its ${input.yearChoice} school year is `
      + `${schoolYearLabel(expected)}, not ${schoolYearLabel(input.schoolYear)}`);
  }
}

class BatchState {
  phase: BatchPhase = 'planning';
  /** The district's automatic retries as its batch ended (undefined: not read then). */
  autoRetryDeferred: boolean | undefined;
  kind: BatchInput['kind'] | null = null;
  /** Objects the post-run verification found out of sync. */
  outOfSync: readonly string[] = [];
  readonly objects = new Map<string, ObjectProgress>();

  constructor(private readonly input: BatchInput) {}

  track(plan: Plan): void {
    this.kind = plan.kind;
    plan.levels.forEach((level, index) => level.forEach((object) => this.objects.set(object, {
      object, level: index + 1, status: 'pending', processed: 0, errors: 0, sent: 0, colour: 'gray',
    })));
  }

  update(object: string, change: Partial<ObjectProgress>): void {
    const current = this.objects.get(object);
    if (!current) return;
    const next = { ...current, ...change };
    this.objects.set(object, { ...next, colour: statusColour(next.status, next) });
  }

  count(status: ObjectProgress['status']): number {
    return [...this.objects.values()].filter((object) => object.status === status).length;
  }

  progress(): BatchProgress {
    return {
      batchId: this.input.batchId, districtId: this.input.districtId, schoolYear: this.input.schoolYear,
      kind: this.kind, initiator: this.input.initiator, phase: this.phase, objects: [...this.objects.values()],
      outOfSync: this.outOfSync,
    };
  }

  describe(): string {
    const running = [...this.objects.values()].filter((o) => o.status === 'running').map((o) => o.object);
    return [
      `Phase: ${this.phase}.`,
      `${this.count('completed')}/${this.objects.size} objects done, ${this.count('failed')} failed, ${this.count('skipped')} skipped.`,
      running.length > 0 ? `Running: ${running.join(', ')}.` : '',
    ].filter(Boolean).join(' ');
  }
}

/** Objects of later levels that depend on a failed or skipped object. */
function dependentsToSkip(plan: Plan, state: BatchState, parentsOf: (object: string) => readonly string[]): { object: string; reason: string }[] {
  const skipped: { object: string; reason: string }[] = [];
  for (const object of plan.levels.flat()) {
    if (state.objects.get(object)?.status !== 'pending') continue;
    const blocker = parentsOf(object).find((parent) => ['failed', 'skipped'].includes(state.objects.get(parent)?.status ?? ''));
    if (!blocker) continue;
    const blockerState = state.objects.get(blocker);
    const reason = blockerState?.status === 'failed'
      ? `skipped: its parent ${blocker} failed (${blockerState.reason ?? 'unknown reason'})`
      : `skipped: its parent ${blocker} was skipped`;
    state.update(object, { status: 'skipped', reason });
    skipped.push({ object, reason });
  }
  return skipped;
}

function planFor(request: StoredBatchRequest, input: BatchInput, profile: DistrictProfile): Plan {
  try {
    const plan = planResync({ objects: request.objects, checkDependencies: request.checkDependencies, year: input.yearChoice }, profile);
    if (plan.levels.length === 0) throw invalidRequest('nothing to resync: every requested object is excluded');
    return plan;
  } catch (error) {
    if (error instanceof InvalidPlanRequestError) throw invalidRequest(error.message);
    throw error;
  }
}

/** Runs every group to its end, even when one fails or the batch is cancelled, then rethrows the
 *  first error: a cancelled batch must not record itself while a copy is still writing. */
async function settleAll(tasks: readonly Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** How the batch's records travel: its method, whether a differential copy removes the state's
 *  records the district no longer has, and whether it copies a record set (a selective batch). */
interface CopyPlan {
  readonly method: ResyncMethod;
  readonly removeExtras: boolean;
  readonly recordSet: boolean;
  /** A full resync by copy: records the district no longer has are removed after the copy. */
  readonly prune: boolean;
}

/** Batches started before this patch removed deleted records in an activity of their own after
 *  an all-small copy (now copyLevels prunes when it has copied every level); they replay so. */
export const PRUNE_WITH_LEVELS = 'prune-with-levels';

/** A selective batch's object: its records of the record set, by one retried activity. */
async function copyRecordSetObject(input: BatchInput, object: string, state: BatchState, records: Readonly<Record<string, number>>): Promise<void> {
  if (CancellationScope.current().consideredCancelled) return;
  const options = input.options ?? {};
  state.update(object, { status: 'running' });
  setCurrentDetails(state.describe());
  const copier = proxyActivities<Activities>(copying(options.copyAttempts));
  try {
    const result = await copier.copyRecordSet({
      batchId: input.batchId, districtId: input.districtId, object, schoolYear: input.schoolYear, records: records[object] ?? 0,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    });
    state.update(object, { status: 'completed', processed: result.processed, errors: result.errors, sent: result.sent });
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() => history.finishObject({ batchId: input.batchId, object, outcome: 'cancelled' }));
      state.update(object, { status: 'cancelled' });
      throw error;
    }
    const reason = rootMessage(error);
    await history.finishObject({ batchId: input.batchId, object, outcome: 'failed', failure: reason });
    state.update(object, { status: 'failed', reason });
  }
  setCurrentDetails(state.describe());
}

/** Copies the plan's levels, parents first; true when the copy also removed the records the
 *  district no longer has (an all-small batch copied in one activity), so nothing is left to prune. */
async function syncLevels(
  input: BatchInput, plan: Plan, state: BatchState, records: Readonly<Record<string, number>>, parentsOf: (object: string) => readonly string[],
  copy: CopyPlan,
): Promise<boolean> {
  const options = input.options ?? {};
  const method = { method: copy.method, removeExtras: copy.removeExtras };
  const largeFrom = options.largeObjectRecords ?? LARGE_OBJECT_RECORDS;
  state.phase = 'syncing';
  let pruned = false;
  if (!copy.recordSet && plan.levels.length > 1 && plan.levels.flat().every((object) => (records[object] ?? 0) < largeFrom)
    && patched('levels-in-one-activity')) {
    pruned = await copyAllLevels(input, plan, state, records, method, copy.prune && patched(PRUNE_WITH_LEVELS));
  }
  for (const level of plan.levels) {
    const runnable = level.filter((object) => state.objects.get(object)?.status === 'pending');
    // Large objects run one after another, largest first, beside the small ones: concurrent
    // copies of large children contend on their shared parents' rows (foreign-key locks), while
    // small objects gain from overlapping their round trips.
    const large = runnable.filter((object) => (records[object] ?? 0) >= largeFrom)
      .sort((a, b) => (records[b] ?? 0) - (records[a] ?? 0));
    const small = runnable.filter((object) => !large.includes(object));
    const copyLarge = async (object: string) => {
      if (CancellationScope.current().consideredCancelled) return;
      state.update(object, { status: 'running' });
      setCurrentDetails(state.describe());
      try {
        const result = await executeChild(syncObject, {
          workflowId: `${workflowInfo().workflowId}/${object}`,
          args: [{ batchId: input.batchId, districtId: input.districtId, object, schoolYear: input.schoolYear, records: records[object], options, ...method }],
          staticSummary: `${object} of district ${input.districtId}, ${schoolYearLabel(input.schoolYear)}`,
          typedSearchAttributes: resyncAttributes(input),
        });
        state.update(object, { status: 'completed', processed: result.processed, errors: result.errors, sent: result.sent });
      } catch (error) {
        if (isCancellation(error)) {
          state.update(object, { status: 'cancelled' });
          throw error;
        }
        state.update(object, { status: 'failed', reason: rootMessage(error) });
      }
      setCurrentDetails(state.describe());
    };
    // A record set's objects are mostly a few records each: a level's small ones travel in one
    // activity; an object with many records of the set (a whole school's) has its own.
    await settleAll(copy.recordSet
      ? [
        forEachBounded(large, DEFAULT_PARALLEL_RECORD_SETS, (object) => copyRecordSetObject(input, object, state, records)),
        copySmallObjects(input, small, state, records, { ...method, recordSet: true }),
      ]
      : [
        forEachBounded(large, options.maxParallelLargeObjects ?? DEFAULT_PARALLEL_LARGE_OBJECTS, copyLarge),
        copySmallObjects(input, small, state, records, method),
      ]);
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('the batch was cancelled');
    const skipped = dependentsToSkip(plan, state, parentsOf);
    if (skipped.length > 0) await history.recordObjectsSkipped({ batchId: input.batchId, skipped });
  }
  return pruned;
}

/**
 * A batch whose objects are all small copies every level in one activity (parents first inside
 * it): one round trip through Temporal instead of one per level, the most of a small district's
 * resync. What it did not complete — an object that failed, the levels after it, or everything
 * when the attempt as a whole failed — stays pending for the level-by-level copy that follows,
 * which retries and skips dependents as always. With `prune`, the activity also removes what the
 * district no longer has once every level is copied (one round trip less); returns whether it did.
 */
async function copyAllLevels(
  input: BatchInput, plan: Plan, state: BatchState, records: Readonly<Record<string, number>>,
  method: { method: ResyncMethod; removeExtras: boolean }, prune: boolean,
): Promise<boolean> {
  const options = input.options ?? {};
  const objects = plan.levels.flat();
  for (const object of objects) state.update(object, { status: 'running' });
  setCurrentDetails(state.describe());
  const copier = proxyActivities<Activities>(copyingSmallObjects(`copy ${objects.length} objects, ${plan.levels.length} levels`));
  let failed = false;
  let pruned = false;
  try {
    const copied = await copier.copyLevels({
      batchId: input.batchId, districtId: input.districtId, schoolYear: input.schoolYear,
      levels: plan.levels.map((level) => level.map((object) => ({ object, records: records[object] ?? 0 }))), ...method,
      ...(options.maxParallelObjects ? { parallel: options.maxParallelObjects } : {}),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(prune ? { prune: true } : {}),
    });
    for (const result of copied.completed) {
      state.update(result.object, { status: 'completed', processed: result.processed, errors: result.errors, sent: result.sent });
    }
    failed = copied.failed.length > 0;
    pruned = copied.pruned === true;
  } catch (error) {
    if (isCancellation(error)) {
      for (const object of objects) if (state.objects.get(object)?.status === 'running') state.update(object, { status: 'cancelled' });
      throw error;
    }
    log.warn('copying every level at once failed; copying level by level', { batchId: input.batchId, error: rootMessage(error) });
    failed = true;
  }
  for (const object of objects) if (state.objects.get(object)?.status === 'running') state.update(object, { status: 'pending' });
  setCurrentDetails(state.describe());
  // What failed is tried again level by level after the usual first backoff.
  if (failed) await sleep(backoffAfter(1));
  return pruned;
}

/**
 * Copies a level's small objects with one activity per attempt (each object whole). Objects that
 * fail are tried again — only they — after the usual backoff; after `copyAttempts` they fail, and
 * their dependents are skipped like those of a large object that failed.
 */
async function copySmallObjects(
  input: BatchInput, objects: readonly string[], state: BatchState, records: Readonly<Record<string, number>>,
  method: { method: ResyncMethod; removeExtras: boolean; recordSet?: boolean },
): Promise<void> {
  const options = input.options ?? {};
  const attempts = options.copyAttempts ?? 25;
  let remaining = [...objects];
  for (let attempt = 1; remaining.length > 0; attempt++) {
    for (const object of remaining) state.update(object, { status: 'running' });
    setCurrentDetails(state.describe());
    const copier = proxyActivities<Activities>(copyingSmallObjects(`copy ${remaining.join(', ')}`));
    let failed: { object: string; reason: string }[];
    try {
      const copied = await copier.copyObjects({
        batchId: input.batchId, districtId: input.districtId, schoolYear: input.schoolYear,
        objects: remaining.map((object) => ({ object, records: records[object] ?? 0 })), ...method,
        ...(options.maxParallelObjects ? { parallel: options.maxParallelObjects } : {}),
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      });
      for (const result of copied.completed) {
        state.update(result.object, { status: 'completed', processed: result.processed, errors: result.errors, sent: result.sent });
      }
      failed = [...copied.failed];
    } catch (error) {
      if (isCancellation(error)) {
        for (const object of remaining) state.update(object, { status: 'cancelled' });
        throw error;
      }
      // The attempt as a whole failed (its worker died, the database was away): every object it
      // had not reported is tried again.
      const reason = rootMessage(error);
      failed = remaining.filter((object) => state.objects.get(object)?.status !== 'completed').map((object) => ({ object, reason }));
    }
    remaining = failed.map((entry) => entry.object);
    if (remaining.length === 0) break;
    if (attempt >= attempts) {
      for (const { object, reason } of failed) {
        await history.finishObject({ batchId: input.batchId, object, outcome: 'failed', failure: reason });
        state.update(object, { status: 'failed', reason });
      }
      break;
    }
    await sleep(backoffAfter(attempt));
  }
  setCurrentDetails(state.describe());
}

/** A full resync removes what the district no longer has, children before parents (one activity). */
async function removeDeletedRecords(input: BatchInput, plan: Plan, state: BatchState): Promise<void> {
  const completed = [...plan.levels].reverse().flat().filter((object) => state.objects.get(object)?.status === 'completed');
  if (completed.length === 0) return;
  state.phase = 'removing deleted records';
  setCurrentDetails(state.describe());
  await pruning.pruneObjects({ batchId: input.batchId, districtId: input.districtId, schoolYear: input.schoolYear, objects: completed });
}

/** Post-run verification of the objects the batch completed: a green that does not match shows. */
async function verifyTouchedObjects(input: BatchInput, state: BatchState): Promise<void> {
  const completed = [...state.objects.values()].filter((object) => object.status === 'completed');
  if (completed.length === 0) return;
  state.phase = 'verifying';
  setCurrentDetails(state.describe());
  const verification = await verifying.verifyBatch({
    batchId: input.batchId, districtId: input.districtId, schoolYear: input.schoolYear, yearChoice: input.yearChoice,
    objects: completed.map((object) => object.object), records: Object.fromEntries(completed.map((object) => [object.object, object.processed])),
  });
  state.outOfSync = verification.objectsOutOfSync;
}

function colourCounts(state: BatchState): Record<StatusColour, number> {
  const colours: Record<StatusColour, number> = { green: 0, yellow: 0, red: 0, gray: 0 };
  for (const object of state.objects.values()) colours[object.colour]++;
  return colours;
}

/** The batch's place under the global throttle (copy-permits.ts). */
class CopyPermit {
  private granted = false;
  private asked = false;

  constructor() {
    setHandler(permitGrantedSignal, () => void (this.granted = true));
  }

  /** Asks for a permit with `ask` (an activity answering whether the throttle applies) and waits
   *  for the grant; at once when no throttle is configured. */
  async acquire(ask: () => Promise<boolean>): Promise<void> {
    this.asked = true;
    if (await ask()) await condition(() => this.granted);
  }

  /** The holder to give back for (the batch's workflow id) while the batch holds a permit or a
   *  place in the queue. */
  holder(): string | undefined {
    return this.asked ? workflowInfo().workflowId : undefined;
  }

  /** The permit was given back on the batch's behalf (by recordBatchFinished). */
  givenBack(): void {
    this.asked = false;
  }

  /** Gives the permit back (or the place in the queue); the throttle may have closed: no matter. */
  async release(): Promise<void> {
    if (!this.asked) return;
    this.asked = false;
    try {
      await getExternalWorkflowHandle(COPY_PERMITS_WORKFLOW_ID).signal(releasePermitSignal, { holder: workflowInfo().workflowId });
    } catch {
      // No throttle runs: nothing to give back.
    }
  }
}

/** Batches started before this patch signalled their waiter and gave their copy permit back
 *  themselves after recording their end (a workflow task each); they replay so. */
export const END_TOLD_BY_ACTIVITY = 'end-told-by-activity';

/** Records how the batch ended, marks the run for operators (ResyncOutcome), tells its waiter and
 *  gives its copy permit back, even while the batch is being cancelled. */
async function finish(input: BatchInput, state: BatchState, permit: CopyPermit, status: FinishedBatchStatus, failure?: string): Promise<BatchOutcome> {
  state.phase = 'finished';
  return CancellationScope.nonCancellable(async () => {
    // The permit goes back last: until its waiter hears the outcome, the batch still counts as
    // copying to whoever follows it (a state-wide run never reports more running than the bound).
    // recordBatchFinished sends both signals in that order; should it fail, the permit still goes
    // back from here.
    const told = patched(END_TOLD_BY_ACTIVITY);
    const holder = permit.holder();
    try {
      const ending = {
        batchId: input.batchId, status, ...(failure ? { failure } : {}),
        ...(told && input.notify ? { waiter: input.notify } : {}), ...(told && holder ? { permitHolder: holder } : {}),
      };
      const { autoRetryDeferred, ...outcome } = await locallyFirst(() => localHistory.recordBatchFinished(ending), () => history.recordBatchFinished(ending));
      if (told) permit.givenBack();
      state.autoRetryDeferred = autoRetryDeferred;
      const colour: ResyncOutcome = status === 'completed'
        ? worstColour([...state.objects.values()].map((object) => object.colour))
        : status;
      upsertSearchAttributes([{ key: RESYNC_OUTCOME, value: colour }]);
      if (!told) await notifyBatchFinished(input.notify, outcome);
      return outcome;
    } finally {
      await permit.release();
    }
  });
}

/** Batches started before this patch read their batch (loadBatch) and recorded its end
 *  (recordBatchFinished) in activities; they now run as local activities (LOCAL_BOOKKEEPING), in
 *  the workflow task that needs them: per batch two activity tasks and two workflow tasks fewer
 *  (50 districts at once, three alternating runs each: Temporal's CPU 6.5 → 6.0 s on average,
 *  time within the runs' spread). One try each: one that fails is retried as an ordinary activity
 *  (locallyFirst). startBatch stays an activity: it counts at the district, whose database may be
 *  out of reach for long. Batches started before replay on the old path. */
export const BOOKKEEPING_LOCALLY = 'bookkeeping-as-local-activities';

/** One try of a bookkeeping call as a local activity; should it fail for a reason retrying may fix
 *  (the state's database restarting), the call again as an ordinary activity, whose retries the
 *  Temporal UI shows (a pending activity, its attempt and last failure) while the batch answers
 *  queries. A cancellation or an error no retry fixes is thrown as it is. A batch started before
 *  BOOKKEEPING_LOCALLY makes the ordinary call only. */
async function locallyFirst<T>(local: () => Promise<T>, retried: () => Promise<T>): Promise<T> {
  if (!patched(BOOKKEEPING_LOCALLY)) return retried();
  try {
    return await local();
  } catch (error) {
    if (isCancellation(error) || !retryMayFix(error)) throw error;
    log.warn('a local bookkeeping activity failed; retrying it as an activity', { error: rootMessage(error) });
    return retried();
  }
}

/** Batches started before this patch read their district and request, recorded their start,
 *  counted and asked for a copy permit in five activities (now loadBatch and startBatch); they
 *  replay on that path. */
export const START_IN_TWO_ACTIVITIES = 'batch-start-in-two-activities';

/** Batches started before this patch ran their follow-up in the batch's own scope: a cancel that
 *  arrived after the batch recorded its outcome cancelled it. They replay on that path. */
export const DEFERRED_RETRY_NOT_CANCELLABLE = 'deferred-retry-not-cancellable';

/** Once a batch has landed parents, the records that failed earlier only because those parents
 *  were missing are resynced by a follow-up Selective Sync, where the district asked for it
 *  (`autoRetryDeferred`). A selective batch never triggers one: retries do not chain. The batch
 *  has already completed; a follow-up that cannot be submitted is logged, not the batch's failure. */
async function retryDeferred(input: BatchInput, state: BatchState): Promise<void> {
  const completedObjects = [...state.objects.values()].filter((object) => object.status === 'completed').map((object) => object.object);
  if (completedObjects.length === 0) return;
  try {
    const followUp = await history.submitDeferredRetry({
      batchId: input.batchId, districtId: input.districtId, schoolYear: input.schoolYear, yearChoice: input.yearChoice, completedObjects,
    });
    if (followUp) log.info('deferred records resync in a follow-up batch', { batchId: input.batchId, followUp });
  } catch (error) {
    log.warn('the follow-up resync of deferred records could not be submitted', { batchId: input.batchId, error: rootMessage(error) });
  }
}

// ─── Workflows ──────────────────────────────────────────────────────────────────────────────────

export async function resyncBatch(input: BatchInput): Promise<BatchResult> {
  const state = new BatchState(input);
  const permit = new CopyPermit();
  let selective = false;
  setHandler(progressQuery, () => state.progress());
  setCurrentDetails(`Planning the ${input.kind} resync of district ${input.districtId}, ${schoolYearLabel(input.schoolYear)}.`);

  try {
    validate(input);
    const fewerActivities = patched(START_IN_TWO_ACTIVITIES);
    let district: DistrictSnapshot;
    let request: StoredBatchRequest;
    if (fewerActivities) {
      const which = { districtId: input.districtId, batchId: input.batchId };
      ({ district, request } = await locallyFirst(() => localHistory.loadBatch(which), () => history.loadBatch(which)));
      checkSchoolYear(input, district.scopedYear);
    } else {
      district = await history.loadDistrict({ districtId: input.districtId });
      checkSchoolYear(input, district.scopedYear);
      request = await history.loadBatchRequest({ batchId: input.batchId });
    }
    selective = request.selective;
    let plan: Plan;
    /** A selective batch's counts come with its record set; a whole batch counts at the district. */
    let counted: Record<string, number> | undefined;
    if (request.selective) {
      // The record set is built at the district and kept by id in the state's database.
      const built = await verifying.buildRecordSet({
        batchId: input.batchId, districtId: input.districtId, schoolYear: input.schoolYear, yearChoice: input.yearChoice,
      });
      plan = planRecordSet(Object.keys(built.counts), district.profile, input.yearChoice);
      if (plan.levels.length === 0) throw invalidRequest('nothing to resync: the record set holds no record of an object the district syncs for this year');
      counted = { ...built.counts };
    } else {
      plan = planFor(request, input, district.profile);
    }
    state.track(plan);
    const count = { districtId: input.districtId, schoolYear: input.schoolYear, objects: plan.levels.flat() };
    let records: Record<string, number>;
    if (fewerActivities) {
      // One activity records the start, counts and asks for a copy permit (still 'planning': a
      // district database that cannot be reached shows there); then the grant.
      let started: Record<string, number> = {};
      await permit.acquire(async () => {
        const result = await history.startBatch({
          batchId: input.batchId, plan, permit: { holder: workflowInfo().workflowId, districtId: input.districtId }, ...(counted ? {} : { count }),
        });
        started = result.records;
        state.phase = 'waiting for a copy slot';
        setCurrentDetails(state.describe());
        return result.throttled;
      });
      records = counted ?? started;
      await notifyBatchStarted(input.notify, input.batchId);
    } else {
      await history.recordBatchStarted({ batchId: input.batchId, plan });
      records = counted ?? await history.countPlannedRecords(count);
      if (patched('copy-permits')) {
        state.phase = 'waiting for a copy slot';
        setCurrentDetails(state.describe());
        await permit.acquire(() => history.requestCopyPermit({ holder: workflowInfo().workflowId, districtId: input.districtId }));
        await notifyBatchStarted(input.notify, input.batchId);
      }
    }
    const removeDeleted = !request.selective && (input.removeDeleted ?? plan.kind === 'full');
    const catalog = districtCatalog(district.profile);
    const pruned = await syncLevels(input, plan, state, records, (object) => catalog.get(object).parents, {
      method: request.method, removeExtras: removeDeleted && request.method === 'differential', recordSet: request.selective,
      prune: removeDeleted && request.method === 'copy',
    });
    // A differential copy removed what the district no longer has page by page, and left
    // unchanged records as they were: the copy's prune (by the batch that last wrote a record)
    // would take those for stale.
    if (removeDeleted && request.method === 'copy' && !pruned) await removeDeletedRecords(input, plan, state);
    // A selective batch touches some records of its objects: comparing whole objects says nothing of it.
    if ((input.verifyAfter ?? true) && !request.selective) await verifyTouchedObjects(input, state);
  } catch (error) {
    try {
      if (isCancellation(error)) await finish(input, state, permit, 'cancelled');
      else await finish(input, state, permit, 'failed', rootMessage(error));
    } catch (recording) {
      // Only a non-retryable error gets here (e.g. no history row for a batch started by hand):
      // the batch's own failure is what its caller must see.
      log.warn('the batch outcome could not be recorded', { batchId: input.batchId, error: rootMessage(recording) });
    }
    throw error;
  }

  const failed = [...state.objects.values()].filter((object) => object.status === 'failed');
  const outcome = await finish(input, state, permit, failed.length > 0 ? 'failed' : 'completed',
    failed.length > 0 ? `${failed.length} object(s) failed: ${failed.map((o) => o.object).join(', ')}` : undefined);
  const result = { ...outcome, colours: colourCounts(state), outOfSync: state.outOfSync };
  // A district without automatic retries (as recordBatchFinished read them) needs no round trip to
  // learn there is nothing to submit; a result recorded without the setting asks as before.
  if (failed.length === 0 && !selective && state.autoRetryDeferred !== false && patched('deferred-retry')) {
    // The batch has recorded its outcome: a cancel arriving now (its lane or the Temporal UI,
    // racing the end) has nothing left to stop and must not withdraw the follow-up.
    if (patched(DEFERRED_RETRY_NOT_CANCELLABLE)) await CancellationScope.nonCancellable(() => retryDeferred(input, state));
    else await retryDeferred(input, state);
  }
  setCurrentDetails(`${outcome.status}: ${outcome.processed} processed, ${outcome.errors} error(s), ${outcome.deleted} removed. ${state.describe()}`);
  if (failed.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `${failed.length} object(s) failed: ${failed.map((o) => `${o.object} (${o.reason ?? 'unknown'})`).join('; ')}`,
      ResyncObjectsFailedError.name, result,
    );
  }
  return result;
}
