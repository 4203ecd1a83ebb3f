// Client-side starts of the lifecycle workflows: "verify, then resync" and the year rollover.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { DISTRICT_ID, INITIATOR, SCHOOL_YEAR } from '../workflows/search-attributes';
import type { Initiator } from '../workflows/types';
import { schoolYearLabel } from '../workflows/types';
import { verifyThenResync, type VerifyThenResyncInput } from '../workflows/verify-then-resync';
import { yearRollover, type YearRolloverInput } from '../workflows/year-rollover';

export function rolloverWorkflowId(districtId: string, endingYear: number): string {
  return `rollover/${districtId}/${endingYear}`;
}

export function verifyThenResyncWorkflowId(districtId: string, schoolYear: number): string {
  return `verify-resync/${districtId}/${schoolYear}`;
}

export class VerifyThenResyncRunningError extends Error {
  override readonly name = 'VerifyThenResyncRunningError';
  constructor(readonly districtId: string, readonly schoolYear: number, readonly workflowId: string) {
    super(`a verify-then-resync of district ${districtId} for ${schoolYearLabel(schoolYear)} is already running (workflow ${workflowId})`);
  }
}

/**
 * Starts "verify, then resync" for a district and school year; returns its workflow id. One at a
 * time per district and year, by its workflow id: while one runs, another start throws
 * VerifyThenResyncRunningError; once it has closed, the same id starts a new run.
 */
export async function startVerifyThenResync(client: Client, taskQueue: string, input: VerifyThenResyncInput): Promise<string> {
  const workflowId = verifyThenResyncWorkflowId(input.districtId, input.schoolYear);
  await client.workflow.start(verifyThenResync, {
    workflowId, taskQueue, args: [input],
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    staticSummary: `Verify, then resync district ${input.districtId}, ${schoolYearLabel(input.schoolYear)}`,
    typedSearchAttributes: [
      { key: DISTRICT_ID, value: input.districtId }, { key: SCHOOL_YEAR, value: input.schoolYear },
      { key: INITIATOR, value: input.initiator satisfies Initiator },
    ],
  }).catch((error: unknown) => {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new VerifyThenResyncRunningError(input.districtId, input.schoolYear, workflowId);
    throw error;
  });
  return workflowId;
}

/** One rollover per district and ending year: starting it twice is refused by its workflow id. */
export async function startYearRollover(client: Client, taskQueue: string, input: YearRolloverInput): Promise<string> {
  const workflowId = rolloverWorkflowId(input.districtId, input.endingYear);
  await client.workflow.start(yearRollover, {
    workflowId, taskQueue, args: [input],
    staticSummary: `Year rollover of district ${input.districtId}: ${schoolYearLabel(input.endingYear)} → ${schoolYearLabel(input.endingYear + 1)}`,
    typedSearchAttributes: [
      { key: DISTRICT_ID, value: input.districtId }, { key: SCHOOL_YEAR, value: input.endingYear }, { key: INITIATOR, value: 'schedule' },
    ],
  });
  return workflowId;
}
