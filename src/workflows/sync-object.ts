// Copies one object of a batch: splits it into key ranges, copies the ranges with heartbeated,
// resumable activities (bounded parallelism), and records the object's outcome. Its history holds
// a handful of events whatever the object's size: records never pass through it, only counts.
import { CancellationScope, isCancellation, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { forEachBounded } from './bounded';
import { NON_RETRYABLE_ERRORS, rootMessage } from './failures';
import type { ObjectCountsResult, SyncObjectInput } from './types';

const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

function copyingActivities(attempts: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: '4 hours',
    // A silent worker (crash, partition) is noticed within this time and the range retried elsewhere.
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      // By default about ten minutes of retries: long enough to ride out a database restart.
      maximumAttempts: attempts,
      nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
    },
  });
}

/** Records how the object ended when it did not complete: cancelled, or failed with the reason. */
async function recordFailure(input: SyncObjectInput, error: unknown): Promise<void> {
  if (isCancellation(error)) {
    await CancellationScope.nonCancellable(() => bookkeeping.finishObject({ batchId: input.batchId, object: input.object, outcome: 'cancelled' }));
  } else {
    await bookkeeping.finishObject({ batchId: input.batchId, object: input.object, outcome: 'failed', failure: rootMessage(error) });
  }
}

export async function syncObject(input: SyncObjectInput): Promise<ObjectCountsResult> {
  const copying = copyingActivities(input.options?.copyAttempts ?? 25);
  let ranges: number;
  try {
    const started = await copying.copyObject({
      batchId: input.batchId, districtId: input.districtId, object: input.object, schoolYear: input.schoolYear,
      ...(input.records !== undefined ? { records: input.records } : {}),
      ...(input.options?.rangeRecords ? { rangeRecords: input.options.rangeRecords } : {}),
      ...(input.options?.pageSize ? { pageSize: input.options.pageSize } : {}),
    });
    if (started.result) {
      setCurrentDetails(`${started.result.processed} processed, ${started.result.errors} error(s): ${started.result.colour}.`);
      return { object: input.object, processed: started.result.processed, errors: started.result.errors, sent: started.result.sent, colour: started.result.colour };
    }
    ranges = started.ranges;
    setCurrentDetails(`Copying ${started.records} ${input.object} record(s) in ${ranges} key ranges.`);
  } catch (error) {
    await recordFailure(input, error);
    throw error;
  }
  try {
    await forEachBounded(Array.from({ length: ranges }, (_, i) => i), input.options?.maxParallelRanges ?? 2, async (rangeIndex) => {
      await copying.syncRange({
        batchId: input.batchId, districtId: input.districtId, object: input.object, schoolYear: input.schoolYear, rangeIndex,
        ...(input.options?.pageSize ? { pageSize: input.options.pageSize } : {}),
      });
    });
  } catch (error) {
    await recordFailure(input, error);
    throw error;
  }
  const result = await bookkeeping.finishObject({ batchId: input.batchId, object: input.object, outcome: 'completed' });
  setCurrentDetails(`${result.processed} processed, ${result.errors} error(s): ${result.colour}.`);
  return { object: input.object, processed: result.processed, errors: result.errors, sent: result.sent, colour: result.colour };
}
