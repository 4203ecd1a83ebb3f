// A state-wide resync (DESIGN §2.6, §2.12): the state requests a resync of many or all districts in
// one action — at year end, every district. Each district's request goes to that district's lane
// (one batch at a time per district and year still holds; the district cannot refuse it, and is
// alerted), the global throttle bounds how many copy at once, and this run follows them all by
// their signals, reporting districts done / running / queued and the records across them.
// Cancelling it cancels every batch that has not finished (queued ones are withdrawn); its outcome
// is 'cancelled' only if that stopped at least one district.
import {
  CancellationScope, condition, defineQuery, defineSignal, isCancellation, patched, proxyActivities, setCurrentDetails, setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ResyncMethod, SchoolYearChoice } from '../domain';
import { BatchWaiter } from './batch-outcome';
import { forEachBounded } from './bounded';
import { submitBatch, workflowBatchId } from './lanes';
import { BOOKKEEPING } from './policies';
import { RESYNC_OUTCOME, worstColour, type ResyncOutcome } from './search-attributes';
import type { BatchOutcome, ResyncTuning } from './types';

// ─── Types ──────────────────────────────────────────────────────────────────────────────────────

export interface StateWideTarget {
  readonly districtId: string;
  /** The school year the choice means for this district (scoped years may differ). */
  readonly schoolYear: number;
}

export interface StateWideResyncInput {
  readonly requestId: string;
  readonly targets: readonly StateWideTarget[];
  /** Districts left out when the request was made, and why (the year or objects not offered). */
  readonly skipped?: readonly { readonly districtId: string; readonly reason: string }[];
  readonly objects: 'all' | readonly string[];
  readonly checkDependencies: boolean;
  /** How records travel in every district's batch (default copy). */
  readonly method?: ResyncMethod;
  readonly yearChoice: SchoolYearChoice;
  readonly requestedBy: string;
  readonly options?: ResyncTuning;
}

export type DistrictRunStatus = 'pending' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface DistrictRun {
  readonly districtId: string;
  readonly schoolYear: number;
  readonly batchId: string | null;
  readonly status: DistrictRunStatus;
  readonly processed: number;
  readonly errors: number;
  readonly sent: number;
  readonly failure: string | null;
}

export interface StateWideProgress {
  readonly requestId: string;
  readonly phase: 'submitting' | 'running' | 'cancelling' | 'finished';
  readonly requestedBy: string;
  /** Who asked to cancel the run (null: nobody) — said even when the cancel found every district's
   *  batch already ended; the run's outcome is 'cancelled' only if a district was cancelled. */
  readonly cancelledBy: string | null;
  /** Districts by where they are: not yet handed to their lane, waiting there (or for a copy slot),
   *  copying, and ended (completed, failed, cancelled). */
  readonly counts: Readonly<Record<DistrictRunStatus, number>> & { readonly total: number; readonly skipped: number };
  /** Records across the districts that have ended. */
  readonly records: { readonly processed: number; readonly errors: number; readonly sent: number };
  readonly districts: readonly DistrictRun[];
  readonly skipped: readonly { readonly districtId: string; readonly reason: string }[];
}

// ─── Signals & Queries ──────────────────────────────────────────────────────────────────────────

export const stateWideProgressQuery = defineQuery<StateWideProgress>('stateWideProgress');
/** Cancels the state-wide run, naming who did (an operator may also cancel the run itself). */
export const cancelStateWideSignal = defineSignal<[{ by: string }]>('cancelStateWide');

// ─── Helpers ────────────────────────────────────────────────────────────────────────────────────

const activities = proxyActivities<Activities>(BOOKKEEPING);

/** Districts handed to their lanes at once: each hand-over is a short update. */
const SUBMIT_PARALLEL = 8;

/** Runs that ended before this patch report 'cancelled' whenever a cancel was asked, even one that
 *  found every batch ended; their queries replay on that path. */
export const OUTCOME_BY_CANCELLED_DISTRICTS = 'state-wide-outcome-by-cancelled-districts';

export function stateWideWorkflowId(requestId: string): string {
  return `state-resync/${requestId}`;
}

// ─── Workflows ──────────────────────────────────────────────────────────────────────────────────

export async function stateWideResync(input: StateWideResyncInput): Promise<StateWideProgress> {
  const waiter = new BatchWaiter();
  const runs = new Map<string, DistrictRun>(input.targets.map((target) => [target.districtId, {
    districtId: target.districtId, schoolYear: target.schoolYear, batchId: null, status: 'pending', processed: 0, errors: 0, sent: 0, failure: null,
  }]));
  let phase: StateWideProgress['phase'] = 'submitting';
  let cancelledBy: string | null = null;

  /** A district's run as its batch's signals tell it. */
  const current = (run: DistrictRun): DistrictRun => {
    if (!run.batchId) return run;
    const outcome = waiter.outcome(run.batchId);
    if (outcome) {
      return { ...run, status: outcome.status, processed: outcome.processed, errors: outcome.errors, sent: outcome.sent, failure: outcome.failure };
    }
    return { ...run, status: waiter.hasStarted(run.batchId) ? 'running' : 'queued' };
  };
  const progress = (): StateWideProgress => {
    const districts = [...runs.values()].map(current);
    const counts = { pending: 0, queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const run of districts) counts[run.status]++;
    const ended = districts.filter((run) => ['completed', 'failed', 'cancelled'].includes(run.status));
    return {
      requestId: input.requestId, phase, requestedBy: input.requestedBy, cancelledBy,
      counts: { ...counts, total: districts.length, skipped: input.skipped?.length ?? 0 },
      records: {
        processed: ended.reduce((sum, run) => sum + run.processed, 0),
        errors: ended.reduce((sum, run) => sum + run.errors, 0),
        sent: ended.reduce((sum, run) => sum + run.sent, 0),
      },
      districts, skipped: input.skipped ?? [],
    };
  };
  const describe = () => {
    const { counts, records } = progress();
    setCurrentDetails(`${phase}: ${counts.completed + counts.failed + counts.cancelled}/${counts.total} district(s) done, `
      + `${counts.running} running, ${counts.queued + counts.pending} waiting; ${records.processed} records processed, ${records.errors} error(s).`);
  };
  setHandler(stateWideProgressQuery, progress);
  setHandler(cancelStateWideSignal, ({ by }) => void (cancelledBy ??= by));

  const submitted = () => [...runs.values()].filter((run) => run.batchId !== null);
  const allEnded = () => submitted().every((run) => waiter.outcome(run.batchId as string) !== undefined);

  /** Cancels every batch that has not ended, and never submits the rest. */
  const cancelAll = async (by: string) => {
    phase = 'cancelling';
    for (const run of runs.values()) if (!run.batchId) runs.set(run.districtId, { ...run, status: 'cancelled', failure: `cancelled by ${by} before it was requested` });
    describe();
    await forEachBounded(submitted().filter((run) => !waiter.outcome(run.batchId as string)), SUBMIT_PARALLEL, async (run) => {
      await activities.cancelBatch({ batchId: run.batchId as string, districtId: run.districtId, schoolYear: run.schoolYear, by });
    });
    await condition(allEnded);
  };

  try {
    await forEachBounded(input.targets, SUBMIT_PARALLEL, async (target) => {
      if (cancelledBy) return;
      const batchId = workflowBatchId();
      runs.set(target.districtId, { ...(runs.get(target.districtId) as DistrictRun), batchId, status: 'queued' });
      await submitBatch({
        batchId, districtId: target.districtId, yearChoice: input.yearChoice, schoolYear: target.schoolYear, objects: input.objects,
        checkDependencies: input.checkDependencies, initiator: 'state', requestedBy: input.requestedBy,
        ...(input.method ? { method: input.method } : {}),
        ...(input.options ? { options: input.options } : {}),
      });
      describe();
    });
    phase = 'running';
    for (;;) {
      describe();
      await condition(() => allEnded() || cancelledBy !== null, '30 seconds');
      if (cancelledBy) {
        await cancelAll(cancelledBy);
        break;
      }
      if (allEnded()) break;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // The run itself was cancelled (e.g. from the Temporal UI): cancel its batches, then end.
    await CancellationScope.nonCancellable(() => cancelAll(cancelledBy ?? 'an operator (the Temporal UI)'));
    phase = 'finished';
    describe();
    throw error;
  }

  phase = 'finished';
  describe();
  const result = progress();
  const outcomes = submitted().map((run) => waiter.outcome(run.batchId as string)).filter((o): o is BatchOutcome => o !== undefined);
  // A cancel that found every batch already ended stopped nothing: the run ends as its districts
  // did (cancelledBy still names who asked). Runs that ended before this patch said cancelled.
  const stopped = patched(OUTCOME_BY_CANCELLED_DISTRICTS)
    ? result.districts.some((district) => district.status === 'cancelled')
    : true;
  const outcome: ResyncOutcome = cancelledBy && stopped ? 'cancelled'
    : outcomes.some((o) => o.status === 'failed') ? 'failed'
      : worstColour(outcomes.map((o) => (o.redObjects.length > 0 ? 'red' : o.errors > 0 ? 'yellow' : 'green')));
  upsertSearchAttributes([{ key: RESYNC_OUTCOME, value: outcome }]);
  return result;
}
