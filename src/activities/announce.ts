// Telling people how a batch went: the process alerts a batch's end raises (DESIGN §2.6: neutral
// for the district when the state asked for it) and the webhook events. Called by the activities
// that record a batch's end and by the one that raises "State Resync Requested"; idempotent, so a
// retried activity raises no alert twice and starts no delivery twice.
import { raiseAlert } from '../data/alerts';
import { getBatch, type BatchRecord } from '../data/batches';
import { batchEndAlert, isFinished, UnknownBatchError } from '../domain';
import { batchEndedEvent, stateRequestedEvent } from '../notifications/events';
import type { BatchOutcome } from '../workflows/types';
import type { ActivityDeps } from './deps';

async function recordedBatch(deps: Pick<ActivityDeps, 'state'>, batchId: string): Promise<BatchRecord> {
  const batch = await getBatch(deps.state, batchId);
  if (!batch) throw new UnknownBatchError(batchId);
  return batch;
}

/** Raises the alerts of a failed or red batch, for the district and the state, and starts the
 *  webhook delivery of its end (when a webhook is configured). */
export async function announceBatchEnd(deps: ActivityDeps, outcome: BatchOutcome): Promise<void> {
  const batch = await recordedBatch(deps, outcome.batchId);
  if (!isFinished(batch.status)) throw new Error(`batch ${batch.batchId} has not ended (${batch.status})`);
  const alert = batchEndAlert({ ...batch, status: batch.status, redObjects: outcome.redObjects });
  if (alert) {
    const common = { districtId: batch.districtId, batchId: batch.batchId, category: alert.category, title: alert.title };
    if (alert.districtMessage === alert.stateMessage) {
      await raiseAlert(deps.state, { ...common, message: alert.stateMessage, audience: 'all' });
    } else {
      await raiseAlert(deps.state, { ...common, message: alert.districtMessage, audience: 'district' });
      await raiseAlert(deps.state, { ...common, message: alert.stateMessage, audience: 'state' });
    }
  }
  if (deps.webhook && deps.notifications) await deps.notifications.start(batchEndedEvent({ ...batch, status: batch.status }, outcome.redObjects));
}

/** Starts the webhook delivery of an accepted state request (its alert is raised by the lane). */
export async function announceStateRequest(deps: ActivityDeps, batchId: string): Promise<void> {
  if (!deps.webhook || !deps.notifications) return;
  await deps.notifications.start(stateRequestedEvent(await recordedBatch(deps, batchId)));
}
