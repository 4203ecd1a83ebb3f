// The lane of one district and school year (DESIGN §2.12): resync batches run one at a time, in
// the order they were accepted. A district request is refused while the lane is busy; a state or
// scheduled request cannot be refused and waits its turn. Requests arrive as updates (with start),
// so acceptance and refusal are decided here, atomically, and the caller learns the outcome.
import {
  ApplicationFailure, condition, continueAsNew, defineQuery, defineUpdate, executeChild, proxyActivities,
  setCurrentDetails, setHandler, workflowInfo, allHandlersFinished,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { STATE_RESYNC_REQUESTED_ALERT } from '../domain';
import { NON_RETRYABLE_ERRORS, RESYNC_ALREADY_RUNNING } from './failures';
import { resyncBatch } from './resync-batch';
import { DISTRICT_ID, INITIATOR, RESYNC_KIND, SCHOOL_YEAR } from './search-attributes';
import type { LaneInput, LaneState, ResyncRequest, SubmitResult } from './types';
import { batchWorkflowId, resyncKind, schoolYearLabel } from './types';

// ─── Signals & Queries ──────────────────────────────────────────────────────────────────────────

export const submitUpdate = defineUpdate<SubmitResult, [ResyncRequest]>('submit');
export const withdrawUpdate = defineUpdate<boolean, [string]>('withdraw');
export const laneQuery = defineQuery<LaneState>('lane');

// ─── Helpers ────────────────────────────────────────────────────────────────────────────────────

const history = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

/** An idle lane closes after this long; the next request starts it again. */
const IDLE_CLOSE = '10 minutes';
/** Batches per run before the lane continues as new, keeping its history short. */
const BATCHES_PER_RUN = 100;

function summaryOf(request: ResyncRequest): string {
  const who = request.initiator === 'state' ? 'requested by the state' : request.initiator === 'schedule' ? 'scheduled' : `by ${request.requestedBy}`;
  return `${resyncKind(request) === 'full' ? 'Full' : 'Partial'} resync of district ${request.districtId}, ${schoolYearLabel(request.schoolYear)}, ${who}`;
}

// ─── Workflows ──────────────────────────────────────────────────────────────────────────────────

export async function resyncLane(input: LaneInput): Promise<void> {
  const queue: ResyncRequest[] = [...(input.queue ?? [])];
  let running: ResyncRequest | null = null;
  const workflowIdOf = (request: ResyncRequest) => batchWorkflowId(request.districtId, request.schoolYear, request.batchId);
  const entry = (request: ResyncRequest) => ({ batchId: request.batchId, workflowId: workflowIdOf(request), initiator: request.initiator });

  setHandler(laneQuery, () => ({ running: running ? entry(running) : null, queued: queue.map(entry) }));

  setHandler(submitUpdate, async (request) => {
    queue.push(request);
    const position = queue.length - 1 + (running ? 1 : 0);
    await history.recordBatchQueued({
      batchId: request.batchId, districtId: request.districtId, schoolYear: request.schoolYear, yearChoice: request.yearChoice,
      kind: resyncKind(request), initiator: request.initiator, requestedBy: request.requestedBy,
      checkDependencies: request.checkDependencies, requestedObjects: request.objects === 'all' ? null : [...request.objects],
      workflowId: workflowIdOf(request),
    });
    if (request.initiator === 'state') {
      await history.raiseAlert({
        ...STATE_RESYNC_REQUESTED_ALERT, districtId: request.districtId, batchId: request.batchId,
        message: `The state requested a resync of district ${request.districtId} for ${schoolYearLabel(request.schoolYear)}.`,
      });
    }
    return { batchId: request.batchId, workflowId: workflowIdOf(request), position };
  }, {
    validator: (request) => {
      if (request.districtId !== input.districtId || request.schoolYear !== input.schoolYear) {
        throw new Error(`this lane serves district ${input.districtId}, ${input.schoolYear}`);
      }
      if (queue.some((queued) => queued.batchId === request.batchId) || running?.batchId === request.batchId) {
        throw new Error(`batch ${request.batchId} was already submitted`);
      }
      const busy = running ?? queue[0];
      if (request.initiator === 'district' && busy) {
        throw ApplicationFailure.create({
          type: RESYNC_ALREADY_RUNNING, nonRetryable: true, details: [entry(busy)],
          message: `a resync of district ${input.districtId} for ${schoolYearLabel(input.schoolYear)} is already ${running ? 'running' : 'queued'} (batch ${busy.batchId})`,
        });
      }
    },
  });

  setHandler(withdrawUpdate, async (batchId) => {
    const index = queue.findIndex((queued) => queued.batchId === batchId);
    if (index < 0) return false;
    queue.splice(index, 1);
    await history.recordBatchFinished({ batchId, status: 'cancelled', failure: 'cancelled before it started' });
    return true;
  });

  let batches = 0;
  for (;;) {
    setCurrentDetails(queue.length > 0 ? `${queue.length} batch(es) waiting.` : 'Idle.');
    const hasWork = await condition(() => queue.length > 0, IDLE_CLOSE);
    if (!hasWork) {
      await condition(allHandlersFinished);
      if (queue.length === 0) return;
    }
    const request = queue.shift();
    if (!request) continue;
    running = request;
    setCurrentDetails(`Running batch ${request.batchId}; ${queue.length} waiting.`);
    try {
      await executeChild(resyncBatch, {
        workflowId: workflowIdOf(request),
        args: [request],
        staticSummary: summaryOf(request),
        typedSearchAttributes: [
          { key: DISTRICT_ID, value: request.districtId },
          { key: SCHOOL_YEAR, value: request.schoolYear },
          { key: RESYNC_KIND, value: resyncKind(request) },
          { key: INITIATOR, value: request.initiator },
        ],
      });
    } catch {
      // The batch recorded its own outcome; a failed or cancelled batch does not stop the lane.
    }
    running = null;
    batches++;
    if (batches >= BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof resyncLane>({ districtId: input.districtId, schoolYear: input.schoolYear, queue });
    }
  }
}
