// The line beside Send Resync: how far the followed batch has got.
import type { BatchDetail } from './api-types';
import { byId } from './dom';
import { formatNumber } from './format';
import { ACTIVE_STATUSES, on } from './store';

/** "Batch … running: 3 of 7 objects finished, 1,234 records processed, 5 errors." */
export function progressText(batch: BatchDetail): string {
  if (batch.objectsHidden) return `A resync requested by the state is ${batch.status}.`;
  const objects = batch.objects;
  const done = objects.filter((object) => object.status !== 'pending' && object.status !== 'running').length;
  const processed = objects.reduce((sum, object) => sum + object.processed, 0);
  const errors = objects.reduce((sum, object) => sum + object.errors, 0);
  // After the copies, a full resync still removes records deleted at the district: say so.
  const phase = batch.phase && batch.phase !== 'syncing' ? ` (${batch.phase})` : '';
  return ACTIVE_STATUSES.has(batch.status)
    ? `Batch ${batch.batchId} ${batch.status}${phase}: ${done} of ${objects.length} objects finished, ${formatNumber(processed)} records processed, ${formatNumber(errors)} errors.`
    : `Batch ${batch.batchId} ${batch.outcome}: ${formatNumber(processed)} records processed, ${formatNumber(errors)} errors.`;
}

export function mountProgress(): void {
  const line = () => byId('progress');
  on('batch', (batch) => {
    line().textContent = progressText(batch);
  });
  on('view', () => {
    line().textContent = '';
  });
  on('session', (current) => {
    if (!current) line().textContent = '';
  });
}
