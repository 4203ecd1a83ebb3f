// The progress of one state-wide request, live (GET /api/state/resyncs/:request every two seconds
// until it has finished): districts done, running and queued, the records of those that have
// ended, a row per district linking to its batch in that district's view, the districts left out
// and why; and Cancel (confirmed) for state users with Write rights while it runs.
import { ApiError } from './api';
import type { DistrictRun, DistrictRunStatus, StateWideProgress } from './api-types';
import { byId, fill, h, visuallyHidden } from './dom';
import { formatNumber, plural, schoolYearLabel } from './format';
import { describeError, fail, say, showError } from './messages';
import { emit, mayWrite, on, session } from './store';

const VISIBLE_POLL_MS = 2000;
const HIDDEN_POLL_MS = 15_000;

const panel = () => byId('state-wide-progress');

const STATUS_WORDS: Record<DistrictRunStatus, string> = {
  pending: 'not yet requested', queued: 'queued', running: 'running', completed: 'completed', failed: 'failed', cancelled: 'cancelled',
};
const PHASE_WORDS: Record<StateWideProgress['phase'], string> = {
  submitting: 'requesting the districts\' batches', running: 'running', cancelling: 'cancelling', finished: 'finished',
};

interface Followed {
  readonly requestId: string;
  timer: ReturnType<typeof setTimeout> | null;
  last: StateWideProgress | null;
}

let followed: Followed | null = null;

const isActive = (progress: StateWideProgress) => progress.phase !== 'finished';

/** "3 of 5 districts done (3 completed), 1 running, 1 queued; 1 left out." */
export function countsText(progress: StateWideProgress): string {
  const { counts } = progress;
  const done = counts.completed + counts.failed + counts.cancelled;
  const ended = [
    counts.completed > 0 ? `${formatNumber(counts.completed)} completed` : null,
    counts.failed > 0 ? `${formatNumber(counts.failed)} failed` : null,
    counts.cancelled > 0 ? `${formatNumber(counts.cancelled)} cancelled` : null,
  ].filter(Boolean).join(', ');
  const waiting = [
    `${formatNumber(counts.running)} running`,
    `${formatNumber(counts.queued)} queued`,
    counts.pending > 0 ? `${formatNumber(counts.pending)} not yet requested` : null,
  ].filter(Boolean).join(', ');
  return `${formatNumber(done)} of ${plural(counts.total, 'district')} done${ended ? ` (${ended})` : ''}, ${waiting}`
    + `${counts.skipped > 0 ? `; ${formatNumber(counts.skipped)} left out` : ''}.`;
}

/** The district's view of the batch's school year: the batch is in its banner and history there. */
function viewLink(run: DistrictRun): string {
  const years = session().districts.find((district) => district.districtId === run.districtId)?.years;
  const choice = (['current', 'previous', 'next'] as const).find((c) => years?.[c] === run.schoolYear) ?? 'current';
  return `#district=${encodeURIComponent(run.districtId)}&year=${choice}`;
}

function districtRow(run: DistrictRun): HTMLTableRowElement {
  const name = session().districts.find((district) => district.districtId === run.districtId)?.name;
  const ended = run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled';
  return h('tr', { 'data-district': run.districtId, 'data-status': run.status },
    h('th', { scope: 'row' }, name ? `${name} (${run.districtId})` : run.districtId),
    h('td', {}, schoolYearLabel(run.schoolYear)),
    h('td', { class: 'run-status' }, STATUS_WORDS[run.status], run.failure ? `: ${run.failure}` : ''),
    h('td', { class: 'num' }, ended ? `${formatNumber(run.processed)} / ${formatNumber(run.errors)}` : '—'),
    h('td', {}, run.batchId
      ? h('a', { href: viewLink(run), 'data-batch': run.batchId }, `Batch ${run.batchId}`, visuallyHidden(` of district ${run.districtId}`))
      : h('span', { class: 'muted' }, 'not yet requested')));
}

/** Builds the panel's parts once per request followed, so that focus (on Cancel) survives updates. */
function skeleton(requestId: string): void {
  const box = panel();
  if (box.dataset.request === requestId) return;
  box.dataset.request = requestId;
  fill(box,
    h('div', { class: 'section-head' },
      h('h3', { id: 'state-wide-progress-title', tabindex: -1 }),
      h('button', { type: 'button', id: 'state-wide-cancel', class: 'secondary', hidden: true, onclick: () => void cancel() }, 'Cancel state-wide resync')),
    h('p', { id: 'state-wide-by', class: 'muted' }),
    h('p', { id: 'state-wide-counts' }),
    h('progress', { id: 'state-wide-bar', max: 1, value: 0, 'aria-labelledby': 'state-wide-counts' }),
    h('p', { id: 'state-wide-records' }),
    h('table', { id: 'state-wide-districts' },
      h('caption', {}, 'Districts'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'District'), h('th', { scope: 'col' }, 'Year'), h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col', class: 'num' }, 'Processed / Errors'), h('th', { scope: 'col' }, 'Batch'))),
      h('tbody', {})),
    h('div', { id: 'state-wide-skipped', hidden: true }));
}

function render(progress: StateWideProgress): void {
  const { counts, records } = progress;
  const box = panel();
  skeleton(progress.requestId);
  box.hidden = false;
  box.dataset.phase = progress.phase;
  byId('state-wide-progress-title').textContent = `State-wide resync ${progress.requestId}: ${PHASE_WORDS[progress.phase]}`;
  byId('state-wide-cancel').hidden = !(mayWrite() && (progress.phase === 'submitting' || progress.phase === 'running'));
  byId('state-wide-by').textContent = `Requested by ${progress.requestedBy}.`
    + (progress.cancelledBy ? ` Cancelled by ${progress.cancelledBy}: batches not yet ended were cancelled, queued ones withdrawn.` : '');
  byId('state-wide-counts').textContent = countsText(progress);
  const bar = byId('state-wide-bar', HTMLProgressElement);
  bar.max = Math.max(counts.total, 1);
  bar.value = counts.completed + counts.failed + counts.cancelled;
  byId('state-wide-records').textContent = 'Records of the districts that have finished: '
    + `${formatNumber(records.processed)} processed, ${formatNumber(records.errors)} errors, ${formatNumber(records.sent)} sent.`;
  byId('state-wide-districts', HTMLTableElement).tBodies[0]?.replaceChildren(...progress.districts.map(districtRow));
  const skipped = byId('state-wide-skipped');
  skipped.hidden = progress.skipped.length === 0;
  fill(skipped, progress.skipped.length > 0 ? [h('h4', {}, 'Left out'),
    h('ul', {}, progress.skipped.map((entry) => h('li', { 'data-district': entry.districtId }, `District ${entry.districtId}: ${entry.reason}`)))] : []);
}

function schedule(current: Followed): void {
  if (current.timer !== null) clearTimeout(current.timer);
  current.timer = setTimeout(() => void poll(current), document.visibilityState === 'hidden' ? HIDDEN_POLL_MS : VISIBLE_POLL_MS);
}

async function poll(current: Followed): Promise<void> {
  if (followed !== current) return;
  try {
    const progress = await session().api.stateWideProgress(current.requestId);
    if (followed !== current) return;
    const before = current.last;
    current.last = progress;
    if (JSON.stringify(before) !== JSON.stringify(progress)) {
      render(progress);
      emit('state-wide-progress', progress);
    }
    if (before && isActive(before) && !isActive(progress)) {
      say(`State-wide resync ${progress.requestId} finished: ${countsText(progress)}`);
    }
    if (isActive(progress)) schedule(current);
  } catch (error) {
    if (followed !== current) return;
    // Unreachable or busy: keep trying; refused (401 ends the session; 404 an unknown request): stop.
    if (error instanceof ApiError && error.status !== 429 && error.status !== 503) {
      fail(error);
      return;
    }
    showError(`State-wide progress paused: ${describeError(error)} Trying again.`);
    schedule(current);
  }
}

function stop(): void {
  if (followed?.timer) clearTimeout(followed.timer);
  followed = null;
}

/** Shows and follows a request (reads it at once). */
async function follow(requestId: string): Promise<void> {
  if (followed?.requestId === requestId) {
    await poll(followed);
    return;
  }
  stop();
  const current: Followed = { requestId, timer: null, last: null };
  followed = current;
  await poll(current);
}

function confirmCancel(progress: StateWideProgress): Promise<boolean> {
  const dialog = byId('state-wide-cancel-dialog', HTMLDialogElement);
  const waiting = progress.counts.running + progress.counts.queued + progress.counts.pending;
  byId('state-wide-cancel-text').textContent = `Cancel state-wide resync ${progress.requestId}? The batches of its ${plural(waiting, 'district')} not yet ended `
    + 'are cancelled: queued ones are withdrawn and never run; running ones stop after the page they are copying (what they sent stays at the state). '
    + 'Districts that have finished keep their results.';
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const button = byId('state-wide-cancel');
      (button.hidden ? byId('state-wide-progress-title') : button).focus();
      resolve(dialog.returnValue === 'cancel-request');
    }, { once: true });
    dialog.showModal();
  });
}

async function cancel(): Promise<void> {
  const progress = followed?.last;
  if (!progress) return;
  showError('');
  if (!(await confirmCancel(progress))) return;
  try {
    await session().api.cancelStateWide(progress.requestId);
    say(`State-wide resync ${progress.requestId} is being cancelled: every district batch not yet ended is cancelled.`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) showError(`State-wide resync ${progress.requestId} has already ended: nothing to cancel.`);
    else fail(error);
  }
  if (followed?.requestId === progress.requestId) void poll(followed);
}

export function mountStateWideProgress(): void {
  on('state-wide-follow', (requestId) => void follow(requestId));
  on('session', () => {
    stop();
    panel().hidden = true;
    panel().replaceChildren();
    delete panel().dataset.request;
  });
  document.addEventListener('visibilitychange', () => {
    if (followed && followed.last && isActive(followed.last) && document.visibilityState === 'visible') void poll(followed);
  });
}
