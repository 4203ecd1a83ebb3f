// The view's lane: whether a batch of this district and school year is queued or running (read
// from the history of the view's year). The page follows that batch.
import type { BatchSummary } from './api-types';
import { fail } from './messages';
import { ACTIVE_STATUSES, emit, isCurrent, session, state, type Lane, type LaneBatch, type View } from './store';

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
