// Following a batch while it runs: its state is read once a second and announced as `batch`
// events (the object table and the progress line update from them) until it ends (`batch-ended`).
// A later push channel (live updates) can emit the same events instead of polling.
import type { BatchDetail } from './api-types';
import { fail, say } from './messages';
import { ACTIVE_STATUSES, emit, on, session } from './store';

const POLL_MS = 1000;

/** The batch being followed; null when none. Changing it stops the loop of the previous one. */
let following: string | null = null;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function announce(batch: BatchDetail): string {
  return ACTIVE_STATUSES.has(batch.status) ? `Resync batch ${batch.batchId} is ${batch.status}.` : `Resync batch ${batch.batchId} ${batch.outcome}.`;
}

/** Follows a batch until it ends, the user leaves the view, or a read fails (the error shown). */
export async function follow(batchId: string): Promise<void> {
  if (following === batchId) return;
  following = batchId;
  let lastStatus: string | null = null;
  while (following === batchId) {
    let batch: BatchDetail;
    try {
      batch = await session().api.batch(batchId);
    } catch (error) {
      if (following === batchId) {
        following = null;
        fail(error);
      }
      return;
    }
    if (following !== batchId) return; // the user moved to another district or year
    emit('batch', batch);
    if (batch.status !== lastStatus) {
      lastStatus = batch.status;
      say(announce(batch));
    }
    if (!ACTIVE_STATUSES.has(batch.status)) {
      following = null;
      emit('batch-ended', batch);
      return;
    }
    await sleep(POLL_MS);
  }
}

export function mountBatchFollow(): void {
  on('view', () => {
    following = null;
  });
  on('session', (current) => {
    if (!current) following = null;
  });
}
