// Send Resync (Request Resync for the state): the picked objects and Check Dependencies become a
// request; the plan is previewed in the confirmation dialog (with its warning, and the fixes it
// offers); on OK the batch starts and the live view follows it. The button is held, with the
// reason beside it, while a batch of the district and year is queued or running. A user with
// Read rights does not see it: Check Dependencies and the object checkboxes, which only serve
// sending, are disabled, and a note says that sending needs Write (as for Selective Sync).
import { ApiError } from './api';
import type { ResyncBody, Role } from './api-types';
import { byId } from './dom';
import { blockedReason } from './format';
import { clearSelection, selection } from './object-table';
import { fail, say, showError } from './messages';
import { confirmPlan } from './plan-dialog';
import { emit, isCurrent, laneHolder, mayWrite, on, session, state } from './store';

const button = () => byId('send', HTMLButtonElement);
const reasonLine = () => byId('send-blocked');
const readOnlyNote = () => byId('send-read-only');
const checkDependencies = () => byId('check-dependencies', HTMLInputElement);

export const sendLabel = (role: Role | undefined): string => (role === 'state' ? 'Request Resync' : 'Send Resync');

/** Why a Read-only user has no Send Resync (Request Resync for the state). */
export const readOnlyText = (role: Role | undefined): string =>
  `With Read rights you can follow the objects' resyncs and their results; ${role === 'state' ? 'requesting' : 'sending'} one needs Write.`;

function render(): void {
  const holder = laneHolder();
  const role = state.session?.role;
  const writer = mayWrite();
  button().hidden = !writer;
  checkDependencies().disabled = !writer;
  if (writer) checkDependencies().removeAttribute('aria-describedby');
  else checkDependencies().setAttribute('aria-describedby', 'send-read-only');
  readOnlyNote().textContent = state.session && !writer ? readOnlyText(role) : '';
  readOnlyNote().hidden = !state.session || writer;
  // aria-disabled, not disabled: the button keeps focus (it has it right after OK) and a screen
  // reader reads the reason it points to.
  if (holder && role && writer) {
    button().setAttribute('aria-disabled', 'true');
    reasonLine().textContent = blockedReason(holder, sendLabel(role));
    reasonLine().hidden = false;
  } else {
    button().removeAttribute('aria-disabled');
    reasonLine().textContent = '';
    reasonLine().hidden = true;
  }
}

let sending = false;

async function sendResync(): Promise<void> {
  const view = state.view;
  if (sending || !view || laneHolder() || !mayWrite()) return;
  showError('');
  const { picked, all } = selection();
  if (picked.length === 0) {
    showError('Select at least one object to resync (the checkbox in the header selects all of them).');
    return;
  }
  const { api, role } = session();
  // Every object selected is the seed's full resync: the server plans it in natural order.
  // Copy unless the user picks Differential in the dialog (which plans again with it).
  const asked: ResyncBody = { objects: all ? 'all' : picked, checkDependencies: checkDependencies().checked, year: view.year, method: 'copy' };
  sending = true;
  try {
    const preview = await api.plan(view.district, asked);
    const body = await confirmPlan(role, view.district, asked, preview, (next) => api.plan(view.district, next), button());
    if (!body) {
      say('Resync not sent.');
      return;
    }
    const started = await api.startResync(role, view.district, body);
    say(started.status === 'queued'
      ? `Resync batch ${started.batchId} queued behind ${started.position} other batch(es).`
      : `Resync batch ${started.batchId} started.`);
    clearSelection();
    checkDependencies().checked = body.checkDependencies;
    if (isCurrent(view)) emit('batch-started', started);
  } catch (error) {
    fail(error);
    // Refused because another batch holds the lane: read the district's activity now to show it.
    if (error instanceof ApiError && error.problem.runningBatchId && isCurrent(view)) emit('activity-stale', view);
  } finally {
    sending = false;
  }
}

export function mountSend(): void {
  button().addEventListener('click', () => void sendResync());
  on('session', (current) => {
    button().textContent = sendLabel(current?.role);
    render();
  });
  on('view', render);
  on('lane', render);
}
