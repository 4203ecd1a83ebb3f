// How activities are timed and retried, named once. Every policy lists the errors retrying cannot
// fix by their class's name (Temporal reports a thrown error's `name` as its failure type), so a
// renamed class cannot leave a stale string behind.
import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions, type RetryPolicy } from '@temporalio/workflow';
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

/** The same short bookkeeping as a local activity, inside the workflow task that needs it: no
 *  activity task to schedule, poll and report, no workflow task to resume after it. One try: a
 *  workflow answers no query while a local activity of its task runs or retries, and its retries
 *  show nowhere in the Temporal UI — a try that fails is retried as an ordinary activity (BOOKKEEPING). */
export const LOCAL_BOOKKEEPING: LocalActivityOptions = { startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } };

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

/**
 * Copying a level's small objects in one activity. Its failures are per object and retried by the
 * batch (only the objects that failed, with the same backoff), so the activity itself runs once
 * per call; a silent worker is noticed by the heartbeat timeout like any copy.
 */
export function copyingSmallObjects(summary: string): ActivityOptions {
  return { ...copying(), retry: { ...BACKOFF, maximumAttempts: 1 }, summary };
}

/** The wait between the batch's attempts at the small objects that failed (attempt 1, 2, …):
 *  the same 1 s, doubling, 30 s at most as every retry here. */
export function backoffAfter(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** Removing records the district no longer has (a full resync), children before parents. */
export const PRUNING: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: retrying(25),
};

/** Comparing district and state: counts only, but over every record. */
export const VERIFYING: ActivityOptions = { startToCloseTimeout: '2 hours', retry: retrying(10) };

/** @deprecated The polling wait of runs started before batches signalled their outcome. */
export const LEGACY_WAITING: ActivityOptions = { startToCloseTimeout: '24 hours', heartbeatTimeout: '1 minute', retry: retrying() };
