// Activities of a batch's bookkeeping: read the district, record the batch's plan, skipped objects
// and outcome, count the records of its objects, and raise process alerts.
import { listBatchObjects, markObjectsSkipped } from '../data/batch-objects';
import { finishBatch, getBatch, insertQueuedBatch, markBatchRunning, type NewBatch } from '../data/batches';
import { raiseAlert, type NewAlert } from '../data/alerts';
import { countRecords } from '../data/district-records';
import { getDistrict } from '../data/district-registry';
import { errorCountsByReason } from '../data/sync-errors';
import {
  statusColour, UnknownBatchError, YELLOW_ERROR_SHARE, type DistrictProfile, type FinishedBatchStatus, type Plan,
} from '../domain';
import type { BatchOutcome } from '../workflows/types';
import type { ActivityDeps } from './deps';

export interface DistrictSnapshot {
  readonly districtId: string;
  readonly name: string;
  readonly profile: DistrictProfile;
  readonly scopedYear: number;
}

export interface LoadDistrictInput {
  readonly districtId: string;
}

export interface RecordBatchStartedInput {
  readonly batchId: string;
  readonly plan: Plan;
}

export interface CountPlannedRecordsInput {
  readonly districtId: string;
  readonly schoolYear: number;
  readonly objects: readonly string[];
}

export interface RecordObjectsSkippedInput {
  readonly batchId: string;
  readonly skipped: readonly { object: string; reason: string }[];
}

export interface RecordBatchFinishedInput {
  readonly batchId: string;
  readonly status: FinishedBatchStatus;
  readonly failure?: string;
}

/** Reads how a batch ended from the history: totals, red objects, and the objects a resync could
 *  still fix (not-allowed records are excluded on purpose by the state and never block). */
export async function batchOutcome(deps: Pick<ActivityDeps, 'state'>, batchId: string): Promise<BatchOutcome> {
  const batch = await getBatch(deps.state, batchId);
  if (!batch) throw new UnknownBatchError(batchId);
  if (batch.status === 'queued' || batch.status === 'running') throw new Error(`batch ${batchId} has not ended (${batch.status})`);
  const objects = await listBatchObjects(deps.state, batchId);
  const reasons = await errorCountsByReason(deps.state, batchId);
  const blocking = objects.filter((object) => {
    if (object.status !== 'completed') return true;
    const counts = reasons.get(object.object) ?? {};
    const fixable = (counts.refused ?? 0) + (counts['parent-missing'] ?? 0);
    return fixable > object.processed * YELLOW_ERROR_SHARE;
  });
  return {
    batchId, status: batch.status, processed: batch.processed, errors: batch.errors, sent: batch.sent, deleted: batch.deleted,
    failure: batch.failure,
    redObjects: objects.filter((object) => statusColour(object.status, object) === 'red').map((object) => object.object),
    blockingObjects: blocking.map((object) => object.object),
  };
}

export function createBatchActivities(deps: ActivityDeps) {
  return {
    /** @throws UnknownDistrictError (not retried) */
    async loadDistrict(input: LoadDistrictInput): Promise<DistrictSnapshot> {
      const district = await getDistrict(deps.state, input.districtId);
      return { districtId: district.districtId, name: district.name, profile: district.profile, scopedYear: district.scopedYear };
    },

    async recordBatchQueued(batch: NewBatch): Promise<void> {
      await insertQueuedBatch(deps.state, batch);
    },

    /** Records the plan and the planned objects (pending). */
    async recordBatchStarted(input: RecordBatchStartedInput): Promise<void> {
      await markBatchRunning(deps.state, input.batchId, input.plan);
    },

    /** How many records each object holds at the district for the year, so the batch can schedule
     *  its large objects apart from its small ones. Counts only, never records. */
    async countPlannedRecords(input: CountPlannedRecordsInput): Promise<Record<string, number>> {
      const district = await getDistrict(deps.state, input.districtId);
      const source = deps.districtSources.for(district);
      const records: Record<string, number> = {};
      for (const object of input.objects) records[object] = await countRecords(source, district.sourceSchema, object, input.schoolYear);
      return records;
    },

    async recordObjectsSkipped(input: RecordObjectsSkippedInput): Promise<void> {
      await markObjectsSkipped(deps.state, input.batchId, input.skipped);
    },

    /** Ends the batch in the history and returns its outcome (totals = sums of its objects). */
    async recordBatchFinished(input: RecordBatchFinishedInput): Promise<BatchOutcome> {
      await finishBatch(deps.state, input.batchId, input.status, input.failure ?? null);
      return batchOutcome(deps, input.batchId);
    },

    async raiseAlert(alert: NewAlert): Promise<void> {
      await raiseAlert(deps.state, alert);
    },
  };
}
