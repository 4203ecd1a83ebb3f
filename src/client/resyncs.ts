// Client-side resync operations shared by the API, the CLI and scheduled runs: submit a batch to
// its district's lane (update-with-start), read a batch's live progress, cancel a batch.
import { randomBytes } from 'node:crypto';
import {
  WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { formatBatchId, ResyncAlreadyRunningError } from '../domain';
import { progressQuery } from '../workflows/resync-batch';
import { laneQuery, resyncLane, submitUpdate, withdrawUpdate } from '../workflows/resync-lane';
import {
  laneWorkflowId, type BatchProgress, type LaneState, type ResyncRequest, type SubmitResult,
} from '../workflows/types';

export { ResyncAlreadyRunningError };

/** A readable, sortable, unique batch id (see `formatBatchId`): 20261128-153005-7f3a9c01b2d4. */
export function newBatchId(now = new Date()): string {
  return formatBatchId(now, randomBytes(6).toString('hex'));
}

function alreadyRunning(error: unknown): ResyncAlreadyRunningError | undefined {
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === ResyncAlreadyRunningError.name) {
    const [running] = (cause.details ?? []) as { batchId: string; workflowId: string }[];
    return new ResyncAlreadyRunningError(cause.message, running);
  }
  return undefined;
}

/** Client-side resync operations; also the worker's `LaneSubmitter` for activities. */
export class Resyncs {
  constructor(readonly client: Client, readonly taskQueue: string) {}

  async submit(request: ResyncRequest): Promise<SubmitResult> {
    // An idle lane may be closing exactly as we arrive; the server then refuses the update and
    // the next attempt starts a new lane run.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.workflow.executeUpdateWithStart(submitUpdate, {
          args: [request],
          startWorkflowOperation: new WithStartWorkflowOperation(resyncLane, {
            workflowId: laneWorkflowId(request.districtId, request.schoolYear),
            taskQueue: this.taskQueue,
            args: [{ districtId: request.districtId, schoolYear: request.schoolYear }],
            workflowIdConflictPolicy: 'USE_EXISTING',
            staticSummary: `Resync lane of district ${request.districtId}, ${request.schoolYear}`,
          }),
        });
      } catch (error) {
        const refused = alreadyRunning(error);
        if (refused) throw refused;
        if (attempt >= 3 || error instanceof WorkflowUpdateFailedError) throw error;
      }
    }
  }

  /** How many workers have polled the task queue recently. */
  async pollers(): Promise<number> {
    const response = await this.client.workflowService.describeTaskQueue({
      namespace: this.client.options.namespace,
      taskQueue: { name: this.taskQueue },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (response.pollers ?? []).length;
  }

  async workerPolling(): Promise<boolean> {
    return (await this.pollers()) > 0;
  }

  async lane(districtId: string, schoolYear: number): Promise<LaneState | undefined> {
    try {
      return await this.client.workflow.getHandle(laneWorkflowId(districtId, schoolYear)).query(laneQuery);
    } catch {
      return undefined;
    }
  }

  async progress(workflowId: string): Promise<BatchProgress | undefined> {
    try {
      return await this.client.workflow.getHandle(workflowId).query(progressQuery);
    } catch {
      return undefined;
    }
  }

  /** Cancels a running batch, or withdraws a queued one from its lane. */
  async cancel(batch: { batchId: string; workflowId: string; districtId: string; schoolYear: number; status: string }): Promise<void> {
    if (batch.status === 'queued') {
      const withdrawn = await this.client.workflow.getHandle(laneWorkflowId(batch.districtId, batch.schoolYear))
        .executeUpdate(withdrawUpdate, { args: [batch.batchId] });
      if (withdrawn) return;
    }
    await this.client.workflow.getHandle(batch.workflowId).cancel();
  }
}
