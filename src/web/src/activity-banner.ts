// The banner above the table: every batch of the district queued or running now, wherever it was
// started (the state, a schedule, the CLI, a colleague), with its progress and, where the reader
// may, Cancel. A district user learns that a state resync runs, never which objects (DESIGN §2.6).
import type { ActiveBatch, Activity } from './api-types';
import { byId, h, type Child } from './dom';
import { chosenRecordsText, formatNumber, schoolYearLabel, timeOf } from './format';
import { cancelButton } from './history';
import { on } from './store';

const TITLE: Record<string, string> = { state: 'State resync', schedule: 'Scheduled resync', district: 'Resync' };

function progressOf(batch: ActiveBatch): string | null {
  if (batch.objectsHidden || batch.status !== 'running') return null;
  const done = batch.objects.filter((object) => object.status !== 'pending' && object.status !== 'running').length;
  const processed = batch.objects.reduce((sum, object) => sum + object.processed, 0);
  return `${formatNumber(done)} of ${formatNumber(batch.objects.length)} objects finished, ${formatNumber(processed)} records processed.`;
}

/** What the batch is: "a full resync", "a partial resync of TestScore, Roster (with dependencies)",
 *  "a Selective Sync of 1 PersonIdentity record, with its parent records". */
function kindOf(batch: ActiveBatch): string {
  if (batch.objectsHidden) return 'a resync';
  if (batch.kind === 'selective') return `a Selective Sync of ${chosenRecordsText(batch)}`;
  const how = batch.method === 'differential' ? ' (differential: only what differs is written)' : '';
  if (batch.kind === 'full') return `a full resync${how}`;
  return `a partial resync of ${(batch.requestedObjects ?? []).join(', ')}${batch.checkDependencies ? ' (with dependencies)' : ''}${how}`;
}

function item(batch: ActiveBatch): HTMLLIElement {
  const title = `${TITLE[batch.initiator] ?? 'Resync'} ${batch.status === 'running' ? 'in progress' : 'queued'}`;
  const by = batch.objectsHidden ? 'The state requested' : batch.requestedBy ? `${batch.requestedBy} requested` : 'Requested:';
  const sentence: Child[] = [
    `${by} ${kindOf(batch)} of district ${batch.districtId} for ${schoolYearLabel(batch.schoolYear)} at `, timeOf(batch.requestedAt),
    batch.status === 'queued' ? '; it runs when the batch ahead of it has finished.' : '.',
    batch.objectsHidden ? ' The district cannot stop a resync the state requested.' : null,
  ];
  const cancelling = !batch.objectsHidden && batch.cancelRequestedBy
    ? h('span', { class: 'cancelling' }, `Cancelling: asked by ${batch.cancelRequestedBy} at `, timeOf(batch.cancelRequestedAt), '.')
    : null;
  return h('li', { 'data-batch': batch.batchId, 'data-status': batch.status, 'data-initiator': batch.initiator },
    h('strong', { class: 'live-title' }, title),
    h('span', {}, ...sentence),
    progressOf(batch) ? h('span', { class: 'live-progress' }, progressOf(batch)) : null,
    h('span', { class: 'muted' }, `Batch ${batch.batchId}.`),
    cancelling ?? cancelButton(batch));
}

function render(activity: Activity): void {
  byId('live').hidden = activity.batches.length === 0;
  byId('live-batches').replaceChildren(...activity.batches.map(item));
}

export function mountActivityBanner(): void {
  on('activity', render);
  on('view', () => {
    byId('live').hidden = true;
    byId('live-batches').replaceChildren();
  });
  on('session', (current) => {
    if (!current) byId('live').hidden = true;
  });
}
