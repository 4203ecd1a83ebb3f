// Activities of the school-year lifecycle and scheduled runs: submit batches to district lanes,
// switch a district's scoped year, list the districts of a target.
import { Context } from '@temporalio/activity';
import { getBatch } from '../data/batches';
import { listDistricts, switchScopedYear } from '../data/district-registry';
import { isFinished, UnknownBatchError } from '../domain';
import type { BatchOutcome, CancelOutcome, ResyncRequest, SubmitResult } from '../workflows/types';
import { batchOutcome } from './batch';
import type { ActivityDeps } from './deps';

export interface SwitchScopedYearInput {
  readonly districtId: string;
  readonly fromYear: number;
  readonly toYear: number;
}

export interface RequestCopyPermitInput {
  /** The batch workflow asking. */
  readonly holder: string;
  readonly districtId: string;
}

export interface ClosedWorkflowsInput {
  readonly workflowIds: readonly string[];
}

export interface CancelBatchInput {
  readonly batchId: string;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly by: string;
}

export interface DistrictsOfInput {
  readonly districtId?: string;
  readonly state?: string;
}

/** Only for runs started before batches signalled their outcome (see README, "Upgrading"). */
const LEGACY_POLL_MS = 1000;

export function createLifecycleActivities(deps: ActivityDeps) {
  return {
    /** Idempotent: a batch already recorded is not submitted again (a retried activity). */
    async submitResync(request: ResyncRequest): Promise<SubmitResult> {
      const existing = await getBatch(deps.state, request.batchId);
      if (existing) return { batchId: existing.batchId, workflowId: existing.workflowId, position: 0 };
      return deps.lanes.submit(request);
    },

    /** @deprecated Kept only so that workflows started before `batchFinishedSignal` existed can
     *  replay and finish (they scheduled this activity); new runs wait for the batch's signal. */
    async awaitBatch(batchId: string): Promise<BatchOutcome> {
      const context = Context.current();
      for (;;) {
        const batch = await getBatch(deps.state, batchId);
        if (!batch) throw new UnknownBatchError(batchId);
        if (isFinished(batch.status)) return batchOutcome(deps, batchId);
        context.heartbeat({ status: batch.status });
        await context.sleep(LEGACY_POLL_MS);
      }
    },

    /** Asks the global throttle for a permit; the grant arrives by signal. @returns false when no
     *  throttle is configured. */
    async requestCopyPermit(input: RequestCopyPermitInput): Promise<boolean> {
      return deps.lanes.requestCopyPermit(input);
    },

    async closedWorkflows(input: ClosedWorkflowsInput): Promise<string[]> {
      return deps.lanes.closedWorkflows(input.workflowIds);
    },

    async cancelBatch(input: CancelBatchInput): Promise<CancelOutcome> {
      return deps.lanes.cancel(input, input.by);
    },

    /** Switches only from the expected year, so a retry (or a second rollover) cannot skip a year.
     *  @throws ScopedYearChangedError (not retried) */
    async switchScopedYear(input: SwitchScopedYearInput): Promise<void> {
      await switchScopedYear(deps.state, input.districtId, input.fromYear, input.toYear);
    },

    async districtsOf(target: DistrictsOfInput): Promise<{ districtId: string; scopedYear: number }[]> {
      const districts = await listDistricts(deps.state);
      return districts
        .filter((d) => (target.districtId ? d.districtId === target.districtId : d.profile.state === (target.state ?? null)))
        .map((d) => ({ districtId: d.districtId, scopedYear: d.scopedYear }));
    },
  };
}
