// The state's latest state-wide requests (GET /api/state/resyncs, newest first), each with a button
// that shows its progress. On sign-in the newest request still running is followed at once. The
// list is read again while a request in it runs (Temporal's list may lag a moment behind a start
// or an end), and when the followed request changes phase.
import type { StateWideProgress, StateWideSummary } from './api-types';
import { byId, h, visuallyHidden } from './dom';
import { timeOf } from './format';
import { fail } from './messages';
import { emit, on, session, state } from './store';

/** While a listed request runs (or one followed is not listed yet), read the list this often. */
const REFRESH_MS = 3000;

const STATUS_WORDS: Record<string, string> = {
  RUNNING: 'running', COMPLETED: 'finished', CANCELLED: 'cancelled', FAILED: 'failed', TERMINATED: 'terminated', TIMED_OUT: 'timed out',
  CONTINUED_AS_NEW: 'continued',
};

/** A request the state cancelled ends its run normally once its batches stopped: its outcome says
 *  cancelled (or failed), and a finished one's colour is worth showing. */
function statusWords(request: StateWideSummary): string {
  if (request.outcome === 'cancelled' || request.outcome === 'failed') return request.outcome;
  const word = STATUS_WORDS[request.status] ?? request.status.toLowerCase();
  return request.outcome ? `${word} (${request.outcome})` : word;
}

const body = (): HTMLTableSectionElement => {
  const section = byId('state-wide-list', HTMLTableElement).tBodies[0];
  if (!section) throw new Error('#state-wide-list has no <tbody>');
  return section;
};

let timer: ReturnType<typeof setTimeout> | null = null;
/** Bumped on sign-in and sign-out: a late answer of an earlier session is dropped. */
let generation = 0;
/** The request whose progress is shown (state-wide-progress.ts follows it). */
let shown: string | null = null;
/** The phase last seen of each followed request (a change reloads the list). */
const phases = new Map<string, StateWideProgress['phase']>();

function row(request: StateWideSummary): HTMLTableRowElement {
  return h('tr', { 'data-request': request.requestId, 'data-status': request.status, 'aria-current': shown === request.requestId ? 'true' : null },
    h('td', {}, timeOf(request.startTime)),
    h('td', { class: 'code' }, request.requestId),
    h('td', {}, statusWords(request)),
    h('td', {}, request.closeTime ? timeOf(request.closeTime) : '—'),
    h('td', {}, h('button', {
      type: 'button', class: 'link', onclick: () => emit('state-wide-follow', request.requestId),
    }, 'Show progress', visuallyHidden(` of state-wide resync ${request.requestId}`))));
}

async function load(followNewestRunning = false): Promise<void> {
  const asked = generation;
  if (timer !== null) clearTimeout(timer);
  timer = null;
  try {
    const { requests } = await session().api.stateWideList();
    if (asked !== generation) return;
    body().replaceChildren(...(requests.length > 0
      ? requests.map(row)
      : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No state-wide resync has been requested yet.'))]));
    const running = requests.find((request) => request.status === 'RUNNING');
    if (followNewestRunning && running && !shown) emit('state-wide-follow', running.requestId);
    // The followed request missing from the list, or listed running after it finished (or the
    // other way round): the list lags behind Temporal; read it again shortly.
    const phase = shown === null ? undefined : phases.get(shown);
    const listed = requests.find((request) => request.requestId === shown)?.status;
    const lagging = phase !== undefined && (listed === undefined || (listed === 'RUNNING') !== (phase !== 'finished'));
    if (running || lagging) timer = setTimeout(() => void load(), REFRESH_MS);
  } catch (error) {
    if (asked === generation) fail(error);
  }
}

export function mountStateWideList(): void {
  on('session', (current) => {
    generation += 1;
    shown = null;
    phases.clear();
    if (timer !== null) clearTimeout(timer);
    timer = null;
    body().replaceChildren();
    if (current?.role === 'state') void load(true);
  });
  on('state-wide-started', () => void load());
  on('state-wide-progress', (progress) => {
    const before = phases.get(progress.requestId);
    phases.set(progress.requestId, progress.phase);
    if (before !== progress.phase && state.session?.role === 'state') void load();
  });
  // The row of the request shown is marked as such.
  on('state-wide-follow', (requestId) => {
    shown = requestId;
    for (const tr of body().querySelectorAll<HTMLTableRowElement>('tr[data-request]')) {
      if (tr.dataset.request === requestId) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
    }
  });
}
