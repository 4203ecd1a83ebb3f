// The action of the year-end and year-start schedules: a full resync of each district of the
// target (one district, or every district of a state), submitted to their lanes as scheduled runs.
import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERRORS } from './failures';
import { workflowBatchId } from './lanes';

export interface ScheduledResyncInput {
  readonly scenario: 'year-end' | 'year-start';
  readonly target: { readonly districtId?: string; readonly state?: string };
}

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});

export async function scheduledResync(input: ScheduledResyncInput): Promise<{ batches: string[] }> {
  const districts = await activities.districtsOf(input.target);
  const batches: string[] = [];
  for (const district of districts) {
    const batchId = workflowBatchId();
    await activities.submitResync({
      batchId, districtId: district.districtId, yearChoice: 'current', schoolYear: district.scopedYear, objects: 'all',
      checkDependencies: true, initiator: 'schedule', requestedBy: `schedule ${workflowInfo().workflowId}`,
    });
    batches.push(batchId);
  }
  setCurrentDetails(`${input.scenario} resync submitted for ${districts.length} district(s).`);
  return { batches };
}
