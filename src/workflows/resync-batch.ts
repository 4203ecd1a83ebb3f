// One resync batch (DESIGN §2.2–§2.8): plan parent-first levels, copy each level's objects in
// child workflows (bounded parallelism), skip the dependents of an object that failed, remove
// deleted records after a full resync (children first), and record the outcome in the history.

import {
  ApplicationFailure, CancellationScope, defineQuery, executeChild, isCancellation, proxyActivities, setCurrentDetails,
  setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  districtCatalog, InvalidPlanRequestError, isValidDistrictId, planResync, ResyncObjectsFailedError, SCHOOL_YEAR_CHOICES,
  statusColour, type DistrictProfile, type FinishedBatchStatus, type Plan, type StatusColour,
} from '../domain';
import { notifyBatchFinished } from './batch-outcome';
import { forEachBounded } from './bounded';
import { invalidRequest, rootMessage } from './failures';
import { BOOKKEEPING, PRUNING, VERIFYING } from './policies';
import { syncObject } from './sync-object';
import type { BatchOutcome, BatchPhase, BatchProgress, ObjectProgress, ResyncRequest } from './types';
import { resyncKind, schoolYearLabel } from './types';

// ─── Types ──────────────────────────────────────────────────────────────────────────────────────

export interface BatchResult extends BatchOutcome {
  readonly colours: Readonly<Record<StatusColour, number>>;
  /** Objects the post-run verification found out of sync. */
  readonly outOfSync: readonly string[];
}

// ─── Signals & Queries ──────────────────────────────────────────────────────────────────────────

export const progressQuery = defineQuery<BatchProgress>('progress');

// ─── Helpers ────────────────────────────────────────────────────────────────────────────────────

/** Small objects of one level copied side by side: their round trips overlap. */
const DEFAULT_PARALLEL_OBJECTS = 8;
/** Objects from this many records on count as large. */
const LARGE_OBJECT_RECORDS = 50_000;
const DEFAULT_PARALLEL_LARGE_OBJECTS = 2;

const history = proxyActivities<Activities>(BOOKKEEPING);
const verifying = proxyActivities<Activities>(VERIFYING);
const pruning = proxyActivities<Activities>(PRUNING);

function validate(request: ResyncRequest): void {
  const problems: string[] = [];
  if (!request.batchId) problems.push('batchId is required');
  if (!isValidDistrictId(request.districtId ?? '')) problems.push(`invalid district id "${request.districtId}"`);
  if (!SCHOOL_YEAR_CHOICES.includes(request.yearChoice)) problems.push(`invalid school year choice "${request.yearChoice}"`);
  if (!Number.isInteger(request.schoolYear)) problems.push('schoolYear must be an integer');
  if (request.objects !== 'all' && !Array.isArray(request.objects)) problems.push('objects must be "all" or a list of names');
  if (problems.length > 0) throw invalidRequest(`invalid resync request: ${problems.join('; ')}`);
}

class BatchState {
  phase: BatchPhase = 'planning';
  kind: 'full' | 'partial' | null = null;
  /** Objects the post-run verification found out of sync. */
  outOfSync: readonly string[] = [];
  readonly objects = new Map<string, ObjectProgress>();

  constructor(private readonly request: ResyncRequest) {}

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
      batchId: this.request.batchId, districtId: this.request.districtId, schoolYear: this.request.schoolYear,
      kind: this.kind, initiator: this.request.initiator, phase: this.phase, objects: [...this.objects.values()],
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

// ─── Workflows ──────────────────────────────────────────────────────────────────────────────────

function planFor(request: ResyncRequest, profile: DistrictProfile): Plan {
  try {
    const plan = planResync({ objects: request.objects, checkDependencies: request.checkDependencies, year: request.yearChoice }, profile);
    if (plan.levels.length === 0) throw invalidRequest('nothing to resync: every requested object is excluded');
    return plan;
  } catch (error) {
    if (error instanceof InvalidPlanRequestError) throw invalidRequest(error.message);
    throw error;
  }
}

async function syncLevels(
  request: ResyncRequest, plan: Plan, state: BatchState, records: Readonly<Record<string, number>>, parentsOf: (object: string) => readonly string[],
): Promise<void> {
  const options = request.options ?? {};
  state.phase = 'syncing';
  for (const level of plan.levels) {
    const runnable = level.filter((object) => state.objects.get(object)?.status === 'pending');
    // Large objects run one after another, largest first, beside the small ones: concurrent
    // copies of large children contend on their shared parents' rows (foreign-key locks), while
    // small objects gain from overlapping their round trips.
    const large = runnable.filter((object) => (records[object] ?? 0) >= LARGE_OBJECT_RECORDS)
      .sort((a, b) => (records[b] ?? 0) - (records[a] ?? 0));
    const small = runnable.filter((object) => !large.includes(object));
    const copy = async (object: string) => {
      state.update(object, { status: 'running' });
      setCurrentDetails(state.describe());
      try {
        const result = await executeChild(syncObject, {
          workflowId: `${workflowInfo().workflowId}/${object}`,
          args: [{ batchId: request.batchId, districtId: request.districtId, object, schoolYear: request.schoolYear, records: records[object], options }],
          staticSummary: `${object} of district ${request.districtId}, ${schoolYearLabel(request.schoolYear)}`,
        });
        state.update(object, { status: 'completed', processed: result.processed, errors: result.errors, sent: result.sent });
      } catch (error) {
        if (isCancellation(error)) throw error;
        state.update(object, { status: 'failed', reason: rootMessage(error) });
      }
      setCurrentDetails(state.describe());
    };
    await Promise.all([
      forEachBounded(large, options.maxParallelLargeObjects ?? DEFAULT_PARALLEL_LARGE_OBJECTS, copy),
      forEachBounded(small, options.maxParallelObjects ?? DEFAULT_PARALLEL_OBJECTS, copy),
    ]);
    const skipped = dependentsToSkip(plan, state, parentsOf);
    if (skipped.length > 0) await history.recordObjectsSkipped({ batchId: request.batchId, skipped });
  }
}

/** A full resync removes what the district no longer has, children before parents. */
async function removeDeletedRecords(request: ResyncRequest, plan: Plan, state: BatchState): Promise<void> {
  state.phase = 'removing deleted records';
  setCurrentDetails(state.describe());
  for (const level of [...plan.levels].reverse()) {
    const completed = level.filter((object) => state.objects.get(object)?.status === 'completed');
    if (completed.length === 0) continue;
    await pruning.pruneObjects({ batchId: request.batchId, districtId: request.districtId, schoolYear: request.schoolYear, objects: completed });
  }
}

/** Post-run verification of the objects the batch completed: a green that does not match shows. */
async function verifyTouchedObjects(request: ResyncRequest, state: BatchState): Promise<void> {
  const completed = [...state.objects.values()].filter((object) => object.status === 'completed').map((object) => object.object);
  if (completed.length === 0) return;
  state.phase = 'verifying';
  setCurrentDetails(state.describe());
  const verification = await verifying.verifyBatch({
    batchId: request.batchId, districtId: request.districtId, schoolYear: request.schoolYear, yearChoice: request.yearChoice, objects: completed,
  });
  state.outOfSync = verification.objectsOutOfSync;
}

function colourCounts(state: BatchState): Record<StatusColour, number> {
  const colours: Record<StatusColour, number> = { green: 0, yellow: 0, red: 0, gray: 0 };
  for (const object of state.objects.values()) colours[object.colour]++;
  return colours;
}

// ─── Workflows ──────────────────────────────────────────────────────────────────────────────────

/** Records how the batch ended and tells its waiter, even while the batch is being cancelled. */
async function finish(request: ResyncRequest, state: BatchState, status: FinishedBatchStatus, failure?: string): Promise<BatchOutcome> {
  state.phase = 'finished';
  return CancellationScope.nonCancellable(async () => {
    const outcome = await history.recordBatchFinished({ batchId: request.batchId, status, ...(failure ? { failure } : {}) });
    await notifyBatchFinished(request.notify, outcome);
    return outcome;
  });
}

export async function resyncBatch(request: ResyncRequest): Promise<BatchResult> {
  const state = new BatchState(request);
  setHandler(progressQuery, () => state.progress());
  setCurrentDetails(`Planning the ${resyncKind(request)} resync of district ${request.districtId}, ${schoolYearLabel(request.schoolYear)}.`);

  try {
    validate(request);
    const district = await history.loadDistrict({ districtId: request.districtId });
    const plan = planFor(request, district.profile);
    state.track(plan);
    await history.recordBatchStarted({ batchId: request.batchId, plan });
    const records = await history.countPlannedRecords({ districtId: request.districtId, schoolYear: request.schoolYear, objects: plan.levels.flat() });
    const catalog = districtCatalog(district.profile);
    await syncLevels(request, plan, state, records, (object) => catalog.get(object).parents);
    if (request.removeDeleted ?? plan.kind === 'full') await removeDeletedRecords(request, plan, state);
    if (request.verifyAfter ?? true) await verifyTouchedObjects(request, state);
  } catch (error) {
    await finish(request, state, isCancellation(error) ? 'cancelled' : 'failed', rootMessage(error));
    throw error;
  }

  const failed = [...state.objects.values()].filter((object) => object.status === 'failed');
  const outcome = await finish(request, state, failed.length > 0 ? 'failed' : 'completed',
    failed.length > 0 ? `${failed.length} object(s) failed: ${failed.map((o) => o.object).join(', ')}` : undefined);
  const result = { ...outcome, colours: colourCounts(state), outOfSync: state.outOfSync };
  setCurrentDetails(`${outcome.status}: ${outcome.processed} processed, ${outcome.errors} error(s), ${outcome.deleted} removed. ${state.describe()}`);
  if (failed.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `${failed.length} object(s) failed: ${failed.map((o) => `${o.object} (${o.reason ?? 'unknown'})`).join('; ')}`,
      ResyncObjectsFailedError.name, result,
    );
  }
  return result;
}
