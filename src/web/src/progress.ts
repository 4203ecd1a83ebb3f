// The line beside Send Resync: how far the running batch of the view's district and year has
// got, then how it ended (from the history, once it has).
import type { BatchSummary } from './api-types';
import { byId } from './dom';
import { formatNumber } from './format';
import { ACTIVE_STATUSES, on, type LiveBatch } from './store';

/** "Batch … running: 3 of 7 objects finished, 1,234 records processed, 5 errors." */
export function progressText(batch: LiveBatch): string {
  const objects = batch.objects;
  const done = objects.filter((object) => object.status !== 'pending' && object.status !== 'running').length;
  const processed = objects.reduce((sum, object) => sum + object.processed, 0);
  const errors = objects.reduce((sum, object) => sum + object.errors, 0);
  // After the copies, a full resync still removes records deleted at the district: say so.
  const phase = objects.length > 0 && done === objects.length ? (batch.kind === 'full' ? ' (removing records deleted at the district)' : ' (finishing)') : '';
  return `Batch ${batch.batchId} ${batch.status}${phase}: ${done} of ${objects.length} objects finished, ${formatNumber(processed)} records processed, ${formatNumber(errors)} errors.`;
}

/** "Batch … completed with errors: 8,935 records processed, 83 errors." */
export function endedText(batch: BatchSummary): string {
  if (batch.objectsHidden) return `A resync requested by the state ${batch.outcome}.`;
  return `Batch ${batch.batchId} ${batch.outcome}: ${formatNumber(batch.processed)} records processed, ${formatNumber(batch.errors)} errors.`;
}

export function mountProgress(): void {
  const line = () => byId('progress');
  /** The batch the line is about, until the history shows how it ended. */
  let following: string | null = null;
  on('batch', (batch) => {
    following = batch.batchId;
    line().textContent = progressText(batch);
  });
  on('batch-started', (started) => {
    following = started.batchId;
  });
  on('history', (page) => {
    const ended = page.batches.find((batch) => batch.batchId === following && !ACTIVE_STATUSES.has(batch.status));
    if (!ended) return;
    following = null;
    line().textContent = endedText(ended);
  });
  on('view', () => {
    following = null;
    line().textContent = '';
  });
  on('session', (current) => {
    if (!current) line().textContent = '';
  });
}
