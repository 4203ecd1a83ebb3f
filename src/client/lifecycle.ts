// Client-side starts of the lifecycle workflows: "verify, then resync" and the year rollover.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { DISTRICT_ID, INITIATOR, SCHOOL_YEAR } from '../workflows/search-attributes';
import type { Queryable } from '../data/db';
import { getDistrict } from '../data/district-registry';
import { InvalidResyncRequestError, rolloverYearProblem, VerifyThenResyncRunningError, type Initiator } from '../domain';
import { schoolYearLabel } from '../workflows/types';
import { verifyThenResync, type VerifyThenResyncInput } from '../workflows/verify-then-resync';
import { yearRollover, type YearRolloverInput } from '../workflows/year-rollover';

export function rolloverWorkflowId(districtId: string, endingYear: number): string {
  return `rollover/${districtId}/${endingYear}`;
}

export function verifyThenResyncWorkflowId(districtId: string, schoolYear: number): string {
  return `verify-resync/${districtId}/${schoolYear}`;
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
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new VerifyThenResyncRunningError(
      `a verify-then-resync of district ${input.districtId} for ${schoolYearLabel(input.schoolYear)} is already running (workflow ${workflowId})`, workflowId,
    );
    throw error;
  });
  return workflowId;
}

/**
 * Starts a district's year rollover. One per district and ending year: starting it twice is
 * refused by its workflow id.
 * @param state the state database, to check the district's scoped year before anything starts
 * @throws InvalidResyncRequestError when the ending year is not the district's scoped year
 * @throws UnknownDistrictError
 */
export async function startYearRollover(client: Client, taskQueue: string, input: YearRolloverInput, state: Queryable): Promise<string> {
  const district = await getDistrict(state, input.districtId);
  const problem = rolloverYearProblem(input.districtId, district.scopedYear, input.endingYear);
  if (problem) throw new InvalidResyncRequestError(problem);
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
