// The "Resync State Data" page: sign in with an API token, pick a district and school year, select
// objects, send (or, for the state, request) a resync, watch it run, read the history, the error
// details and the process alerts. Every panel is its own module; they meet in the page state and
// its events (store.ts). This file mounts them and loads a view.
import { loadAlerts } from './alerts';
import { follow, mountBatchFollow } from './batch-follow';
import { byId } from './dom';
import { mountErrorDetails } from './error-details';
import { loadHistory, mountHistory } from './history';
import { loadLane, mountLane } from './lane';
import { mountLegend } from './legend';
import { loadObjects, mountObjectTable } from './object-table';
import { mountProgress } from './progress';
import { mountScope } from './scope';
import { mountSend } from './send';
import { mountSession } from './session';
import { isCurrent, on, state, type View } from './store';

const VIEW_SECTIONS = ['objects-section', 'history-section', 'alerts-section'];

/** Loads a view: the object table first (a district the token may not open shows the error
 *  alone, not empty tables), then history, alerts and the lane; follows the lane's batch. */
async function loadView(view: View): Promise<void> {
  const ok = await loadObjects(view);
  if (!isCurrent(view)) return;
  for (const id of VIEW_SECTIONS) byId(id).hidden = !ok;
  if (!ok) return;
  const [lane] = await Promise.all([loadLane(view), loadHistory(view), loadAlerts(view)]);
  if (lane?.active && isCurrent(view)) void follow(lane.active.batchId);
}

mountObjectTable();
mountLane();
mountSend();
mountProgress();
mountBatchFollow();
mountHistory();
mountErrorDetails();
mountLegend();

on('batch-started', (started) => {
  void follow(started.batchId);
  if (state.view) {
    void loadHistory(state.view);
    void loadAlerts(state.view);
  }
});
// A batch ended: its results are in the table and the history now; a queued one may be next.
on('batch-ended', () => {
  if (state.view) void loadView(state.view);
});

const scope = mountScope(loadView);
mountSession(async () => {
  await scope.openFromLocation();
  byId('district').focus();
});
