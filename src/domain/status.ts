// The Status column (DESIGN §2.8): the colour of an object's last resync.

export type StatusColour = 'green' | 'yellow' | 'red' | 'gray';

export type ObjectOutcome = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'cancelled';

export interface ObjectCounts {
  /** Records attempted. */
  readonly processed: number;
  /** Records that did not reach the state, including records not allowed to sync. */
  readonly errors: number;
}

/** Errors up to this share of attempts still count as "finished with few errors" (yellow). */
export const YELLOW_ERROR_SHARE = 0.01;

export function statusColour(outcome: ObjectOutcome, counts: ObjectCounts): StatusColour {
  switch (outcome) {
    case 'pending':
    case 'running':
      return 'gray';
    case 'failed':
    case 'skipped':
    case 'cancelled':
      // Nothing (or not everything) of the object reached the state in this batch.
      return 'red';
    case 'completed':
      if (counts.errors === 0) return 'green';
      return counts.errors <= counts.processed * YELLOW_ERROR_SHARE ? 'yellow' : 'red';
  }
}
