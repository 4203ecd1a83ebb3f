// The mandatory year-end / year-start sequence (DESIGN §2.7) as one durable process:
//   1. full resync of the ending year;
//   2. switch the district's scoped year, but only if no object ended red for errors a resync can
//      fix (records the state excludes on purpose never block); otherwise raise an alert and wait
//      for an operator to retry the resync or override;
//   3. wait until enrollments are rolled forward (a signal), reminding by alert while it waits;
//   4. full resync of the new year.
import {
  condition, defineQuery, defineSignal, patched, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { rolloverYearProblem } from '../domain';
import { BatchWaiter } from './batch-outcome';
import { invalidRequest } from './failures';
import { runBatch } from './lanes';
import { BOOKKEEPING } from './policies';
import { RESYNC_OUTCOME } from './search-attributes';
import { schoolYearLabel, type BatchOutcome, type ResyncTuning } from './types';

export interface YearRolloverInput {
  readonly districtId: string;
  /** The scoped year being closed (its first calendar year). */
  readonly endingYear: number;
  /** How long to wait for enrollments before each reminder alert (default 7 days). */
  readonly reminderEvery?: string;
  readonly tuning?: ResyncTuning;
}

export type RolloverPhase =
  | 'year-end resync' | 'blocked: year-end resync has red objects' | 'switching the scoped year'
  | 'waiting for enrollments to be rolled forward' | 'year-start resync' | 'finished';

export interface RolloverState {
  readonly phase: RolloverPhase;
  readonly endingYear: number;
  readonly newYear: number;
  readonly yearEndBatches: readonly string[];
  readonly yearStartBatch: string | null;
  readonly blockedBy: readonly string[];
  readonly overridden: boolean;
  readonly reminders: number;
}

export type OperatorDecision = 'retry' | 'override';

export const operatorDecisionSignal = defineSignal<[OperatorDecision]>('operatorDecision');
export const enrollmentsRolledForwardSignal = defineSignal('enrollmentsRolledForward');
export const rolloverQuery = defineQuery<RolloverState>('rollover');

const activities = proxyActivities<Activities>(BOOKKEEPING);

export async function yearRollover(input: YearRolloverInput): Promise<RolloverState> {
  const waiter = new BatchWaiter();
  const newYear = input.endingYear + 1;
  let state: RolloverState = {
    phase: 'year-end resync', endingYear: input.endingYear, newYear, yearEndBatches: [], yearStartBatch: null,
    blockedBy: [], overridden: false, reminders: 0,
  };
  const update = (change: Partial<RolloverState>) => {
    state = { ...state, ...change };
    setCurrentDetails(`${state.phase} (district ${input.districtId}, ${schoolYearLabel(input.endingYear)} → ${schoolYearLabel(newYear)}).`);
  };
  let decision: OperatorDecision | null = null;
  let enrollmentsReady = false;
  setHandler(rolloverQuery, () => state);
  setHandler(operatorDecisionSignal, (value) => void (decision = value));
  setHandler(enrollmentsRolledForwardSignal, () => void (enrollmentsReady = true));
  const common = { districtId: input.districtId, objects: 'all' as const, checkDependencies: true, initiator: 'schedule' as const, requestedBy: 'year rollover', ...(input.tuning ? { options: input.tuning } : {}) };

  if (patched('rollover-checks-ending-year')) {
    const district = await activities.loadDistrict({ districtId: input.districtId });
    const problem = rolloverYearProblem(input.districtId, district.scopedYear, input.endingYear);
    if (problem) throw invalidRequest(problem);
  }

  update({ phase: 'year-end resync' });
  for (;;) {
    const outcome: BatchOutcome = await runBatch(waiter, { ...common, yearChoice: 'current', schoolYear: input.endingYear });
    update({ yearEndBatches: [...state.yearEndBatches, outcome.batchId], blockedBy: outcome.status === 'completed' ? outcome.blockingObjects : [...outcome.blockingObjects, `batch ${outcome.status}`] });
    if (state.blockedBy.length === 0) break;
    // Forget earlier decisions before announcing the block: a decision arriving from now on counts.
    decision = null;
    update({ phase: 'blocked: year-end resync has red objects' });
    await activities.raiseAlert({
      districtId: input.districtId, batchId: outcome.batchId, category: 'Vertical Interoperability', title: 'Year Rollover Blocked',
      message: `The year-end resync of ${schoolYearLabel(input.endingYear)} ended with ${state.blockedBy.join(', ')}; the scoped year stays until an operator retries or overrides.`,
    });
    await condition(() => decision !== null);
    if (decision === 'override') {
      update({ overridden: true });
      break;
    }
    update({ phase: 'year-end resync' });
  }

  update({ phase: 'switching the scoped year' });
  await activities.switchScopedYear({ districtId: input.districtId, fromYear: input.endingYear, toYear: newYear });

  update({ phase: 'waiting for enrollments to be rolled forward' });
  while (!(await condition(() => enrollmentsReady, input.reminderEvery ?? '7 days'))) {
    update({ reminders: state.reminders + 1 });
    await activities.raiseAlert({
      districtId: input.districtId, category: 'Vertical Interoperability', title: 'Year Rollover Waiting',
      message: `The year-start resync of ${schoolYearLabel(newYear)} waits for enrollments to be rolled forward (reminder ${state.reminders}).`,
    });
  }

  update({ phase: 'year-start resync' });
  const start = await runBatch(waiter, { ...common, yearChoice: 'current', schoolYear: newYear });
  update({ yearStartBatch: start.batchId, phase: 'finished' });
  upsertSearchAttributes([{ key: RESYNC_OUTCOME, value: start.status !== 'completed' ? start.status : start.redObjects.length > 0 ? 'red' : 'green' }]);
  return state;
}
