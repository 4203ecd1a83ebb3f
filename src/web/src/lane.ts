// The view's lane: whether a batch of this district and school year is queued or running. Read
// from the history of the view's year; kept current by this page's own sends and by the batch
// it follows. Send Resync is held while the lane is busy.
import type { BatchSummary } from './api-types';
import { fail } from './messages';
import { ACTIVE_STATUSES, emit, isCurrent, on, session, state, type Lane, type LaneBatch, type View } from './store';

/** Batches read to find the active one: the newest of the year, where queued and running ones
 *  are (a lane runs its batches in the order requested). */
const LANE_WINDOW = 20;

/** The batch holding the lane: the running one, else the first queued one (oldest); null if none. */
export function activeBatch(batches: readonly BatchSummary[]): LaneBatch | null {
  const active = batches.filter((batch) => ACTIVE_STATUSES.has(batch.status));
  return active.find((batch) => batch.status === 'running') ?? active[active.length - 1] ?? null;
}

function publish(lane: Lane): void {
  state.lane = lane;
  emit('lane', lane);
}

/** Reads the view's lane (GET /api/districts/:d/history?year=…); null when the read failed (the
 *  error shown) or the user has left the view. */
export async function loadLane(view: View): Promise<Lane | null> {
  try {
    const page = await session().api.history(view.district, { year: view.year, limit: LANE_WINDOW, offset: 0 });
    if (!isCurrent(view)) return null;
    const lane: Lane = { view, active: activeBatch(page.batches) };
    publish(lane);
    return lane;
  } catch (error) {
    if (isCurrent(view)) fail(error);
    return null;
  }
}

export function mountLane(): void {
  // A batch this page started holds the lane at once (the next read of the history confirms it).
  on('batch-started', (started) => {
    const view = state.view;
    if (!view || state.lane?.active) return;
    const { batchId, districtId, schoolYear, initiator } = started;
    publish({ view, active: { batchId, districtId, schoolYear, initiator, status: started.status === 'queued' ? 'queued' : 'running' } });
  });
  // The followed batch moved from queued to running: say so.
  on('batch', (batch) => {
    const lane = state.lane;
    if (lane?.active?.batchId !== batch.batchId || lane.active.status === batch.status || !ACTIVE_STATUSES.has(batch.status)) return;
    publish({ ...lane, active: { ...lane.active, status: batch.status } });
  });
}
