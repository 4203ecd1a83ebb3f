// Client-side resync operations shared by the API and the worker (for scheduled runs, rollovers
// and verify-then-resync): store a request and submit its batch to the district's lane
// (update-with-start), read a batch's live progress, cancel a batch through its lane.
import { randomBytes } from 'node:crypto';
import {
  WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { LaneSubmitter } from '../activities/deps';
import { deleteRefusedRequest, insertBatchRequest } from '../data/batch-requests';
import { getBatch } from '../data/batches';
import type { Sql } from '../data/db';
import { BatchIdCollisionError, formatBatchId, ResyncAlreadyRunningError } from '../domain';
import { batchFinishedSignal } from '../workflows/batch-outcome';
import { acquirePermitSignal, COPY_PERMITS_WORKFLOW_ID, copyPermits, releasePermitSignal } from '../workflows/copy-permits';
import { progressQuery } from '../workflows/resync-batch';
import { resyncAttributes } from '../workflows/search-attributes';
import { cancelUpdate, laneQuery, resyncLane, submitUpdate } from '../workflows/resync-lane';
import {
  batchInputOf, laneWorkflowId, type BatchOutcome, type BatchProgress, type CancelOutcome, type LaneState, type ResyncRequest, type SubmitResult,
} from '../workflows/types';

export { ResyncAlreadyRunningError };

/** Sends a signal; a workflow that has closed (or never ran) has nobody to tell. */
async function ignoringClosed(send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

/** A readable, sortable, unique batch id (see `formatBatchId`): 20261128-153005-7f3a9c01b2d4. */
export function newBatchId(now = new Date()): string {
  return formatBatchId(now, randomBytes(6).toString('hex'));
}

/** A batch recorded as ended may hold its lane a moment longer (see finishingOnly). */
const FINISHING_POLL_MS = 100;
const FINISHING_WAIT_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The domain error a lane's refusal stands for: busy (a district request), or a batch id taken. */
function refusal(error: unknown): Error | undefined {
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === ResyncAlreadyRunningError.name) {
    const [running] = (cause.details ?? []) as { batchId: string; workflowId: string }[];
    return new ResyncAlreadyRunningError(cause.message, running);
  }
  let inner: unknown = cause;
  while (inner instanceof Error) {
    if (inner instanceof ApplicationFailure && inner.type === BatchIdCollisionError.name) return new BatchIdCollisionError(inner.message);
    inner = (inner as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Client-side resync operations; also the worker's `LaneSubmitter` for activities. */
export class Resyncs implements LaneSubmitter {
  /**
   * @param state where requests are stored before their batch is submitted
   * @param maxActiveDistricts the global throttle's bound (RESYNC_MAX_ACTIVE_DISTRICTS; 0: none)
   */
  constructor(readonly client: Client, readonly taskQueue: string, private readonly state: Sql, readonly maxActiveDistricts = 0) {}

  async requestCopyPermit(request: { holder: string; districtId: string }): Promise<boolean> {
    if (this.maxActiveDistricts <= 0) return false;
    await this.client.workflow.signalWithStart(copyPermits, {
      workflowId: COPY_PERMITS_WORKFLOW_ID,
      taskQueue: this.taskQueue,
      args: [{ limit: this.maxActiveDistricts }],
      signal: acquirePermitSignal,
      signalArgs: [{ ...request, limit: this.maxActiveDistricts }],
      staticSummary: `Global throttle: at most ${this.maxActiveDistricts} district(s) copy to the state database at once`,
    });
    return true;
  }

  async tellBatchFinished(waiter: string, outcome: BatchOutcome): Promise<void> {
    await ignoringClosed(() => this.client.workflow.getHandle(waiter).signal(batchFinishedSignal, outcome));
  }

  async releaseCopyPermit(holder: string): Promise<void> {
    // Sent whatever this worker's own bound: the permit may have been granted under another
    // worker's (a fleet whose setting is changing); a throttle that has closed is not an error.
    await ignoringClosed(() => this.client.workflow.getHandle(COPY_PERMITS_WORKFLOW_ID).signal(releasePermitSignal, { holder }));
  }

  async closedWorkflows(workflowIds: readonly string[]): Promise<string[]> {
    const closed: string[] = [];
    for (const workflowId of workflowIds) {
      try {
        const description = await this.client.workflow.getHandle(workflowId).describe();
        if (description.status.name !== 'RUNNING') closed.push(workflowId);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) closed.push(workflowId);
        else throw error;
      }
    }
    return closed;
  }

  /**
   * Stores the request (its objects stay in the state's database), then hands its batch to the
   * district's lane. A refused request is forgotten.
   * @throws ResyncAlreadyRunningError for a district request while the lane is busy
   * @throws BatchIdCollisionError when the batch id belongs to another request
   */
  async submit(request: ResyncRequest): Promise<SubmitResult> {
    await insertBatchRequest(this.state, {
      batchId: request.batchId, districtId: request.districtId, objects: request.objects, checkDependencies: request.checkDependencies,
      ...(request.method ? { method: request.method } : {}), ...(request.selection ? { selection: request.selection } : {}),
    });
    try {
      return await this.submitToLane(request);
    } catch (error) {
      if (error instanceof ResyncAlreadyRunningError) await deleteRefusedRequest(this.state, request.batchId);
      throw error;
    }
  }

  private async submitToLane(request: ResyncRequest): Promise<SubmitResult> {
    // An idle lane may be closing exactly as we arrive; the server then refuses the update and
    // the next attempt starts a new lane run.
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.workflow.executeUpdateWithStart(submitUpdate, {
          args: [batchInputOf(request)],
          startWorkflowOperation: new WithStartWorkflowOperation(resyncLane, {
            workflowId: laneWorkflowId(request.districtId, request.schoolYear),
            taskQueue: this.taskQueue,
            args: [{ districtId: request.districtId, schoolYear: request.schoolYear }],
            workflowIdConflictPolicy: 'USE_EXISTING',
            typedSearchAttributes: resyncAttributes({ districtId: request.districtId, schoolYear: request.schoolYear }),
            staticSummary: `Resync lane of district ${request.districtId}, ${request.schoolYear}`,
          }),
        });
      } catch (error) {
        const refused = refusal(error);
        if (refused instanceof ResyncAlreadyRunningError && await this.finishingOnly(refused, waitedMs)) {
          await sleep(FINISHING_POLL_MS);
          waitedMs += FINISHING_POLL_MS;
          continue;
        }
        if (refused) throw refused;
        if (attempt >= 3 || error instanceof WorkflowUpdateFailedError) throw error;
      }
    }
  }

  /** Whether the lane refused only because the batch it runs is finishing: recorded as ended (so
   *  its district already sees it completed) while its run still tells its waiters and hands in
   *  its permit. The lane is free a moment later; the request waits for it, within a bound. */
  private async finishingOnly(refused: ResyncAlreadyRunningError, waitedMs: number): Promise<boolean> {
    if (!refused.running || waitedMs >= FINISHING_WAIT_MS) return false;
    const running = await getBatch(this.state, refused.running.batchId);
    return running !== undefined && ['completed', 'failed', 'cancelled'].includes(running.status);
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

  /**
   * Cancels a batch through its lane, which alone knows whether it is queued (withdrawn) or
   * running (cancelled, stopping at the next page boundary). A lane that has closed holds no
   * unfinished batch: 'not in this lane'.
   * @param by who cancels, as the outcome will name them
   */
  async cancel(batch: { batchId: string; districtId: string; schoolYear: number }, by: string): Promise<CancelOutcome> {
    try {
      return await this.client.workflow.getHandle(laneWorkflowId(batch.districtId, batch.schoolYear))
        .executeUpdate(cancelUpdate, { args: [{ batchId: batch.batchId, by }] });
    } catch (error) {
      // The lane has closed (idle) since the batch was read as queued or running: it ended.
      if (error instanceof WorkflowNotFoundError) return 'not in this lane';
      throw error;
    }
  }
}
