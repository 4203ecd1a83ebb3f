// "Verify, then resync" (DESIGN §2.7, the "database modified directly" scenario): verify the
// district against the state, resync exactly the objects that differ (with Check Dependencies,
// removing records the district no longer has), verify again, and keep both verifications with
// the batch.
import { defineQuery, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Initiator, SchoolYearChoice } from '../domain';
import { BatchWaiter } from './batch-outcome';
import { runBatch, workflowBatchId } from './lanes';
import { VERIFYING } from './policies';
import { RESYNC_OUTCOME, type ResyncOutcome } from './search-attributes';

export interface VerifyThenResyncInput {
  readonly districtId: string;
  readonly yearChoice: SchoolYearChoice;
  readonly schoolYear: number;
  readonly initiator: Initiator;
  readonly requestedBy: string;
}

export interface VerifyThenResyncResult {
  readonly batchId: string | null;
  /** Objects found out of sync before the resync. */
  readonly resynced: readonly string[];
  readonly inSyncAfter: boolean;
}

export const verifyThenResyncQuery = defineQuery<{ phase: string; outOfSync: readonly string[]; batchId: string | null }>('verifyThenResync');

const activities = proxyActivities<Activities>(VERIFYING);

export async function verifyThenResync(input: VerifyThenResyncInput): Promise<VerifyThenResyncResult> {
  const waiter = new BatchWaiter();
  let phase = 'verifying';
  let outOfSync: string[] = [];
  let batchId: string | null = null;
  setHandler(verifyThenResyncQuery, () => ({ phase, outOfSync, batchId }));
  const scope = { districtId: input.districtId, schoolYear: input.schoolYear, yearChoice: input.yearChoice };

  setCurrentDetails(`Verifying district ${input.districtId}, ${input.schoolYear}.`);
  const before = await activities.verifyObjects(scope);
  outOfSync = before.filter((object) => !object.inSync).map((object) => object.object);
  if (outOfSync.length === 0) {
    await activities.recordVerification({ ...scope, batchId: null, purpose: 'on-demand', objects: before });
    phase = 'in sync: nothing to resync';
    setCurrentDetails('District and state agree: nothing to resync.');
    upsertSearchAttributes([{ key: RESYNC_OUTCOME, value: 'green' }]);
    return { batchId: null, resynced: [], inSyncAfter: true };
  }

  phase = 'resyncing';
  batchId = workflowBatchId();
  setCurrentDetails(`Resyncing ${outOfSync.length} object(s) that differ: ${outOfSync.join(', ')}.`);
  const outcome = await runBatch(waiter, {
    batchId, districtId: input.districtId, yearChoice: input.yearChoice, schoolYear: input.schoolYear, objects: outOfSync,
    // Only what differs is written: the objects were found out of sync, most of their records are not.
    checkDependencies: true, removeDeleted: true, method: 'differential', initiator: input.initiator, requestedBy: input.requestedBy,
  });
  await activities.recordVerification({ ...scope, batchId, purpose: 'before', objects: before });

  phase = 'verifying again';
  const after = await activities.verifyObjects({ ...scope, objects: outOfSync });
  const recorded = await activities.recordVerification({ ...scope, batchId, purpose: 'after', objects: after });
  phase = 'finished';
  setCurrentDetails(`Batch ${batchId} ${outcome.status}; ${recorded.inSync ? 'now in sync' : `still out of sync: ${after.filter((o) => !o.inSync).map((o) => o.object).join(', ')}`}.`);
  const result: ResyncOutcome = outcome.status !== 'completed' ? outcome.status : recorded.inSync ? 'green' : 'red';
  upsertSearchAttributes([{ key: RESYNC_OUTCOME, value: result }]);
  return { batchId, resynced: outOfSync, inSyncAfter: recorded.inSync };
}
