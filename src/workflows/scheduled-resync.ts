// The action of the year-end and year-start schedules: a full resync of each district of the
// target (one district, or every district of a state), submitted to their lanes as scheduled runs.
// The run lasts as long as its batches, so the schedule's overlap policy (SKIP, BUFFER_ONE, …)
// sees a run still in progress and means what it says.
import { patched, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { BatchWaiter } from './batch-outcome';
import { OUTCOME_BY_SIGNAL, submitBatch, workflowBatchId } from './lanes';
import { BOOKKEEPING } from './policies';
import type { BatchOutcome } from './types';

export interface ScheduledResyncInput {
  readonly scenario: 'year-end' | 'year-start';
  readonly target: { readonly districtId?: string; readonly state?: string };
}

export interface ScheduledResyncResult {
  readonly batches: string[];
  /** How each batch ended (absent for runs started before batches signalled their outcome). */
  readonly outcomes?: readonly BatchOutcome[];
}

const activities = proxyActivities<Activities>(BOOKKEEPING);

export async function scheduledResync(input: ScheduledResyncInput): Promise<ScheduledResyncResult> {
  const waiter = new BatchWaiter();
  const districts = await activities.districtsOf(input.target);
  const batches: string[] = [];
  for (const district of districts) {
    const batchId = workflowBatchId();
    await submitBatch({
      batchId, districtId: district.districtId, yearChoice: 'current', schoolYear: district.scopedYear, objects: 'all',
      checkDependencies: true, initiator: 'schedule', requestedBy: `schedule ${workflowInfo().workflowId}`,
    });
    batches.push(batchId);
  }
  // Runs started before the batches signalled back ended here, right after submitting.
  if (!patched(OUTCOME_BY_SIGNAL)) return { batches };
  setCurrentDetails(`${input.scenario} resync: ${districts.length} district(s) submitted; waiting for their batches.`);
  const outcomes: BatchOutcome[] = [];
  for (const batchId of batches) {
    outcomes.push(await waiter.outcomeOf(batchId));
    setCurrentDetails(`${input.scenario} resync: ${outcomes.length}/${batches.length} batch(es) ended.`);
  }
  return { batches, outcomes };
}
