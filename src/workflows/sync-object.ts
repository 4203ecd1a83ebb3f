// Copies one object of a batch: splits it into key ranges, copies the ranges with heartbeated,
// resumable activities (bounded parallelism), and records the object's outcome. Its history holds
// a handful of events whatever the object's size: records never pass through it, only counts.
import { CancellationScope, isCancellation, proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { forEachBounded } from './bounded';
import { rootMessage } from './failures';
import { BOOKKEEPING, copying } from './policies';
import { RESYNC_OUTCOME, type ResyncOutcome } from './search-attributes';
import type { ObjectCountsResult, SyncObjectInput } from './types';

const bookkeeping = proxyActivities<Activities>(BOOKKEEPING);

function markOutcome(outcome: ResyncOutcome): void {
  upsertSearchAttributes([{ key: RESYNC_OUTCOME, value: outcome }]);
}

/** Records how the object ended when it did not complete: cancelled (it stopped at a page
 *  boundary: its counts are what it wrote), or failed with the reason. */
async function recordFailure(input: SyncObjectInput, error: unknown): Promise<void> {
  if (isCancellation(error)) {
    await CancellationScope.nonCancellable(() => bookkeeping.finishObject({ batchId: input.batchId, object: input.object, outcome: 'cancelled' }));
    markOutcome('cancelled');
  } else {
    await bookkeeping.finishObject({ batchId: input.batchId, object: input.object, outcome: 'failed', failure: rootMessage(error) });
    markOutcome('failed');
  }
}

export async function syncObject(input: SyncObjectInput): Promise<ObjectCountsResult> {
  const copier = proxyActivities<Activities>(copying(input.options?.copyAttempts));
  let ranges: number;
  try {
    const started = await copier.copyObjectOrPlanRanges({
      batchId: input.batchId, districtId: input.districtId, object: input.object, schoolYear: input.schoolYear,
      ...(input.records !== undefined ? { records: input.records } : {}),
      ...(input.options?.rangeRecords ? { rangeRecords: input.options.rangeRecords } : {}),
      ...(input.options?.pageSize ? { pageSize: input.options.pageSize } : {}),
      ...(input.method ? { method: input.method } : {}), ...(input.removeExtras ? { removeExtras: true } : {}),
    });
    if (started.result) {
      setCurrentDetails(`${started.result.processed} processed, ${started.result.errors} error(s): ${started.result.colour}.`);
      markOutcome(started.result.colour === 'gray' ? 'red' : started.result.colour);
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
      await copier.syncRange({
        batchId: input.batchId, districtId: input.districtId, object: input.object, schoolYear: input.schoolYear, rangeIndex,
        ...(input.options?.pageSize ? { pageSize: input.options.pageSize } : {}),
        ...(input.method ? { method: input.method } : {}), ...(input.removeExtras ? { removeExtras: true } : {}),
      });
    });
  } catch (error) {
    await recordFailure(input, error);
    throw error;
  }
  let result;
  try {
    result = await bookkeeping.finishObject({ batchId: input.batchId, object: input.object, outcome: 'completed' });
  } catch (error) {
    await recordFailure(input, error);
    throw error;
  }
  setCurrentDetails(`${result.processed} processed, ${result.errors} error(s): ${result.colour}.`);
  markOutcome(result.colour === 'gray' ? 'red' : result.colour);
  return { object: input.object, processed: result.processed, errors: result.errors, sent: result.sent, colour: result.colour };
}
