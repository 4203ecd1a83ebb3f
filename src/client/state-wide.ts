// Client-side operations on state-wide resyncs: start one, read its progress, cancel it, list them.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { COPY_PERMITS_WORKFLOW_ID, copyPermitsQuery } from '../workflows/copy-permits';
import { RESYNC_OUTCOME, resyncAttributes, type ResyncOutcome } from '../workflows/search-attributes';
import {
  cancelStateWideSignal, stateWideProgressQuery, stateWideResync, stateWideWorkflowId, type StateWideProgress, type StateWideResyncInput,
} from '../workflows/state-wide-resync';

export async function startStateWideResync(client: Client, taskQueue: string, input: StateWideResyncInput): Promise<string> {
  const workflowId = stateWideWorkflowId(input.requestId);
  const years = new Set(input.targets.map((target) => target.schoolYear));
  await client.workflow.start(stateWideResync, {
    workflowId, taskQueue, args: [input],
    staticSummary: `State-wide ${input.objects === 'all' ? 'full' : 'partial'} resync of ${input.targets.length} district(s), requested by ${input.requestedBy}`,
    typedSearchAttributes: resyncAttributes({
      initiator: 'state', kind: input.objects === 'all' ? 'full' : 'partial',
      ...(years.size === 1 ? { schoolYear: [...years][0] as number } : {}),
    }),
  });
  return workflowId;
}

/** The run's progress (also after it ended); undefined when there is no such run. */
export async function stateWideProgress(client: Client, requestId: string): Promise<StateWideProgress | undefined> {
  try {
    return await client.workflow.getHandle(stateWideWorkflowId(requestId)).query(stateWideProgressQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** @returns false when the run has already ended (or never existed) */
export async function cancelStateWideResync(client: Client, requestId: string, by: string): Promise<boolean> {
  const handle = client.workflow.getHandle(stateWideWorkflowId(requestId));
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return false;
    await handle.signal(cancelStateWideSignal, { by });
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

export interface StateWideRunSummary {
  readonly requestId: string;
  readonly workflowId: string;
  /** Temporal's status of the run: RUNNING, COMPLETED, CANCELLED, FAILED, TERMINATED, … */
  readonly status: string;
  /** How the request ended, once it has (its ResyncOutcome): green, yellow or red across the
   *  districts, failed, or cancelled — a request cancelled by the state still ends its run
   *  COMPLETED once every batch stopped, so `status` alone would read "finished". */
  readonly outcome: ResyncOutcome | null;
  readonly startTime: Date;
  readonly closeTime: Date | null;
}

/** The latest state-wide runs, newest first (from Temporal's visibility). */
export async function listStateWideResyncs(client: Client, limit: number): Promise<StateWideRunSummary[]> {
  const runs: StateWideRunSummary[] = [];
  for await (const run of client.workflow.list({ query: 'WorkflowType = "stateWideResync"', pageSize: limit })) {
    runs.push({
      requestId: run.workflowId.replace(/^state-resync\//, ''), workflowId: run.workflowId, status: run.status.name,
      outcome: (run.typedSearchAttributes.get(RESYNC_OUTCOME) as ResyncOutcome | undefined) ?? null, startTime: run.startTime, closeTime: run.closeTime ?? null,
    });
    if (runs.length >= limit) break;
  }
  return runs;
}

/**
 * The global throttle's bound in force: at most this many districts copy to the state database at
 * once. While the copy-permits workflow runs, its limit (what the workers were configured with);
 * otherwise `configured` (RESYNC_MAX_ACTIVE_DISTRICTS as this process reads it).
 * @returns the number of districts, or null when there is no bound (0)
 */
export async function copyThrottleBound(client: Client, configured: number): Promise<number | null> {
  const handle = client.workflow.getHandle(COPY_PERMITS_WORKFLOW_ID);
  try {
    if ((await handle.describe()).status.name === 'RUNNING') return (await handle.query(copyPermitsQuery)).limit;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  return configured > 0 ? configured : null;
}
