// Activities of a batch: read the district, record the batch's plan, skipped objects and outcome,
// and raise process alerts.
import type { DistrictProfile, Plan } from '../domain';
import { finishBatch, insertQueuedBatch, markBatchRunning, markObjectsSkipped, type NewBatch } from '../data/batch-history';
import { raiseAlert, type NewAlert } from '../data/alerts';
import { getDistrict, UnknownDistrictError } from '../data/district-registry';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { countRecords } from './sync/object-ranges';

export interface DistrictSnapshot {
  readonly districtId: string;
  readonly name: string;
  readonly profile: DistrictProfile;
  readonly scopedYear: number;
}

export interface BatchSummary {
  readonly batchId: string;
  readonly status: 'completed' | 'failed' | 'cancelled';
  readonly processed: number;
  readonly errors: number;
  readonly sent: number;
  readonly deleted: number;
}

export function createBatchActivities(deps: ActivityDeps) {
  return {
    async loadDistrict(districtId: string): Promise<DistrictSnapshot> {
      try {
        const district = await getDistrict(deps.state, districtId);
        return { districtId: district.districtId, name: district.name, profile: district.profile, scopedYear: district.scopedYear };
      } catch (error) {
        if (error instanceof UnknownDistrictError) throw ApplicationFailure.nonRetryable(error.message, 'UnknownDistrict');
        throw error;
      }
    },

    async recordBatchQueued(batch: NewBatch): Promise<void> {
      await insertQueuedBatch(deps.state, batch);
    },

    /** Records the plan and returns how many records each planned object holds, so the batch can
     *  schedule its large objects apart from its small ones. */
    async recordBatchStarted(input: { batchId: string; districtId: string; schoolYear: number; plan: Plan }): Promise<Record<string, number>> {
      await markBatchRunning(deps.state, input.batchId, input.plan);
      const district = await getDistrict(deps.state, input.districtId);
      const source = deps.districtSources.for(district);
      const records: Record<string, number> = {};
      for (const object of input.plan.levels.flat()) records[object] = await countRecords(source, district.sourceSchema, object, input.schoolYear);
      return records;
    },

    async recordObjectsSkipped(input: { batchId: string; skipped: { object: string; reason: string }[] }): Promise<void> {
      await markObjectsSkipped(deps.state, input.batchId, input.skipped);
    },

    async recordBatchFinished(input: { batchId: string; status: BatchSummary['status']; failure?: string }): Promise<BatchSummary> {
      const batch = await finishBatch(deps.state, input.batchId, input.status, input.failure ?? null);
      return {
        batchId: input.batchId, status: input.status,
        processed: batch?.processed ?? 0, errors: batch?.errors ?? 0, sent: batch?.sent ?? 0, deleted: batch?.deleted ?? 0,
      };
    },

    async raiseAlert(alert: NewAlert): Promise<void> {
      await raiseAlert(deps.state, alert);
    },
  };
}
