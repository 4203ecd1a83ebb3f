// Send Resync (Request Resync for the state): the picked objects and Check Dependencies become a
// request; the plan is previewed in the confirmation dialog; on OK the batch starts and is
// followed.
import { ApiError } from './api';
import type { ResyncBody, Role } from './api-types';
import { follow } from './batch-follow';
import { byId } from './dom';
import { clearSelection, selection } from './object-table';
import { fail, say, showError } from './messages';
import { confirmPlan } from './plan-dialog';
import { emit, isCurrent, on, session, state } from './store';

const button = () => byId('send', HTMLButtonElement);
const checkDependencies = () => byId('check-dependencies', HTMLInputElement);

export const sendLabel = (role: Role | undefined): string => (role === 'state' ? 'Request Resync' : 'Send Resync');

let sending = false;

async function sendResync(): Promise<void> {
  const view = state.view;
  if (sending || !view) return;
  showError('');
  const { picked, all } = selection();
  if (picked.length === 0) {
    showError('Select at least one object to resync (the checkbox in the header selects all of them).');
    return;
  }
  const { api, role } = session();
  // Every object selected is the seed's full resync: the server plans it in natural order.
  const body: ResyncBody = { objects: all ? 'all' : picked, checkDependencies: checkDependencies().checked, year: view.year };
  sending = true;
  try {
    const preview = await api.plan(view.district, body);
    if (!(await confirmPlan(role, view.district, body, preview, button()))) {
      say('Resync not sent.');
      return;
    }
    const started = await api.startResync(role, view.district, body);
    say(started.status === 'queued'
      ? `Resync batch ${started.batchId} queued behind ${started.position} other batch(es).`
      : `Resync batch ${started.batchId} started.`);
    clearSelection();
    if (isCurrent(view)) emit('batch-started', started);
  } catch (error) {
    fail(error);
    // Refused because another batch holds the lane: show that one instead.
    const running = error instanceof ApiError ? error.problem.runningBatchId : undefined;
    if (running && isCurrent(view)) void follow(running);
  } finally {
    sending = false;
  }
}

export function mountSend(): void {
  button().addEventListener('click', () => void sendResync());
  on('session', (current) => {
    button().textContent = sendLabel(current?.role);
  });
}
