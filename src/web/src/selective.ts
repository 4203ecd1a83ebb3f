// Selective Sync of the view's district: the chosen records (record-picker.ts), "with their parent
// records" (on by default) and "with every record below them"; Preview shows the record set per
// object, parents first, and the chosen ids the district does not hold (POST …/selective-syncs/plan,
// nothing starts); Send confirms, then starts an ordinary batch of kind selective, followed like
// any other (progress line, table, history). Read-only users may search and preview, not send.
// Send is held, with the reason beside it, while a batch of the district and year is queued or running.
import { ApiError } from './api';
import type { Plan, Role, SelectiveBody, SelectivePreview, StartedResync, StartedSelectiveSync } from './api-types';
import { byId, fill, h } from './dom';
import { blockedReason, formatNumber, plural, schoolYearLabel, selectionText } from './format';
import { fail, say, showError } from './messages';
import { emit, isCurrent, laneHolder, mayWrite, on, session, state, type PageEvents } from './store';

const sendButton = () => byId('selective-send', HTMLButtonElement);
const previewButton = () => byId('selective-preview', HTMLButtonElement);
const parents = () => byId('selective-parents', HTMLInputElement);
const dependents = () => byId('selective-dependents', HTMLInputElement);
const planBox = () => byId('selective-plan');
const reasonLine = () => byId('selective-blocked');

export const selectiveLabel = (role: Role | undefined): string => (role === 'state' ? 'Request Selective Sync' : 'Send Selective Sync');

/** The records chosen (record-picker.ts says, by `records-picked`). */
let picked: PageEvents['records-picked'] = { object: '', records: [] };

/** The request the form describes; null (with what to do shown) when no record is chosen. */
function bodyOf(): SelectiveBody | null {
  const view = state.view;
  const { object, records } = picked;
  if (!view) return null;
  if (records.length === 0) {
    showError('Choose at least one record: find it by what you know of it, or paste its id.');
    byId('selective-query').focus();
    return null;
  }
  return { object, ids: records.map((record) => record.id), includeParents: parents().checked, includeDependents: dependents().checked, year: view.year };
}

/** "36 records of 17 objects: 1 PersonIdentity record, with its parent records and every record below it." */
export function recordSetText(preview: SelectivePreview): string {
  const objects = preview.levels.flat().filter((entry) => entry.records > 0).length;
  return `${plural(preview.total, 'record')} of ${plural(objects, 'object')} for ${schoolYearLabel(preview.schoolYear)}: `
    + `${selectionText({ object: preview.object, records: preview.records, includeParents: preview.includeParents, includeDependents: preview.includeDependents })}.`;
}

/** The chosen ids the district does not hold, and what becomes of them. */
export function notAtDistrictText(preview: SelectivePreview): string | null {
  const ids = preview.notAtDistrict;
  if (ids.length === 0) return null;
  const shown = ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${formatNumber(ids.length - 10)} more`;
  return `Not at district ${preview.districtId}: ${preview.object} ${shown}. `
    + `The state's copy of ${ids.length === 1 ? 'it is' : 'each is'} removed if the state holds one; otherwise ${ids.length === 1 ? 'it is' : 'they are'} reported.`;
}

/** The chosen ids of another school year than the batch's: left out here, refused when sent. */
export function otherYearsText(preview: SelectivePreview): string | null {
  const ids = preview.otherYears;
  if (ids.length === 0) return null;
  const shown = ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${formatNumber(ids.length - 10)} more`;
  return `Of another school year than ${schoolYearLabel(preview.schoolYear)}: ${preview.object} ${shown}. `
    + `A Selective Sync resyncs one school year's records: ${ids.length === 1 ? 'it is' : 'they are'} left out here, and sending ${ids.length === 1 ? 'it' : 'them'} is refused. Remove ${ids.length === 1 ? 'it' : 'them'}, or choose that school year.`;
}

/** The record set level by level, parents first: "Level 1 District — 1 record". */
function levelsList(preview: SelectivePreview): HTMLOListElement {
  return h('ol', { class: 'levels' }, preview.levels.map((level, index) => h('li', {},
    h('span', { class: 'level-name' }, `Level ${index + 1}`),
    h('ul', {}, level.map((entry) => h('li', { 'data-object': entry.object, 'data-records': entry.records },
      h('span', { class: 'object-name' }, entry.object),
      h('span', { class: 'muted' }, ` — ${plural(entry.records, 'record')}`)))))));
}

function showPreview(preview: SelectivePreview): void {
  const missing = notAtDistrictText(preview);
  const otherYears = otherYearsText(preview);
  planBox().hidden = false;
  fill(planBox(),
    h('h3', { id: 'selective-plan-title', tabindex: -1 }, 'The record set'),
    h('p', { id: 'selective-plan-summary' }, recordSetText(preview)),
    missing ? h('p', { id: 'selective-plan-missing', class: 'warning' }, missing) : null,
    otherYears ? h('p', { id: 'selective-plan-other-years', class: 'warning' }, otherYears) : null,
    h('p', { class: 'help' }, 'Parents first, in this order:'),
    levelsList(preview));
}

function hidePreview(): void {
  planBox().hidden = true;
  planBox().replaceChildren();
}

/** The confirmation: what is sent, of which district and year, the record set; OK resolves true. */
function confirmSend(role: Role, body: SelectiveBody, preview: SelectivePreview): Promise<boolean> {
  const names = picked.records.map((record) => record.label);
  const named = names.length <= 3 ? names.join('; ') : `${names.slice(0, 3).join('; ')} and ${formatNumber(names.length - 3)} more`;
  const what = selectionText({ object: body.object, records: body.ids.length, includeParents: body.includeParents, includeDependents: body.includeDependents });
  const of = `of district ${preview.districtId} for ${schoolYearLabel(preview.schoolYear)}`;
  byId('selective-confirm-title').textContent = `${selectiveLabel(role)}?`;
  byId('selective-confirm-summary').textContent = role === 'state'
    ? `Request a Selective Sync of ${what} (${named}) ${of}: ${plural(preview.total, 'record')} in all. `
      + 'The district cannot stop a state request; if a batch of that district and year is queued or running, this one waits behind it.'
    : `Send a Selective Sync of ${what} (${named}) ${of} to the state: ${plural(preview.total, 'record')} in all.`;
  const missing = notAtDistrictText(preview);
  byId('selective-confirm-missing').hidden = missing === null;
  byId('selective-confirm-missing').textContent = missing ?? '';
  fill(byId('selective-confirm-plan'), levelsList(preview));
  const dialog = byId('selective-confirm', HTMLDialogElement);
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      sendButton().focus();
      resolve(dialog.returnValue === 'ok');
    }, { once: true });
    dialog.showModal();
  });
}

/** The 202 as the page's other panels know a started batch: its plan is the previewed record set's objects. */
function asStarted(started: StartedSelectiveSync, preview: SelectivePreview): StartedResync {
  const plan: Plan = {
    kind: 'selective', levels: preview.levels.map((level) => level.map((entry) => entry.object)), excluded: [], addedByCheckDependencies: [],
  };
  const { batchId, workflowId, districtId, schoolYear, initiator, status, position, links } = started;
  return { batchId, workflowId, districtId, schoolYear, initiator, status, position, plan, links };
}

let busy = false;

async function preview(): Promise<void> {
  const view = state.view;
  const body = bodyOf();
  if (!view || !body || busy) return;
  showError('');
  busy = true;
  try {
    const answer = await session().api.planSelective(view.district, body);
    if (!isCurrent(view)) return;
    showPreview(answer);
    byId('selective-plan-title').focus();
  } catch (error) {
    if (isCurrent(view)) fail(error);
  } finally {
    busy = false;
  }
}

async function send(): Promise<void> {
  const view = state.view;
  if (!view || busy || laneHolder()) return;
  const body = bodyOf();
  if (!body) return;
  showError('');
  const { api, role } = session();
  busy = true;
  try {
    // Planned afresh: the confirmation shows the record set as it is now.
    const planned = await api.planSelective(view.district, body);
    if (!isCurrent(view)) return;
    showPreview(planned);
    if (!(await confirmSend(role, body, planned))) {
      say('Selective Sync not sent.');
      return;
    }
    const started = await api.startSelective(view.district, body);
    say(started.status === 'queued'
      ? `Selective Sync batch ${started.batchId} queued behind ${started.position} other batch(es).`
      : `Selective Sync batch ${started.batchId} started.`);
    emit('selective-started', started);
    if (isCurrent(view)) emit('batch-started', asStarted(started, planned));
  } catch (error) {
    fail(error);
    if (error instanceof ApiError && error.problem.runningBatchId && isCurrent(view)) emit('activity-stale', view);
  } finally {
    busy = false;
  }
}

function render(): void {
  const role = state.session?.role;
  const writer = mayWrite();
  sendButton().textContent = selectiveLabel(role);
  sendButton().hidden = !writer;
  byId('selective-read-only').hidden = !state.session || writer;
  const holder = laneHolder();
  if (holder && role && writer) {
    sendButton().setAttribute('aria-disabled', 'true');
    reasonLine().textContent = blockedReason(holder, selectiveLabel(role));
    reasonLine().hidden = false;
  } else {
    sendButton().removeAttribute('aria-disabled');
    reasonLine().textContent = '';
    reasonLine().hidden = true;
  }
}

export function mountSelective(): void {
  previewButton().addEventListener('click', () => void preview());
  sendButton().addEventListener('click', () => void send());
  // A preview describes one choice: any change makes it stale.
  for (const box of [parents(), dependents()]) box.addEventListener('change', hidePreview);
  on('records-picked', (records) => {
    picked = records;
    hidePreview();
  });
  on('view', () => {
    parents().checked = true;
    dependents().checked = false;
    hidePreview();
    render();
  });
  on('session', render);
  on('lane', render);
}
