// How activities are timed and retried, named once. Every policy lists the errors retrying cannot
// fix by their class's name (Temporal reports a thrown error's `name` as its failure type), so a
// renamed class cannot leave a stale string behind.
import { ActivityCancellationType, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import {
  BatchIdCollisionError, InvalidResyncRequestError, ScopedYearChangedError, UnknownBatchError, UnknownDistrictError,
  UnknownRangeError,
} from '../domain/errors';

/** Errors retrying cannot fix. */
export const NON_RETRYABLE_ERRORS: readonly string[] = [
  InvalidResyncRequestError.name, UnknownDistrictError.name, UnknownBatchError.name, UnknownRangeError.name,
  ScopedYearChangedError.name, BatchIdCollisionError.name,
];

/** One backoff for everything: 1 s, doubling, at most 30 s between attempts. */
const BACKOFF: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' };

function retrying(maximumAttempts?: number): RetryPolicy {
  return { ...BACKOFF, nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS], ...(maximumAttempts ? { maximumAttempts } : {}) };
}

/** Short reads and writes of the batch history, alerts and the lane: retried until they succeed. */
export const BOOKKEEPING: ActivityOptions = { startToCloseTimeout: '1 minute', retry: retrying() };

/** Handing a batch to a lane (scheduled runs, rollovers, verify-then-resync). */
export const SUBMITTING: ActivityOptions = BOOKKEEPING;

/**
 * Copying records. A silent worker (crash, partition) is noticed within the heartbeat timeout and
 * the range retried elsewhere from its last committed page. By default about ten minutes of
 * retries: long enough to ride out a database restart. A cancelled batch waits for the copy to stop
 * at a page boundary, so nothing is written after the batch is recorded cancelled.
 */
export function copying(maximumAttempts = 25): ActivityOptions {
  return {
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: '30 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: retrying(maximumAttempts),
  };
}

/** Removing records the district no longer has (a full resync), level by level. */
export const PRUNING: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: retrying(25),
};

/** Comparing district and state: counts only, but over every record. */
export const VERIFYING: ActivityOptions = { startToCloseTimeout: '2 hours', retry: retrying(10) };

/** @deprecated The polling wait of runs started before batches signalled their outcome. */
export const LEGACY_WAITING: ActivityOptions = { startToCloseTimeout: '24 hours', heartbeatTimeout: '1 minute', retry: retrying() };
