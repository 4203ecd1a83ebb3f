// Live updates: the view's district activity (GET /api/districts/:d/activity) is read every two
// seconds with If-None-Match — almost always a 304 from the API's memory — so that batches started
// elsewhere (the state, a schedule, the CLI, a colleague) appear within seconds without a reload:
// the view's lane, `batch` events for the object table and the progress line, `batch-ended` and
// `stale` when something ended or was raised, and the outcome of each ended batch announced.
import type { Activity, ActiveBatch, BatchSummary } from './api-types';
import { ApiError } from './api';
import { byId } from './dom';
import { describeError, fail, say } from './messages';
import { ACTIVE_STATUSES, emit, on, session, state, type LaneBatch, type View } from './store';

/** How often an open page asks, in ms; a hidden tab asks less often. */
const VISIBLE_POLL_MS = 2000;
const HIDDEN_POLL_MS = 15_000;
/** After a change, reloads start within this many ms, spread so that the district's open pages
 *  do not all read at the same instant. */
const RELOAD_SPREAD_MS = 600;

interface Watch {
  readonly view: View;
  etag: string | null;
  last: Activity | null;
  timer: ReturnType<typeof setTimeout> | null;
  polling: boolean;
  again: boolean;
  /** Ended batches whose outcome is still to be announced (once the history shows it). */
  readonly ended: Set<string>;
  /** The view's batches already announced as queued or running. */
  readonly announced: Set<string>;
}

let watch: Watch | null = null;

const pausedLine = () => byId('live-paused');

/** The first calendar year of the view's school year, from the district's offered years. */
function viewSchoolYear(view: View): number | null {
  const years = state.session?.districts.find((d) => d.districtId === view.district)?.years;
  return years?.[view.year] ?? null;
}

/** The batch holding a lane: the running one, else the first queued one (oldest); null if none. */
export function activeBatch(batches: readonly LaneBatch[]): LaneBatch | null {
  const active = batches.filter((batch) => ACTIVE_STATUSES.has(batch.status));
  return active.find((batch) => batch.status === 'running') ?? active[0] ?? null;
}

function what(batch: ActiveBatch): string {
  return batch.initiator === 'state' ? 'A resync requested by the state' : batch.initiator === 'schedule' ? 'A scheduled resync' : 'A resync';
}

function apply(current: Watch, activity: Activity): void {
  const { view } = current;
  const schoolYear = viewSchoolYear(view);
  const before = current.last;
  current.last = activity;
  const ofView = activity.batches.filter((batch) => batch.schoolYear === schoolYear);
  state.lane = { view, active: activeBatch(ofView) };
  emit('lane', state.lane);
  emit('activity', activity);
  for (const batch of ofView) {
    if (!current.announced.has(batch.batchId)) {
      current.announced.add(batch.batchId);
      if (before) say(`${what(batch)} of district ${batch.districtId} is ${batch.status} (batch ${batch.batchId}).`);
    }
    if (!batch.objectsHidden && batch.status === 'running') emit('batch', batch);
  }
  if (!before) return;
  const still = new Set(activity.batches.map((batch) => batch.batchId));
  const ended = before.batches.filter((batch) => !still.has(batch.batchId));
  for (const batch of ended) {
    current.ended.add(batch.batchId);
    emit('batch-ended', batch);
  }
  const finished = before.marks.lastFinishedAt !== activity.marks.lastFinishedAt;
  const historyChanged = ended.length > 0 || finished || before.marks.batches !== activity.marks.batches;
  // A batch may start and end between two reads (a small one, from the CLI): any batch that
  // finished may have new results for the table, not only those seen running.
  const objectsChanged = finished || ended.some((batch) => batch.schoolYear === schoolYear && !batch.objectsHidden);
  const alertsChanged = before.marks.lastAlertId !== activity.marks.lastAlertId;
  if (historyChanged || alertsChanged) {
    setTimeout(() => {
      if (watch === current) emit('stale', { view, objects: objectsChanged, history: historyChanged, alerts: alertsChanged });
    }, Math.random() * RELOAD_SPREAD_MS);
  }
}

function schedule(current: Watch): void {
  if (current.timer !== null) clearTimeout(current.timer);
  const delay = document.visibilityState === 'hidden' ? HIDDEN_POLL_MS : VISIBLE_POLL_MS;
  current.timer = setTimeout(() => void poll(current), delay);
}

async function poll(current: Watch): Promise<void> {
  if (watch !== current) return;
  if (current.polling) {
    current.again = true; // asked while a read is under way: read once more after it
    return;
  }
  current.polling = true;
  let retryAfterMs: number | null = null;
  try {
    const answer = await session().api.activity(current.view.district, current.etag);
    if (watch !== current) return;
    pausedLine().hidden = true;
    if (answer) {
      current.etag = answer.etag;
      apply(current, answer.activity);
    }
  } catch (error) {
    if (watch !== current) return;
    if (error instanceof ApiError && error.status === 429) {
      retryAfterMs = 1000 * Number(error.problem.retryAfter ?? 5);
    } else if (error instanceof ApiError && error.status !== 503) {
      // 401 ends the session; 403/404: this view cannot be watched (the error is shown).
      stop();
      fail(error);
      return;
    }
    // Unreachable or busy: say so once, keep trying.
    pausedLine().textContent = `Live updates paused: ${describeError(error)} Trying again.`;
    pausedLine().hidden = false;
  } finally {
    current.polling = false;
  }
  if (watch !== current) return;
  if (current.again) {
    current.again = false;
    void poll(current);
    return;
  }
  if (retryAfterMs !== null) {
    if (current.timer !== null) clearTimeout(current.timer);
    current.timer = setTimeout(() => void poll(current), retryAfterMs);
  } else {
    schedule(current);
  }
}

function stop(): void {
  if (watch?.timer) clearTimeout(watch.timer);
  watch = null;
  pausedLine().hidden = true;
}

/** Starts watching a view's district (reads its activity at once). Resolves after the first read. */
export async function watchView(view: View): Promise<void> {
  stop();
  const current: Watch = { view, etag: null, last: null, timer: null, polling: false, again: false, ended: new Set(), announced: new Set() };
  watch = current;
  await poll(current);
}

/** "Resync batch … completed with errors." once the history shows how an ended batch ended. */
function announceEnded(batches: readonly BatchSummary[]): void {
  const current = watch;
  if (!current) return;
  for (const batch of batches) {
    if (!current.ended.has(batch.batchId) || ACTIVE_STATUSES.has(batch.status)) continue;
    current.ended.delete(batch.batchId);
    say(`Resync batch ${batch.batchId} ${batch.outcome}.`);
  }
}

export function mountLive(): void {
  on('view', () => stop());
  on('session', (current) => {
    if (!current) stop();
  });
  // A batch this page started holds the lane at once (the next read confirms it), and is not
  // announced a second time.
  on('batch-started', (started) => {
    if (!watch) return;
    watch.announced.add(started.batchId);
    const { batchId, districtId, schoolYear, initiator } = started;
    if (schoolYear === viewSchoolYear(watch.view) && !state.lane?.active) {
      state.lane = { view: watch.view, active: { batchId, districtId, schoolYear, initiator, status: started.status === 'queued' ? 'queued' : 'running' } };
      emit('lane', state.lane);
    }
    void poll(watch);
  });
  on('activity-stale', (view) => {
    if (watch?.view === view) void poll(watch);
  });
  on('history', (page) => announceEnded(page.batches));
  document.addEventListener('visibilitychange', () => {
    if (watch && document.visibilityState === 'visible') void poll(watch);
  });
}
