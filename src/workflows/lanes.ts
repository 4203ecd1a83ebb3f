// Submitting a batch to a district's lane from workflow code and waiting for its outcome: the
// lane keeps one batch at a time per district and year, whoever asks. The batch signals its
// outcome back (see batch-outcome.ts).
import { patched, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { formatBatchId } from '../domain/resync';
import type { BatchWaiter } from './batch-outcome';
import { LEGACY_WAITING, SUBMITTING } from './policies';
import type { BatchOutcome, ResyncRequest } from './types';

const submitting = proxyActivities<Activities>(SUBMITTING);
const legacyWaiting = proxyActivities<Activities>(LEGACY_WAITING);

/** Runs that started before this patch waited by polling the history (`awaitBatch`); they replay
 *  on that path. Remove it, with `deprecatePatch`, once no such run remains (README, Upgrading). */
export const OUTCOME_BY_SIGNAL = 'batch-outcome-by-signal';

/** A batch id made in workflow code: deterministic on replay (workflow clock and uuid). */
export function workflowBatchId(): string {
  return formatBatchId(new Date(), uuid4());
}

/**
 * Submits a batch to its lane, naming this workflow as the one to notify, and waits for the
 * batch's outcome.
 * @param waiter created by the calling workflow before its first submission
 */
export async function runBatch(waiter: BatchWaiter, request: Omit<ResyncRequest, 'batchId' | 'notify'> & { batchId?: string }): Promise<BatchOutcome> {
  const batchId = request.batchId ?? workflowBatchId();
  await submitBatch({ ...request, batchId });
  if (!patched(OUTCOME_BY_SIGNAL)) return legacyWaiting.awaitBatch(batchId);
  return waiter.outcomeOf(batchId);
}

/** Submits a batch whose outcome this workflow will receive by signal. */
export async function submitBatch(request: Omit<ResyncRequest, 'notify'>): Promise<void> {
  await submitting.submitResync({ ...request, notify: workflowInfo().workflowId });
}
