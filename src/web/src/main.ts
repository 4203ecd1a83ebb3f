// The "Resync State Data" page: sign in with an API token, pick a district and school year, select
// objects, send (or, for the state, request) a resync, or a Selective Sync of chosen records, watch
// it and every other batch of the district live, cancel one, read the history, the errors and the
// process alerts; the state also requests and follows resyncs of many districts at once. Every panel is
// its own module; they meet in the page state and its events (store.ts). This file mounts them
// and loads a view.
import { mountActivityBanner } from './activity-banner';
import { loadAlerts } from './alerts';
import { mountCancel } from './cancel';
import { mountDistrictSettings } from './district-settings';
import { byId } from './dom';
import { mountErrorDetails } from './error-details';
import { loadHistory, mountHistory } from './history';
import { mountLegend } from './legend';
import { mountLive, watchView } from './live';
import { mountObjectErrors } from './object-errors';
import { loadObjects, mountObjectTable } from './object-table';
import { mountProgress } from './progress';
import { mountRecordPicker } from './record-picker';
import { mountRetryFailed } from './retry-failed';
import { mountScope } from './scope';
import { mountSelective } from './selective';
import { mountSend } from './send';
import { mountSession } from './session';
import { mountStateWideList } from './state-wide-list';
import { mountStateWideProgress } from './state-wide-progress';
import { mountStateWideRequest } from './state-wide-request';
import { isCurrent, on, state, type View } from './store';

const VIEW_SECTIONS = ['objects-section', 'selective-section', 'history-section', 'alerts-section'];

/** Loads a view: the object table first (a district the token may not open shows the error
 *  alone, not empty tables), then history, alerts and the district's live activity. */
async function loadView(view: View): Promise<void> {
  const ok = await loadObjects(view);
  if (!isCurrent(view)) return;
  for (const id of VIEW_SECTIONS) byId(id).hidden = !ok;
  if (!ok) return;
  await Promise.all([watchView(view), loadHistory(view), loadAlerts(view)]);
}

mountObjectTable();
mountObjectErrors();
mountLive();
mountActivityBanner();
mountSend();
mountRecordPicker();
mountSelective();
mountCancel();
mountRetryFailed();
mountDistrictSettings();
mountProgress();
mountHistory();
mountErrorDetails();
mountLegend();
mountStateWideRequest();
mountStateWideProgress();
mountStateWideList();

// This page started a batch: it is in the history (and may have raised an alert) at once.
on('batch-started', () => {
  if (state.view) {
    void loadHistory(state.view);
    void loadAlerts(state.view);
  }
});
// Something changed elsewhere (a batch ended, one was queued, an alert was raised): reload what
// it touched.
on('stale', (stale) => {
  if (!isCurrent(stale.view)) return;
  if (stale.objects) void loadObjects(stale.view);
  if (stale.history) void loadHistory(stale.view);
  if (stale.alerts) void loadAlerts(stale.view);
});

const scope = mountScope(loadView);
mountSession(async () => {
  await scope.openFromLocation();
  byId('district').focus();
});
