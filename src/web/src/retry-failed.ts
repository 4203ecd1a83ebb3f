// Retry failed records, from a yellow or red row: the records of that row's batch that failed
// because a parent record was missing at the state (with those parents) or because the state
// refused them resync again as a Selective Sync batch (POST /api/resyncs/:batch/retry-failed),
// confirmed first. The new batch is then followed like any started one; a refusal (422 Nothing To
// Retry: only records not allowed to sync failed) is shown in the row.
import { ApiError } from './api';
import type { Plan, StartedResync, StartedRetry } from './api-types';
import { byId } from './dom';
import { schoolYearLabel, timeText } from './format';
import { describeError, fail, say, showError } from './messages';
import { showRowNote } from './object-table';
import { emit, isCurrent, on, session, state, type PageEvents } from './store';

type Asked = PageEvents['retry-failed'];

/** The dialog's sentence: which batch, which of its records, and how they run. */
export function retryQuestion(asked: Asked): string {
  const when = asked.lastResync ? `, started ${timeText(asked.lastResync)}` : '';
  return `Resync again the records of batch ${asked.batchId} (the last resync of ${asked.object}${when}) that failed because `
    + 'a parent record was missing at the state — with those parents — or because the state refused them. '
    + 'Records not allowed to sync, such as state-excluded enrollments, are not retried. '
    + `They run as a Selective Sync batch of district ${asked.districtId} for ${schoolYearLabel(asked.schoolYear)}.`;
}

/** The sentence shown in the row when the API refuses: its detail for Nothing To Retry. */
export function refusalText(error: ApiError): string {
  if (error.status === 422 && error.problem.detail) return `Nothing to retry: ${error.problem.detail}.`;
  return describeError(error);
}

function confirmRetry(asked: Asked, returnFocus: Element | null): Promise<boolean> {
  const dialog = byId('retry-dialog', HTMLDialogElement);
  byId('retry-text').textContent = retryQuestion(asked);
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
      resolve(dialog.returnValue === 'retry');
    }, { once: true });
    dialog.showModal();
  });
}

/** The 202 as the page's other panels know a started batch. Which objects it resyncs is known once
 *  it runs (the live view shows them then): its plan starts empty. */
function asStarted(started: StartedRetry): StartedResync {
  const plan: Plan = { kind: 'selective', levels: [], excluded: [], addedByCheckDependencies: [] };
  const { batchId, workflowId, districtId, schoolYear, initiator, status, position, links } = started;
  return { batchId, workflowId, districtId, schoolYear, initiator, status, position, plan, links };
}

let busy = false;

async function retry(asked: Asked): Promise<void> {
  const view = state.view;
  if (!view || busy) return;
  showError('');
  if (!(await confirmRetry(asked, document.activeElement))) {
    say('Failed records not retried.');
    return;
  }
  busy = true;
  try {
    const started = await session().api.retryFailed(asked.batchId);
    showRowNote(asked.object, asked.batchId, null);
    say(started.status === 'queued'
      ? `Retry of the failed records of batch ${asked.batchId}: batch ${started.batchId} queued behind ${started.position} other batch(es).`
      : `Retry of the failed records of batch ${asked.batchId}: batch ${started.batchId} started.`);
    if (isCurrent(view)) emit('batch-started', asStarted(started));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401) {
      fail(error);
      return;
    }
    if (isCurrent(view)) showRowNote(asked.object, asked.batchId, refusalText(error));
    // Refused because another batch holds the lane: read the district's activity now to show it.
    if (error.problem.runningBatchId && isCurrent(view)) emit('activity-stale', view);
  } finally {
    busy = false;
  }
}

export function mountRetryFailed(): void {
  on('retry-failed', (asked) => void retry(asked));
}
