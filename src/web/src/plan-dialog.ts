// The confirmation dialog (the seed's "verification pop-up"): what will be sent or requested, of
// which district and school year, what follows from it; a warning when records will fail because
// their parents are not at the state, with one click to add those parents (or to turn on Check
// Dependencies) and plan again; how to write the records (copy every record, or differential: only
// what differs); then the plan level by level, parents first, with the parents Check Dependencies
// added marked.
import type { MissingParent, MissingParentsWarning, PlanPreview, ResyncBody, ResyncMethod, Role } from './api-types';
import { byId, fill, h } from './dom';
import { formatCount, formatNumber, plural, schoolYearLabel, timeText } from './format';

/** The dialog's opening sentences, in reading order: request, district and year, consequence. */
export function confirmSummary(role: Role, districtId: string, body: ResyncBody, preview: PlanPreview): string {
  const planned = preview.plan.levels.flat();
  const added = preview.plan.addedByCheckDependencies.length;
  const records = planned.reduce((sum, object) => sum + (preview.records[object] ?? 0), 0);
  const what = body.objects === 'all'
    ? `a full resync of all ${plural(planned.length, 'object')}`
    : `a partial resync of ${plural(body.objects.length, 'selected object')}${added > 0 ? ` and ${plural(added, 'parent object')} added by Check Dependencies` : ''}`;
  const of = `(about ${plural(records, 'record')}) of district ${districtId} for ${schoolYearLabel(preview.schoolYear)}`;
  const differential = body.method === 'differential' ? ' Only records missing at the state or different there are written.' : '';
  return role === 'state'
    ? `Request ${what} ${of}.${differential} The district cannot stop a state request; if a batch of that district and year is queued or running, this one waits behind it.`
    : `Send ${what} ${of} to the state.${differential}`;
}

const isMethod = (value: string): value is ResyncMethod => value === 'copy' || value === 'differential';
const methodChoices = (): HTMLInputElement[] => [...byId('confirm-method').querySelectorAll<HTMLInputElement>('input[type="radio"]')];

function showMethod(method: ResyncMethod): void {
  for (const choice of methodChoices()) choice.checked = choice.value === method;
}

/** "PersonIdentity: never resynced; 0 of 215 records at the state. Needed by TestScore." */
export function missingParentText(parent: MissingParent): string {
  const last = parent.lastResync === null
    ? 'never resynced'
    : `last resync ${parent.lastResync.colour}${parent.lastResync.status === 'completed' ? '' : ` (${parent.lastResync.status})`}, started ${timeText(parent.lastResync.at)}`;
  const allowed = parent.districtRecords - parent.notAllowed;
  const notAddable = parent.notOfferedBecause ? ` It cannot be added to this resync: ${parent.notOfferedBecause}.` : '';
  return `${parent.object}: ${last}; ${formatNumber(parent.stateRecords)} of ${plural(allowed, 'record')} at the state. `
    + `Needed by ${parent.neededBy.join(', ')}.${notAddable}`;
}

/** "About 2,890 of 2,890 records will fail" (the records of the objects that lose some). */
export function warningTitle(warning: MissingParentsWarning): string {
  const records = warning.objects.reduce((sum, object) => sum + object.records, 0);
  return `About ${formatNumber(warning.failing)} of ${plural(records, 'record')} will fail`;
}

interface Shown {
  body: ResyncBody;
  preview: PlanPreview;
  /** What the last fix added (for the note saying so), or null. */
  fixed: string | null;
}

function renderWarning(shown: Shown, fix: (body: ResyncBody, note: string) => void): void {
  const { warning } = shown.preview;
  const box = byId('confirm-warning');
  if (!warning) {
    box.hidden = shown.fixed === null;
    box.className = 'notice';
    fill(box, shown.fixed ? h('p', { id: 'confirm-fixed', tabindex: -1 }, `${shown.fixed} No record is expected to fail for a missing parent now.`) : null);
    return;
  }
  box.hidden = false;
  box.className = 'warning';
  const { body } = shown;
  const selected = body.objects === 'all' ? [] : body.objects;
  const add = warning.add.filter((object) => !selected.includes(object));
  fill(box,
    h('h3', { id: 'confirm-warning-title', tabindex: -1 }, warningTitle(warning)),
    h('p', {}, body.checkDependencies
      ? 'Some parents are not at the state and cannot be part of this resync:'
      : 'Without Check Dependencies, records whose parents are not at the state fail. These parents are missing:'),
    h('ul', { class: 'missing-parents' }, warning.parents.map((parent) => h('li', { 'data-parent': parent.object }, missingParentText(parent)))),
    warning.objects.length > 0
      ? h('p', {}, 'Records that will fail: ', warning.objects.map((object) => `${object.object} about ${formatNumber(object.failing)} of ${formatCount(object.records)}`).join('; '), '.')
      : null,
    h('div', { class: 'warning-actions' },
      add.length > 0 && body.objects !== 'all'
        ? h('button', {
          type: 'button', id: 'confirm-add-parents',
          onclick: () => fix({ ...body, objects: [...selected, ...add] }, `Added ${add.join(', ')}.`),
        }, `Add the ${plural(add.length, 'missing parent')}`)
        : null,
      !body.checkDependencies && body.objects !== 'all'
        ? h('button', {
          type: 'button', id: 'confirm-check-dependencies', class: 'secondary',
          onclick: () => fix({ ...body, checkDependencies: true }, 'Check Dependencies turned on.'),
        }, 'Turn on Check Dependencies')
        : null));
}

function renderPlan(role: Role, districtId: string, shown: Shown): void {
  const { body, preview } = shown;
  const { plan, records } = preview;
  const added = new Set(plan.addedByCheckDependencies);
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
}

/**
 * Shows the plan and waits for the user. The warning's buttons plan again through `replan` (the
 * dialog stays open and shows the new plan). Resolves to the request to send — the one the user
 * confirmed, possibly with parents added — or null on Cancel or Escape. Focus returns to
 * `returnFocus` when the dialog closes.
 */
export function confirmPlan(
  role: Role, districtId: string, body: ResyncBody, preview: PlanPreview,
  replan: (body: ResyncBody) => Promise<PlanPreview>, returnFocus: HTMLElement,
): Promise<ResyncBody | null> {
  const shown: Shown = { body, preview, fixed: null };
  byId('confirm-title').textContent = role === 'state' ? 'Request Resync?' : 'Send Resync?';
  const ok = byId('confirm-ok', HTMLButtonElement);
  const status = byId('confirm-status');
  status.textContent = '';
  const render = () => {
    renderPlan(role, districtId, shown);
    renderWarning(shown, (next, note) => void fix(next, note));
  };
  // Answers to replans arrive in any order: only the latest asked for is shown.
  let asked = 0;
  const fix = async (next: ResyncBody, note: string) => {
    const mine = ++asked;
    ok.disabled = true;
    status.textContent = 'Planning again…';
    try {
      const again = await replan(next);
      if (mine !== asked) return;
      Object.assign(shown, { body: next, preview: again, fixed: note });
      render();
      status.textContent = again.warning ? note : '';
      byId(again.warning ? 'confirm-warning-title' : 'confirm-fixed').focus();
    } catch (error) {
      if (mine === asked) status.textContent = `Could not plan again: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      if (mine === asked) ok.disabled = false;
    }
  };
  // Another method plans again with it (the plan preview carries the method); focus stays on the
  // choice, and a fix the warning offered stays noted.
  const switchMethod = async (method: ResyncMethod) => {
    const mine = ++asked;
    const next: ResyncBody = { ...shown.body, method };
    ok.disabled = true;
    status.textContent = 'Planning again…';
    try {
      const again = await replan(next);
      if (mine !== asked) return;
      Object.assign(shown, { body: next, preview: again });
      render();
      status.textContent = '';
    } catch (error) {
      if (mine !== asked) return;
      showMethod(shown.body.method);
      status.textContent = `Could not plan again: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      if (mine === asked) ok.disabled = false;
    }
  };
  const listening = new AbortController();
  byId('confirm-method').addEventListener('change', (event) => {
    const choice = event.target;
    if (choice instanceof HTMLInputElement && isMethod(choice.value) && choice.value !== shown.body.method) void switchMethod(choice.value);
  }, { signal: listening.signal });
  showMethod(body.method);
  render();
  const dialog = byId('confirm', HTMLDialogElement);
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      listening.abort();
      returnFocus.focus();
      resolve(dialog.returnValue === 'ok' ? shown.body : null);
    }, { once: true });
    dialog.showModal();
  });
}
