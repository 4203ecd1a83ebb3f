// The lane of one district and school year (DESIGN §2.12): resync batches run one at a time, in
// the order they were accepted. A district request is refused while the lane is busy; a state or
// scheduled request cannot be refused and waits its turn. Requests arrive as updates (with start),
// so acceptance and refusal are decided here, atomically, and the caller learns the outcome.
// Cancellation is decided here too: a queued batch is withdrawn, a running one is cancelled and
// waited for — whatever the timing, never both and never neither.
import {
  allHandlersFinished, ApplicationFailure, CancellationScope, CancelledFailure, condition, continueAsNew, defineQuery, defineUpdate,
  executeChild, patched, proxyActivities, setCurrentDetails, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ResyncAlreadyRunningError, STATE_RESYNC_REQUESTED_ALERT } from '../domain';
import { notifyBatchFinished } from './batch-outcome';
import { BOOKKEEPING } from './policies';
import { resyncBatch } from './resync-batch';
import { resyncAttributes } from './search-attributes';
import type { BatchInput, CancelOutcome, CancelRequest, LaneInput, LaneState, SubmitResult } from './types';
import { batchWorkflowId, schoolYearLabel } from './types';

// ─── Signals & Queries ──────────────────────────────────────────────────────────────────────────

export const submitUpdate = defineUpdate<SubmitResult, [BatchInput]>('submit');
export const cancelUpdate = defineUpdate<CancelOutcome, [CancelRequest]>('cancel');
/** @deprecated Replaced by `cancelUpdate`; kept registered so lanes that accepted it can replay. */
export const withdrawUpdate = defineUpdate<boolean, [string]>('withdraw');
export const laneQuery = defineQuery<LaneState>('lane');

// ─── Helpers ────────────────────────────────────────────────────────────────────────────────────

const history = proxyActivities<Activities>(BOOKKEEPING);

/** Lanes that accepted a state request before this patch recorded it and raised its alert in two
 *  activities (now one, recordBatchQueued with the alert); they replay on that path. */
export const QUEUED_WITH_ALERT = 'queued-with-alert-in-one-activity';

/** An idle lane closes after this long; the next request starts it again. */
const IDLE_CLOSE = '10 minutes';
/** Batches per run before the lane continues as new, keeping its history short. */
const BATCHES_PER_RUN = 100;

function summaryOf(batch: BatchInput): string {
  const who = batch.initiator === 'state' ? 'requested by the state' : batch.initiator === 'schedule' ? 'scheduled' : `by ${batch.requestedBy}`;
  return `${batch.kind === 'full' ? 'Full' : 'Partial'} resync of district ${batch.districtId}, ${schoolYearLabel(batch.schoolYear)}, ${who}`;
}

/** A queued batch; `recorded` once the history holds it (until then it cannot start). */
interface Queued {
  readonly batch: BatchInput;
  recorded: boolean;
}

// ─── Workflows ──────────────────────────────────────────────────────────────────────────────────

export async function resyncLane(input: LaneInput): Promise<void> {
  // Batches carried over a continue-as-new were recorded before it. Lanes of older releases
  // carried requests without a kind; they are full resyncs unless they named objects.
  const queue: Queued[] = (input.queue ?? []).map((batch) => ({
    batch: { ...batch, kind: batch.kind ?? ((batch as { objects?: unknown }).objects === 'all' ? 'full' : 'partial') }, recorded: true,
  }));
  let running: { batch: BatchInput; scope: CancellationScope } | null = null;
  const workflowIdOf = (batch: BatchInput) => batchWorkflowId(batch.districtId, batch.schoolYear, batch.batchId);
  const entry = (batch: BatchInput) => ({ batchId: batch.batchId, workflowId: workflowIdOf(batch), initiator: batch.initiator });

  setHandler(laneQuery, () => ({ running: running ? entry(running.batch) : null, queued: queue.map((queued) => entry(queued.batch)) }));

  setHandler(submitUpdate, async (batch) => {
    // Reserve the place at once, so a district request arriving meanwhile sees the lane busy.
    const queued: Queued = { batch, recorded: false };
    queue.push(queued);
    const position = queue.indexOf(queued) + (running ? 1 : 0);
    // Neutral on purpose: which objects, or whether all of them, is not the district's to see.
    const alert = batch.initiator === 'state'
      ? {
        ...STATE_RESYNC_REQUESTED_ALERT, districtId: batch.districtId, batchId: batch.batchId,
        message: `The state requested a resync of district ${batch.districtId} for ${schoolYearLabel(batch.schoolYear)}.`,
      }
      : undefined;
    const together = alert !== undefined && patched(QUEUED_WITH_ALERT);
    try {
      await history.recordBatchQueued({
        batchId: batch.batchId, districtId: batch.districtId, schoolYear: batch.schoolYear, yearChoice: batch.yearChoice,
        kind: batch.kind, initiator: batch.initiator, requestedBy: batch.requestedBy, workflowId: workflowIdOf(batch),
        ...(together ? { alert } : {}),
      });
    } catch (error) {
      queue.splice(queue.indexOf(queued), 1);
      throw error;
    }
    queued.recorded = true;
    if (alert && !together) await history.raiseAlert(alert);
    return { batchId: batch.batchId, workflowId: workflowIdOf(batch), position };
  }, {
    validator: (batch) => {
      if (batch.districtId !== input.districtId || batch.schoolYear !== input.schoolYear) {
        throw new Error(`this lane serves district ${input.districtId}, ${input.schoolYear}`);
      }
      if (queue.some((queued) => queued.batch.batchId === batch.batchId) || running?.batch.batchId === batch.batchId) {
        throw new Error(`batch ${batch.batchId} was already submitted`);
      }
      const busy = running?.batch ?? queue[0]?.batch;
      if (batch.initiator === 'district' && busy) {
        throw ApplicationFailure.create({
          type: ResyncAlreadyRunningError.name, nonRetryable: true, details: [entry(busy)],
          message: `a resync of district ${input.districtId} for ${schoolYearLabel(input.schoolYear)} is already ${running ? 'running' : 'queued'} (batch ${busy.batchId})`,
        });
      }
    },
  });

  const cancel = async ({ batchId, by }: CancelRequest): Promise<CancelOutcome> => {
    const queued = queue.find((candidate) => candidate.batch.batchId === batchId);
    if (queued) {
      // Being recorded: wait for it (or for its refusal) before withdrawing it.
      await condition(() => queued.recorded || !queue.includes(queued));
      if (!queue.includes(queued)) return 'not in this lane';
      queue.splice(queue.indexOf(queued), 1);
      await history.recordCancelRequested({ batchId, by });
      const outcome = await history.recordBatchFinished({ batchId, status: 'cancelled', failure: 'before it started' });
      await notifyBatchFinished(queued.batch.notify, outcome);
      return 'withdrawn';
    }
    if (running?.batch.batchId === batchId) {
      await history.recordCancelRequested({ batchId, by });
      running.scope.cancel();
      return 'cancelling';
    }
    return 'not in this lane';
  };
  setHandler(cancelUpdate, cancel);
  setHandler(withdrawUpdate, async (batchId) => (await cancel({ batchId, by: 'an operator' })) === 'withdrawn');

  let batches = 0;
  for (;;) {
    setCurrentDetails(queue.length > 0 ? `${queue.length} batch(es) waiting.` : 'Idle.');
    const hasWork = await condition(() => queue[0]?.recorded === true, IDLE_CLOSE);
    if (!hasWork) {
      await condition(allHandlersFinished);
      if (queue.length === 0) return;
      continue;
    }
    const next = queue.shift();
    if (!next) continue;
    const batch = next.batch;
    const scope = new CancellationScope();
    running = { batch, scope };
    setCurrentDetails(`Running batch ${batch.batchId}; ${queue.length} waiting.`);
    try {
      await scope.run(() => executeChild(resyncBatch, {
        workflowId: workflowIdOf(batch),
        args: [batch],
        staticSummary: summaryOf(batch),
        typedSearchAttributes: resyncAttributes(batch),
      }));
    } catch (error) {
      // A batch that ran recorded its own outcome; a failed or cancelled batch does not stop the
      // lane. One cancelled before its workflow started never ran: record it here.
      if (error instanceof CancelledFailure) {
        const outcome = await history.recordBatchCancelledUnstarted({ batchId: batch.batchId });
        if (outcome) await notifyBatchFinished(batch.notify, outcome);
      }
    }
    running = null;
    batches++;
    if (batches >= BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof resyncLane>({ districtId: input.districtId, schoolYear: input.schoolYear, queue: queue.map((queued) => queued.batch) });
    }
  }
}
