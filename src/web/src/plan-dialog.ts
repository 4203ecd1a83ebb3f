// The confirmation dialog (the seed's "verification pop-up"): what will be sent or requested, of
// which district and school year, what follows from it, then the plan level by level, parents
// first, with the parents Check Dependencies added marked.
import type { PlanPreview, ResyncBody, Role } from './api-types';
import { byId, fill, h } from './dom';
import { formatCount, plural, schoolYearLabel } from './format';

/** The dialog's opening sentences, in reading order: request, district and year, consequence. */
export function confirmSummary(role: Role, districtId: string, body: ResyncBody, preview: PlanPreview): string {
  const planned = preview.plan.levels.flat();
  const added = preview.plan.addedByCheckDependencies.length;
  const records = planned.reduce((sum, object) => sum + (preview.records[object] ?? 0), 0);
  const what = body.objects === 'all'
    ? `a full resync of all ${plural(planned.length, 'object')}`
    : `a partial resync of ${plural(body.objects.length, 'selected object')}${added > 0 ? ` and ${plural(added, 'parent object')} added by Check Dependencies` : ''}`;
  const of = `(about ${plural(records, 'record')}) of district ${districtId} for ${schoolYearLabel(preview.schoolYear)}`;
  return role === 'state'
    ? `Request ${what} ${of}. The district cannot stop a state request; if a batch of that district and year is queued or running, this one waits behind it.`
    : `Send ${what} ${of} to the state.`;
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
