// Submitting a batch to a district's lane from workflow code and waiting for its outcome: the
// lane keeps one batch at a time per district and year, whoever asks.
import { proxyActivities, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BatchOutcome } from '../activities/lifecycle';
import { NON_RETRYABLE_ERRORS } from './failures';
import type { ResyncRequest } from './types';

const submitting = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

const waiting = proxyActivities<Activities>({
  // A batch of a large district can take hours; the heartbeat tells a dead poller from a slow batch.
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS, 'UnknownBatch'] },
});

/** A batch id made in workflow code: deterministic on replay (workflow clock and uuid). */
export function workflowBatchId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${uuid4().slice(0, 4)}`;
}

export async function runBatch(request: Omit<ResyncRequest, 'batchId'> & { batchId?: string }): Promise<BatchOutcome> {
  const batchId = request.batchId ?? workflowBatchId();
  await submitting.submitResync({ ...request, batchId });
  return waiting.awaitBatch(batchId);
}
