// The confirmation dialog (the seed's "verification pop-up"): what will be resynced, then the
// plan level by level, parents first, with the parents Check Dependencies added marked.
import type { PlanPreview, ResyncBody, Role } from './api-types';
import { byId, fill, h } from './dom';
import { formatCount, formatNumber, schoolYearLabel } from './format';

/** The dialog's opening sentences. */
export function confirmSummary(role: Role, districtId: string, body: ResyncBody, preview: PlanPreview): string {
  const planned = preview.plan.levels.flat();
  const added = preview.plan.addedByCheckDependencies.length;
  const records = planned.reduce((sum, object) => sum + (preview.records[object] ?? 0), 0);
  const where = `district ${districtId}, ${schoolYearLabel(preview.schoolYear)}`;
  const kind = body.objects === 'all'
    ? `A full resync of all ${planned.length} objects (${where}).`
    : `A partial resync of ${body.objects.length} selected object(s)${added > 0 ? ` and ${added} parent object(s) added by Check Dependencies` : ''} (${where}).`;
  const who = role === 'state' ? ' The district cannot stop a state request; it waits behind a batch that is already running.' : '';
  return `${kind} About ${formatNumber(records)} records, parents first, in this order:${who}`;
}

/** Shows the plan and waits for the user: true on OK, false on Cancel or Escape. Focus returns to
 *  `returnFocus` when the dialog closes. */
export function confirmPlan(role: Role, districtId: string, body: ResyncBody, preview: PlanPreview, returnFocus: HTMLElement): Promise<boolean> {
  const { plan, records } = preview;
  const added = new Set(plan.addedByCheckDependencies);
  byId('confirm-title').textContent = role === 'state' ? 'Request Resync?' : 'Send Resync?';
  byId('confirm-summary').textContent = confirmSummary(role, districtId, body, preview);
  fill(byId('confirm-plan'),
    h('ol', { class: 'levels' }, plan.levels.map((level, index) => h('li', {},
      h('span', { class: 'level-name' }, `Level ${index + 1}`),
      h('ul', {}, level.map((object) => h('li', { 'data-object': object, 'data-added': added.has(object) ? 'true' : 'false' },
        h('span', { class: 'object-name' }, object),
        added.has(object) ? h('span', { class: 'tag' }, 'added by Check Dependencies') : null,
        h('span', { class: 'muted' }, ` — ${formatCount(records[object])} records`))))))),
    plan.excluded.length > 0
      ? h('details', {}, h('summary', {}, `${plan.excluded.length} objects not included`),
        h('ul', {}, plan.excluded.map((entry) => h('li', {}, `${entry.object}: ${entry.reason}`))))
      : null);
  const dialog = byId('confirm', HTMLDialogElement);
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      returnFocus.focus();
      resolve(dialog.returnValue === 'ok');
    }, { once: true });
    dialog.showModal();
  });
}
