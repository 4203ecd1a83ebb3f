// Batch history: every batch of the district, newest first, ten a page; Cancel on a queued or
// running batch the reader may cancel; links to its error details and to its run in the Temporal
// UI. A district user sees that a state batch ran, never its objects. A cancelled batch reads
// "cancelled by <who> at <time>".
import type { BatchSummary, VisibleBatch } from './api-types';
import { byId, h, visuallyHidden, type Child } from './dom';
import { chosenRecordsText, formatCount, schoolYearLabel, timeOf } from './format';
import { fail } from './messages';
import { renderPager } from './pager';
import { ACTIVE_STATUSES, emit, isCurrent, on, session, type View } from './store';

const HISTORY_PAGE = 10;
const INITIATOR: Record<string, string> = { district: 'District', state: 'State', schedule: 'Schedule' };

let offset = 0;

/** "cancelled by district:1001 at Nov 30, 2026, 2:07:05 PM (before it started)"; a failure says
 *  why; otherwise the outcome. */
export function outcomeOf(batch: VisibleBatch): Child[] {
  if (batch.status === 'cancelled' && batch.cancelRequestedBy && batch.cancelRequestedAt) {
    // failure repeats who and when in UTC: show the rest of it, if anything.
    const said = `cancelled by ${batch.cancelRequestedBy} at ${batch.cancelRequestedAt}`;
    const rest = batch.failure?.startsWith(said) ? batch.failure.slice(said.length).trim() : '';
    return [`cancelled by ${batch.cancelRequestedBy} at `, timeOf(batch.cancelRequestedAt), rest ? ` (${rest})` : ''];
  }
  if (ACTIVE_STATUSES.has(batch.status) && batch.cancelRequestedBy) return [`${batch.status}, cancelling (asked by ${batch.cancelRequestedBy})`];
  return [batch.failure ? `${batch.outcome}: ${batch.failure}` : batch.outcome];
}

/** Cancel, on a batch the reader may cancel that is still queued or running. */
export function cancelButton(batch: BatchSummary): HTMLButtonElement | null {
  if (!batch.cancellable || (!batch.objectsHidden && batch.cancelRequestedBy)) return null;
  return h('button', { type: 'button', class: 'link cancel-batch', onclick: () => emit('cancel-batch', batch) },
    'Cancel', visuallyHidden(` resync batch ${batch.batchId}`));
}

function historyRow(batch: BatchSummary): HTMLTableRowElement {
  const by = INITIATOR[batch.initiator] ?? batch.initiator;
  if (batch.objectsHidden) {
    // A district user learns that a state batch ran, when, and how it ended, never its objects.
    return h('tr', { 'data-batch': batch.batchId, 'data-hidden': 'true' },
      h('td', {}, timeOf(batch.requestedAt)), h('td', {}, schoolYearLabel(batch.schoolYear)), h('td', {}, by),
      h('td', {}, '—'), h('td', {}, batch.outcome), h('td', { class: 'num' }, '—'),
      h('td', { class: 'muted' }, 'Requested by the state: objects not shown'));
  }
  const outcome = outcomeOf(batch);
  const kind = batch.kind === 'full'
    ? 'Full'
    : batch.kind === 'selective'
      ? `Selective: ${chosenRecordsText(batch)}`
      : `Partial: ${(batch.requestedObjects ?? []).join(', ')}${batch.checkDependencies ? ' (with dependencies)' : ''}`;
  const how = batch.method === 'differential' ? ', differential' : '';
  return h('tr', { 'data-batch': batch.batchId },
    h('td', {}, timeOf(batch.requestedAt)),
    h('td', {}, schoolYearLabel(batch.schoolYear)),
    h('td', {}, batch.requestedBy ? `${by} (${batch.requestedBy})` : by),
    h('td', {}, kind + how),
    h('td', {}, outcome),
    // A batch's totals are summed when it ends; while it runs, the banner above shows its progress.
    h('td', { class: 'num' }, ACTIVE_STATUSES.has(batch.status) ? '—' : `${formatCount(batch.processed)} / ${formatCount(batch.errors)}`),
    h('td', {}, h('div', { class: 'links' },
      cancelButton(batch),
      batch.errors > 0
        ? h('button', { type: 'button', class: 'link', onclick: () => emit('show-errors', batch.batchId) }, 'Error details', visuallyHidden(` for batch ${batch.batchId}`))
        : null,
      batch.temporalUi
        ? h('a', { href: batch.temporalUi, target: '_blank', rel: 'noopener' }, 'Run in Temporal UI', visuallyHidden(` for batch ${batch.batchId} (opens in a new tab)`))
        : null)));
}

/** Loads and shows the current page of the view's history (all school years). */
export async function loadHistory(view: View): Promise<void> {
  try {
    const page = await session().api.history(view.district, { limit: HISTORY_PAGE, offset });
    if (!isCurrent(view)) return;
    const body = byId('history', HTMLTableElement).tBodies[0];
    body?.replaceChildren(...(page.batches.length > 0
      ? page.batches.map(historyRow)
      : [h('tr', {}, h('td', { colspan: 7 }, 'No resync has run for this district yet.'))]));
    emit('history', page);
    renderPager(byId('history-pager'), page, 'batches', (next) => {
      offset = next;
      void loadHistory(view);
    }, () => byId('history-title'));
  } catch (error) {
    if (isCurrent(view)) fail(error);
  }
}

export function mountHistory(): void {
  on('view', () => {
    offset = 0;
  });
}
