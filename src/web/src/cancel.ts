// Cancel, on a queued or running batch the reader may cancel (the API says which: a district its
// own batches, the state any): confirmed in a dialog, then POST /api/resyncs/:batch/cancel. A
// queued batch is withdrawn and never runs; a running one stops at its next page boundary, with
// what it already sent kept. The outcome then reads "cancelled by <user> at <time>".
import type { BatchSummary } from './api-types';
import { byId } from './dom';
import { chosenRecordsText, schoolYearLabel } from './format';
import { fail, say, showError } from './messages';
import { emit, on, session, state } from './store';

/** The dialog's sentence: which batch, and what cancelling it does. */
export function cancelText(batch: BatchSummary): string {
  const what = batch.objectsHidden || batch.kind === 'full' ? 'resync'
    : batch.kind === 'selective' ? `Selective Sync (${chosenRecordsText(batch)})`
      : `partial resync (${(batch.requestedObjects ?? []).join(', ')})`;
  const of = `batch ${batch.batchId}, a ${batch.initiator === 'state' ? 'state-requested ' : batch.initiator === 'schedule' ? 'scheduled ' : ''}${what} of district ${batch.districtId} for ${schoolYearLabel(batch.schoolYear)}`;
  return batch.status === 'queued'
    ? `Cancel ${of}? It has not started: it is withdrawn and nothing is sent.`
    : `Cancel ${of}? It stops after the page it is copying; what it has sent stays at the state, and objects not finished show as cancelled.`;
}

function confirmCancel(batch: BatchSummary, returnFocus: Element | null): Promise<boolean> {
  const dialog = byId('cancel-dialog', HTMLDialogElement);
  byId('cancel-text').textContent = cancelText(batch);
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
      else byId('history-title').focus();
      resolve(dialog.returnValue === 'cancel-batch');
    }, { once: true });
    dialog.showModal();
  });
}

async function cancel(batch: BatchSummary): Promise<void> {
  const view = state.view;
  showError('');
  if (!(await confirmCancel(batch, document.activeElement))) return;
  try {
    const answer = await session().api.cancel(batch.batchId);
    say(answer.outcome === 'withdrawn'
      ? `Resync batch ${batch.batchId} withdrawn: it had not started.`
      : `Resync batch ${batch.batchId} is being cancelled: it stops after the page it is copying.`);
  } catch (error) {
    fail(error);
  }
  if (view) emit('activity-stale', view);
}

export function mountCancel(): void {
  on('cancel-batch', (batch) => void cancel(batch));
}
