// Process alerts (the seed's "Process Alerts"), e.g. "State Resync Requested".
import { byId, h } from './dom';
import { timeOf } from './format';
import { fail } from './messages';
import { isCurrent, session, type View } from './store';

const ALERTS_SHOWN = 10;

/** Loads the latest alerts: a district token only ever gets its own; the state narrows to the
 *  view's district. */
export async function loadAlerts(view: View): Promise<void> {
  try {
    const { api, role } = session();
    const { alerts } = await api.alerts({ limit: ALERTS_SHOWN, ...(role === 'state' ? { district: view.district } : {}) });
    if (!isCurrent(view)) return;
    byId('alerts').replaceChildren(...(alerts.length > 0
      ? alerts.map((alert) => h('li', { 'data-alert': alert.alertId },
        h('div', { class: 'alert-head' },
          h('strong', {}, alert.title), h('span', { class: 'tag' }, alert.category), timeOf(alert.createdAt)),
        h('p', {}, alert.message)))
      : [h('li', { class: 'muted' }, 'No process alerts.')]));
  } catch (error) {
    if (isCurrent(view)) fail(error);
  }
}
