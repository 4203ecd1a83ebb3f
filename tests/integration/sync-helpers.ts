// Drives the sync activities directly (no Temporal) for data-plane tests: a batch recorded in
// the history, then each planned object copied parent-first, range by range.
import { planObjectRanges } from '../../src/activities/sync/object-ranges';
import { newBatchId } from '../../src/client/resyncs';
import { pruneObject } from '../../src/activities/sync/prune';
import { syncRange, type RangeResult } from '../../src/activities/sync/sync-range';
import { finishObject } from '../../src/data/batch-objects';
import { insertQueuedBatch, markBatchRunning } from '../../src/data/batches';
import type { Sql } from '../../src/data/db';
import { getDistrict } from '../../src/data/district-registry';
import type { DistrictSources } from '../../src/data/district-sources';
import { planResync, type Plan } from '../../src/domain';

export interface Deps {
  readonly state: Sql;
  readonly districtSources: DistrictSources;
}

export const noHooks = { heartbeat: () => {}, checkpoint: () => {} };

export async function recordBatch(deps: Deps, districtId: string, objects: 'all' | string[], checkDependencies = true): Promise<{ batchId: string; plan: Plan; schoolYear: number }> {
  const district = await getDistrict(deps.state, districtId);
  const plan = planResync({ objects, checkDependencies, year: 'current' }, district.profile);
  // A real batch id: the copy writes it into COPY only when it has the domain's form.
  const batchId = newBatchId();
  await insertQueuedBatch(deps.state, {
    batchId, districtId, schoolYear: district.scopedYear, yearChoice: 'current', kind: plan.kind, initiator: 'district',
    requestedBy: 'test', checkDependencies, requestedObjects: objects === 'all' ? null : objects, workflowId: `wf-${batchId}`,
  });
  await markBatchRunning(deps.state, batchId, plan);
  return { batchId, plan, schoolYear: district.scopedYear };
}

export async function syncObjectDirectly(
  deps: Deps, batch: { batchId: string; schoolYear: number }, districtId: string, object: string, options: { rangeRecords?: number; pageSize?: number } = {},
): Promise<RangeResult[]> {
  const { ranges } = await planObjectRanges(deps, { batchId: batch.batchId, districtId, object, schoolYear: batch.schoolYear, ...(options.rangeRecords ? { rangeRecords: options.rangeRecords } : {}) });
  const results: RangeResult[] = [];
  for (let rangeIndex = 0; rangeIndex < ranges; rangeIndex++) {
    results.push(await syncRange(deps, { batchId: batch.batchId, districtId, object, schoolYear: batch.schoolYear, rangeIndex, ...(options.pageSize ? { pageSize: options.pageSize } : {}) }, noHooks));
  }
  await finishObject(deps.state, batch.batchId, object, 'completed', null);
  return results;
}

/** Copies every planned object parent-first; for a full plan, then removes deleted records children-first. */
export async function syncPlan(deps: Deps, districtId: string, batch: { batchId: string; plan: Plan; schoolYear: number }): Promise<void> {
  for (const level of batch.plan.levels) {
    for (const object of level) await syncObjectDirectly(deps, batch, districtId, object);
  }
  if (batch.plan.kind === 'full') {
    for (const level of [...batch.plan.levels].reverse()) {
      for (const object of level) await pruneObject(deps.state, { batchId: batch.batchId, districtId, object, schoolYear: batch.schoolYear });
    }
  }
}
