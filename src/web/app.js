// The "Resync State Data" page: sign in with an API token, pick a district and school year, select
// objects, send (or, for the state, request) a resync, watch it run, read the history, the error
// details and the process alerts. Plain DOM; every piece of data comes from the API.
/* global sessionStorage, setTimeout, URL, URLSearchParams, CSS, location */
import { ApiError, createApi, describeError } from './api.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'state-resync.token';
const YEAR_CHOICES = ['current', 'previous', 'next'];
const ACTIVE = new Set(['queued', 'running']);
const HISTORY_PAGE = 10;
const ERRORS_PAGE = 20;
const POLL_MS = 1000;
const COLOUR_NAME = { green: 'Green', yellow: 'Yellow', red: 'Red', gray: 'Gray' };
// Short forms of the legend, read by screen readers after the colour name.
const COLOUR_MEANING = {
  green: 'finished without errors',
  yellow: 'finished with errors in 1% of attempts or fewer',
  red: 'finished with errors in more than 1% of attempts, or did not finish',
  gray: 'in progress',
};
// Object outcomes worth spelling out next to the colour (a red dot alone does not say "skipped").
const OUTCOME_NOTE = { pending: 'waiting', running: 'running', failed: 'failed', skipped: 'skipped', cancelled: 'cancelled' };

const session = { api: null, role: null, ownDistrict: null, districts: [] };
const view = { district: null, year: 'current', objects: [], following: null, historyOffset: 0, errors: null, busy: false };

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const number = new Intl.NumberFormat();

/** Builds an element: attributes (on* become listeners), then children (strings become text). */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/** replaceChildren without the nulls of conditional parts. */
function fill(element, ...children) {
  element.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}

const hidden = (text) => h('span', { class: 'visually-hidden' }, text);
const timeOf = (iso) => (iso ? h('time', { datetime: iso }, dateTime.format(new Date(iso))) : 'Never');
const yearLabel = (year) => `${year}-${String((year + 1) % 100).padStart(2, '0')}`;
const count = (n) => (n === null || n === undefined ? '—' : number.format(n));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const currentDistrict = () => session.districts.find((d) => d.districtId === view.district);

// ---- messages ----

function say(text) {
  $('status').textContent = text;
}

function showError(text) {
  $('error').textContent = text;
}

/** Shows a failed call; a 401 means the token is no good any more, so it ends the session. */
function fail(error) {
  if (error instanceof ApiError && error.status === 401) signOut(describeError(error));
  else showError(describeError(error));
}

// ---- sign-in ----

async function signIn(token) {
  const api = createApi(token);
  const me = await api.get('/api/me');
  const { districts } = await api.get('/api/districts');
  const role = me.role;
  sessionStorage.setItem(TOKEN_KEY, token);
  Object.assign(session, { api, role, districts, ownDistrict: role === 'district' ? me.districtId : null });
  $('who').textContent = role === 'state' ? 'Signed in as the state' : `Signed in as district ${session.ownDistrict ?? '(none)'}`;
  $('send').textContent = role === 'state' ? 'Request Resync' : 'Send Resync';
  $('sign-in').hidden = true;
  $('session').hidden = false;
  $('tool').hidden = false;
  showError('');
  await openFromLocation();
  $('district').focus();
}

function signOut(reason = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(session, { api: null, role: null, ownDistrict: null, districts: [] });
  view.following = null;
  $('progress').textContent = '';
  $('tool').hidden = true;
  $('session').hidden = true;
  $('sign-in').hidden = false;
  $('token').value = '';
  say(reason ? '' : 'Signed out.');
  showError(reason);
  $('token').focus();
}

// ---- district and year (kept in the URL hash, so a view can be linked and reloaded) ----

function go(district, year) {
  const hash = `#district=${encodeURIComponent(district)}&year=${year}`;
  if (location.hash === hash) void openFromLocation();
  else location.hash = hash; // the hashchange listener opens it
}

async function openFromLocation() {
  if (!session.api) return;
  const params = new URLSearchParams(location.hash.slice(1));
  const fallback = session.role === 'district' ? session.ownDistrict : session.districts[0]?.districtId;
  const district = params.get('district') || fallback;
  view.year = YEAR_CHOICES.includes(params.get('year')) ? params.get('year') : 'current';
  view.following = null;
  view.historyOffset = 0;
  $('progress').textContent = '';
  closeErrors();
  if (!district) {
    showError('No district is registered for this token.');
    return;
  }
  view.district = district;
  renderScope();
  await refresh({ followActive: true });
}

function renderScope() {
  // A district user sees only their district; a district typed into the URL is listed anyway so
  // that the select shows what the page tried to open.
  const ids = session.districts.map((d) => d.districtId);
  if (!ids.includes(view.district)) ids.push(view.district);
  $('district').replaceChildren(...ids.map((id) => {
    const known = session.districts.find((d) => d.districtId === id);
    return h('option', { value: id, selected: id === view.district }, known ? `${known.name} (${id})` : `District ${id}`);
  }));
  const years = currentDistrict()?.years ?? { current: null };
  $('year').replaceChildren(...YEAR_CHOICES.filter((choice) => choice === 'current' || (years[choice] !== null && years[choice] !== undefined))
    .map((choice) => h('option', { value: choice, selected: choice === view.year },
      years[choice] ? `${yearLabel(years[choice])} (${choice})` : choice)));
}

/** Reloads the table, then history and alerts; optionally starts following a running batch. */
async function refresh({ followActive = false } = {}) {
  const ok = await loadObjects();
  // A district the token may not open shows the error alone, not empty tables.
  for (const id of ['objects-section', 'history-section', 'alerts-section']) $(id).hidden = !ok;
  if (!ok) return;
  const [history] = await Promise.all([loadHistory(), loadAlerts()]);
  const active = history?.batches.find((batch) => ACTIVE.has(batch.status) && batch.year === view.year);
  if (followActive && active) void follow(active.batchId);
}

// ---- the object table ----

async function loadObjects() {
  try {
    const data = await session.api.get(`/api/districts/${encodeURIComponent(view.district)}/objects?year=${view.year}`);
    view.objects = data.objects;
    renderObjects(data);
    return true;
  } catch (error) {
    view.objects = [];
    $('objects').tBodies[0].replaceChildren();
    $('objects-intro').replaceChildren();
    updateSelectAll();
    fail(error);
    return false;
  }
}

function renderObjects(data) {
  $('objects').tBodies[0].replaceChildren(...data.objects.map((object) => {
    const id = `pick-${object.object}`;
    const row = h('tr', { 'data-object': object.object },
      h('td', { class: 'pick' },
        h('input', { type: 'checkbox', id, class: 'pick-one', value: object.object }),
        h('label', { for: id, class: 'visually-hidden' }, `Select ${object.object}`)),
      h('th', { scope: 'row' }, object.object),
      h('td', { class: 'last' }),
      h('td', { class: 'num results' }),
      h('td', { class: 'status' }));
    fillRow(row, object);
    return row;
  }));
  const notOffered = data.notOffered ?? [];
  fill($('objects-intro'),
    `${data.objects.length} objects can be resynced for ${yearLabel(data.schoolYear)} (${data.year} year). `,
    'Select all objects for a full resync, or some of them for a partial one. ',
    notOffered.length > 0
      ? h('details', {}, h('summary', {}, `${notOffered.length} objects are not offered here`),
        h('ul', {}, notOffered.map((entry) => h('li', {}, `${entry.object}: ${entry.reason}`))))
      : null);
  updateSelectAll();
}

/** Writes an object's latest result into its row (from the table or from a running batch). */
function fillRow(row, result) {
  const { object, lastResync, processed, errors, sent, colour, status } = result;
  row.dataset.colour = colour ?? '';
  row.querySelector('.last').replaceChildren(timeOf(lastResync));
  const results = row.querySelector('.results');
  if (processed === null || processed === undefined) {
    results.replaceChildren('—', hidden(' not resynced yet'));
  } else {
    const sentId = `sent-${object}`;
    results.replaceChildren(
      h('span', { title: `Total sent: ${count(sent)}`, 'aria-describedby': sentId }, `${count(processed)} / ${count(errors)}`),
      h('span', { id: sentId, class: 'visually-hidden' }, `Total sent: ${count(sent)}`));
  }
  const cell = row.querySelector('.status');
  if (!colour) {
    cell.replaceChildren(h('span', { class: 'muted' }, 'Not resynced'));
    return;
  }
  const note = OUTCOME_NOTE[status];
  cell.replaceChildren(
    h('span', { class: `dot dot-${colour}`, 'aria-hidden': 'true' }),
    h('span', { class: 'colour-name' }, COLOUR_NAME[colour]),
    note ? ` (${note})` : '',
    hidden(`: ${COLOUR_MEANING[colour]}`));
}

function rowOf(object) {
  return $('objects').tBodies[0].querySelector(`tr[data-object="${CSS.escape(object)}"]`);
}

const pickBoxes = () => [...$('objects').tBodies[0].querySelectorAll('input.pick-one')];

function updateSelectAll() {
  const boxes = pickBoxes();
  const checked = boxes.filter((box) => box.checked).length;
  $('select-all').checked = boxes.length > 0 && checked === boxes.length;
  $('select-all').indeterminate = checked > 0 && checked < boxes.length;
}

// ---- sending a resync ----

async function sendResync() {
  if (view.busy) return;
  showError('');
  const boxes = pickBoxes();
  const picked = boxes.filter((box) => box.checked).map((box) => box.value);
  if (picked.length === 0) {
    showError('Select at least one object to resync (the checkbox in the header selects all of them).');
    return;
  }
  // Every object selected is the seed's full resync: the server plans it in natural order.
  const body = { objects: picked.length === boxes.length ? 'all' : picked, checkDependencies: $('check-dependencies').checked, year: view.year };
  const district = encodeURIComponent(view.district);
  view.busy = true;
  try {
    const preview = await session.api.post(`/api/districts/${district}/resyncs/plan`, body);
    if (!(await confirmPlan(body, preview))) {
      say('Resync not sent.');
      return;
    }
    const path = session.role === 'state' ? `/api/state/districts/${district}/resync-requests` : `/api/districts/${district}/resyncs`;
    const started = await session.api.post(path, body);
    say(started.status === 'queued'
      ? `Resync batch ${started.batchId} queued behind ${started.position} other batch(es).`
      : `Resync batch ${started.batchId} started.`);
    for (const box of boxes) box.checked = false;
    updateSelectAll();
    // Planned objects are in progress from now on; the first poll confirms it.
    for (const object of started.plan.levels.flat()) {
      const row = rowOf(object);
      if (row) fillRow(row, { ...view.objects.find((o) => o.object === object), colour: 'gray', status: 'pending' });
    }
    void follow(started.batchId);
    void loadHistory();
    void loadAlerts();
  } catch (error) {
    fail(error);
    const running = error instanceof ApiError ? error.problem.runningBatchId : undefined;
    if (running) void follow(running);
  } finally {
    view.busy = false;
  }
}

/** Shows the plan in the confirmation dialog; resolves true on OK. */
function confirmPlan(body, preview) {
  const { plan, records } = preview;
  const added = new Set(plan.addedByCheckDependencies);
  const planned = plan.levels.flat();
  const total = planned.reduce((sum, object) => sum + (records[object] ?? 0), 0);
  const where = `district ${view.district}, ${yearLabel(preview.schoolYear)}`;
  const kind = body.objects === 'all'
    ? `A full resync of all ${planned.length} objects (${where}).`
    : `A partial resync of ${body.objects.length} selected object(s)${added.size > 0 ? ` and ${added.size} parent object(s) added by Check Dependencies` : ''} (${where}).`;
  const who = session.role === 'state'
    ? ' The district cannot stop a state request; it waits behind a batch that is already running.'
    : '';
  $('confirm-title').textContent = session.role === 'state' ? 'Request Resync?' : 'Send Resync?';
  $('confirm-summary').textContent = `${kind} About ${number.format(total)} records, parents first, in this order:${who}`;
  fill($('confirm-plan'),
    h('ol', { class: 'levels' }, plan.levels.map((level, index) => h('li', {},
      h('span', { class: 'level-name' }, `Level ${index + 1}`),
      h('ul', {}, level.map((object) => h('li', { 'data-object': object, 'data-added': added.has(object) ? 'true' : 'false' },
        h('span', { class: 'object-name' }, object),
        added.has(object) ? h('span', { class: 'tag' }, 'added by Check Dependencies') : null,
        h('span', { class: 'muted' }, ` — ${count(records[object])} records`))))))),
    plan.excluded.length > 0
      ? h('details', {}, h('summary', {}, `${plan.excluded.length} objects not included`),
        h('ul', {}, plan.excluded.map((entry) => h('li', {}, `${entry.object}: ${entry.reason}`))))
      : null);
  const dialog = $('confirm');
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      $('send').focus();
      resolve(dialog.returnValue === 'ok');
    }, { once: true });
    dialog.showModal();
  });
}

// ---- following a batch while it runs ----

async function follow(batchId) {
  if (view.following === batchId) return;
  view.following = batchId;
  let lastStatus = null;
  while (view.following === batchId) {
    let batch;
    try {
      batch = await session.api.get(`/api/resyncs/${encodeURIComponent(batchId)}`);
    } catch (error) {
      fail(error);
      break;
    }
    if (view.following !== batchId) return; // the user moved to another district or year
    showProgress(batch);
    if (batch.status !== lastStatus) {
      lastStatus = batch.status;
      say(ACTIVE.has(batch.status) ? `Resync batch ${batchId} is ${batch.status}.` : `Resync batch ${batchId} ${batch.outcome}.`);
    }
    if (!ACTIVE.has(batch.status)) break;
    await sleep(POLL_MS);
  }
  if (view.following !== batchId) return;
  view.following = null;
  await refresh();
}

function showProgress(batch) {
  if (batch.objectsHidden) {
    $('progress').textContent = `A resync requested by the state is ${batch.status}.`;
    return;
  }
  const objects = batch.objects ?? [];
  const sameView = batch.districtId === view.district && batch.year === view.year;
  if (sameView) {
    for (const object of objects) {
      const row = rowOf(object.object);
      if (row) fillRow(row, { ...object, lastResync: batch.startedAt ?? batch.requestedAt });
    }
  }
  const done = objects.filter((object) => !['pending', 'running'].includes(object.status)).length;
  const processed = objects.reduce((sum, object) => sum + object.processed, 0);
  const errors = objects.reduce((sum, object) => sum + object.errors, 0);
  // After the copies, a full resync still removes records deleted at the district: say so.
  const phase = batch.phase && batch.phase !== 'syncing' ? ` (${batch.phase})` : '';
  $('progress').textContent = ACTIVE.has(batch.status)
    ? `Batch ${batch.batchId} ${batch.status}${phase}: ${done} of ${objects.length} objects finished, ${number.format(processed)} records processed, ${number.format(errors)} errors.`
    : `Batch ${batch.batchId} ${batch.outcome}: ${number.format(processed)} records processed, ${number.format(errors)} errors.`;
}

// ---- history ----

async function loadHistory() {
  const query = new URLSearchParams({ limit: HISTORY_PAGE, offset: view.historyOffset });
  try {
    const page = await session.api.get(`/api/districts/${encodeURIComponent(view.district)}/history?${query}`);
    $('history').tBodies[0].replaceChildren(...(page.batches.length > 0
      ? page.batches.map(historyRow)
      : [h('tr', {}, h('td', { colspan: 7 }, 'No resync has run for this district yet.'))]));
    renderPager($('history-pager'), page, 'batches', (offset) => {
      view.historyOffset = offset;
      void loadHistory();
    });
    return page;
  } catch (error) {
    fail(error);
    return null;
  }
}

function historyRow(batch) {
  const outcome = batch.failure ? `${batch.outcome}: ${batch.failure}` : batch.outcome;
  const by = { district: 'District', state: 'State', schedule: 'Schedule' }[batch.initiator] ?? batch.initiator;
  if (batch.objectsHidden) {
    // A district user learns that a state batch ran, when, and how it ended, never its objects.
    return h('tr', { 'data-batch': batch.batchId, 'data-hidden': 'true' },
      h('td', {}, timeOf(batch.requestedAt)), h('td', {}, yearLabel(batch.schoolYear)), h('td', {}, by),
      h('td', {}, '—'), h('td', {}, outcome), h('td', { class: 'num' }, '—'),
      h('td', { class: 'muted' }, 'Requested by the state: objects not shown'));
  }
  const kind = batch.kind === 'full'
    ? 'Full'
    : `Partial: ${(batch.requestedObjects ?? []).join(', ')}${batch.checkDependencies ? ' (with dependencies)' : ''}`;
  return h('tr', { 'data-batch': batch.batchId },
    h('td', {}, timeOf(batch.requestedAt)),
    h('td', {}, yearLabel(batch.schoolYear)),
    h('td', {}, batch.requestedBy ? `${by} (${batch.requestedBy})` : by),
    h('td', {}, kind),
    h('td', {}, outcome),
    h('td', { class: 'num' }, `${count(batch.processed)} / ${count(batch.errors)}`),
    h('td', { class: 'links' },
      batch.errors > 0
        ? h('button', { type: 'button', class: 'link', onclick: () => void openErrors(batch.batchId) }, 'Error details', hidden(` for batch ${batch.batchId}`))
        : null,
      batch.temporalUi
        ? h('a', { href: batch.temporalUi, target: '_blank', rel: 'noopener' }, 'Run in Temporal UI', hidden(` for batch ${batch.batchId} (opens in a new tab)`))
        : null));
}

function renderPager(nav, page, noun, goTo) {
  if (page.total <= page.limit) {
    nav.replaceChildren();
    return;
  }
  const last = Math.min(page.offset + page.limit, page.total);
  nav.replaceChildren(
    h('button', { type: 'button', class: 'secondary', disabled: page.offset === 0, onclick: () => goTo(Math.max(0, page.offset - page.limit)) }, 'Previous'),
    h('span', {}, `${page.offset + 1}–${last} of ${page.total} ${noun}`),
    h('button', { type: 'button', class: 'secondary', disabled: last >= page.total, onclick: () => goTo(page.offset + page.limit) }, 'Next'));
}

// ---- error details ----

async function openErrors(batchId) {
  view.errors = { batchId, object: '', offset: 0, objects: null };
  $('errors-section').hidden = false;
  $('errors-title').textContent = `Error details — batch ${batchId}`;
  await loadErrors();
  $('errors-title').focus();
}

function closeErrors() {
  view.errors = null;
  $('errors-section').hidden = true;
}

async function loadErrors() {
  const state = view.errors;
  const query = new URLSearchParams({ limit: ERRORS_PAGE, offset: state.offset });
  if (state.object) query.set('object', state.object);
  let page;
  try {
    page = await session.api.get(`/api/resyncs/${encodeURIComponent(state.batchId)}/errors?${query}`);
  } catch (error) {
    fail(error);
    return;
  }
  if (view.errors !== state) return;
  // The object filter lists the objects of the unfiltered first page's reason counts.
  state.objects ??= [...new Set(page.reasons.map((reason) => reason.object))].sort();
  $('errors-object').replaceChildren(h('option', { value: '' }, 'All objects'),
    ...state.objects.map((object) => h('option', { value: object, selected: object === state.object }, object)));

  // Grouped by reason code: one row group per reason, one row per object.
  const byReason = new Map();
  for (const reason of page.reasons) byReason.set(reason.reasonCode, [...(byReason.get(reason.reasonCode) ?? []), reason]);
  const example = new Map(page.errors.map((entry) => [entry.reasonCode, entry.reason]));
  const table = $('errors-reasons');
  for (const body of [...table.tBodies]) body.remove();
  for (const [code, rows] of byReason) {
    const sum = rows.reduce((total, row) => total + row.count, 0);
    table.append(h('tbody', {}, rows.map((row, index) => h('tr', {},
      index === 0
        ? h('th', { scope: 'rowgroup', rowspan: rows.length },
          h('span', { class: 'code' }, code), ` (${number.format(sum)})`,
          example.has(code) ? h('div', { class: 'muted' }, `e.g. ${example.get(code)}`) : null)
        : null,
      h('td', {}, row.object), h('td', { class: 'num' }, number.format(row.count))))));
  }
  if (byReason.size === 0) table.append(h('tbody', {}, h('tr', {}, h('td', { colspan: 3 }, 'No errors were logged for this batch.'))));

  $('errors-list').tBodies[0].replaceChildren(...page.errors.map((entry) => h('tr', {},
    h('td', {}, entry.object), h('td', { class: 'num' }, String(entry.recordId)), h('td', {}, entry.reason), h('td', {}, timeOf(entry.loggedAt)))));
  renderPager($('errors-pager'), page, 'records', (offset) => {
    state.offset = offset;
    void loadErrors();
  });
}

async function downloadCsv() {
  const { batchId, object } = view.errors;
  const query = new URLSearchParams({ format: 'csv' });
  if (object) query.set('object', object);
  try {
    // A plain link cannot carry the bearer token: fetch the file and hand it over as a Blob.
    const blob = await session.api.blob(`/api/resyncs/${encodeURIComponent(batchId)}/errors?${query}`);
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: `resync-${batchId}-errors${object ? `-${object}` : ''}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000); // after the browser has read it
    say(`Error details of batch ${batchId} downloaded as CSV.`);
  } catch (error) {
    fail(error);
  }
}

// ---- process alerts ----

async function loadAlerts() {
  // A district token only ever gets its own alerts; the state narrows to the chosen district.
  const query = new URLSearchParams({ limit: 10 });
  if (session.role === 'state') query.set('district', view.district);
  try {
    const { alerts } = await session.api.get(`/api/alerts?${query}`);
    $('alerts').replaceChildren(...(alerts.length > 0
      ? alerts.map((alert) => h('li', { 'data-alert': alert.alertId },
        h('div', { class: 'alert-head' },
          h('strong', {}, alert.title), h('span', { class: 'tag' }, alert.category), timeOf(alert.createdAt)),
        h('p', {}, alert.message)))
      : [h('li', { class: 'muted' }, 'No process alerts.')]));
  } catch (error) {
    fail(error);
  }
}

// ---- wiring ----

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('token').value.trim();
  showError('');
  say('Signing in…');
  try {
    await signIn(token);
    say('');
  } catch (error) {
    say('');
    showError(describeError(error));
    $('token').focus();
  }
});
$('sign-out').addEventListener('click', () => signOut());
$('district').addEventListener('change', () => go($('district').value, 'current'));
$('year').addEventListener('change', () => go(view.district, $('year').value));
window.addEventListener('hashchange', () => void openFromLocation());

$('select-all').addEventListener('change', () => {
  for (const box of pickBoxes()) box.checked = $('select-all').checked;
  updateSelectAll();
});
$('objects').tBodies[0].addEventListener('change', updateSelectAll);
$('send').addEventListener('click', () => void sendResync());

$('legend-open').addEventListener('click', () => $('legend').showModal());
$('legend').addEventListener('close', () => $('legend-open').focus());

$('errors-close').addEventListener('click', () => {
  closeErrors();
  $('history-title').focus();
});
$('errors-object').addEventListener('change', () => {
  Object.assign(view.errors, { object: $('errors-object').value, offset: 0 });
  void loadErrors();
});
$('errors-csv').addEventListener('click', () => void downloadCsv());

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  signIn(saved).catch((error) => signOut(describeError(error)));
}
