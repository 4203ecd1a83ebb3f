// Activities of the school-year lifecycle and scheduled runs: submit batches to district lanes,
// switch a district's scoped year, list the districts of a target.
import { Context } from '@temporalio/activity';
import { getBatch } from '../data/batches';
import { getDistrict, listDistricts, switchScopedYear } from '../data/district-registry';
import { deferredFailures } from '../data/sync-errors';
import { createHash } from 'node:crypto';
import { formatBatchId, isFinished, UnknownBatchError, type SchoolYearChoice } from '../domain';
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

export interface DeferredRetryInput {
  /** The batch that has just completed (its completed objects may be the parents others waited for). */
  readonly batchId: string;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly yearChoice: SchoolYearChoice;
  readonly completedObjects: readonly string[];
}

export interface DistrictsOfInput {
  readonly districtId?: string;
  readonly state?: string;
}

/** The follow-up of a batch: same second, hex digits derived from its id (stable across retries). */
function followUpBatchId(batchId: string): string {
  const [day, time] = batchId.split('-');
  const at = day && time ? new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}Z`) : new Date(0);
  return formatBatchId(Number.isNaN(at.getTime()) ? new Date(0) : at, createHash('sha256').update(`retry:${batchId}`).digest('hex'));
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

    /** Cancels a batch through its lane, unless the history already records its end: a batch
     *  that has ended is left alone (no cancel request recorded on it, its post-finish work not
     *  disturbed) — 'not in this lane', as the lane answers for a batch that has ended. */
    async cancelBatch(input: CancelBatchInput): Promise<CancelOutcome> {
      const batch = await getBatch(deps.state, input.batchId);
      if (batch && isFinished(batch.status)) return 'not in this lane';
      return deps.lanes.cancel(input, input.by);
    },

    /** Switches only from the expected year, so a retry (or a second rollover) cannot skip a year.
     *  @throws ScopedYearChangedError (not retried) */
    async switchScopedYear(input: SwitchScopedYearInput): Promise<void> {
      await switchScopedYear(deps.state, input.districtId, input.fromYear, input.toYear);
    },

    /**
     * The automatic retry (a district's `autoRetryDeferred`): after a batch has landed parents,
     * the records that failed earlier only for want of them — and that the state still lacks —
     * are resynced by a follow-up selective batch in the lane. Its id derives from the finishing
     * batch's, so a retried activity submits it once.
     * @returns the follow-up's batch id, or null when there is nothing to retry (or it is off)
     */
    async submitDeferredRetry(input: DeferredRetryInput): Promise<string | null> {
      const district = await getDistrict(deps.state, input.districtId);
      if (!district.autoRetryDeferred) return null;
      const deferred = await deferredFailures(deps.state, input.districtId, input.schoolYear, input.batchId, input.completedObjects);
      if (deferred.records === 0) return null;
      const batchId = followUpBatchId(input.batchId);
      if (await getBatch(deps.state, batchId)) return batchId;
      await deps.lanes.submit({
        batchId, districtId: input.districtId, yearChoice: input.yearChoice, schoolYear: input.schoolYear, objects: 'all',
        checkDependencies: false, selection: { retryOf: deferred.batches, onlyDeferred: true },
        initiator: 'schedule', requestedBy: `automatic retry after batch ${input.batchId}`,
      });
      return batchId;
    },

    async districtsOf(target: DistrictsOfInput): Promise<{ districtId: string; scopedYear: number }[]> {
      const districts = await listDistricts(deps.state);
      return districts
        .filter((d) => (target.districtId ? d.districtId === target.districtId : d.profile.state === (target.state ?? null)))
        .map((d) => ({ districtId: d.districtId, scopedYear: d.scopedYear }));
    },
  };
}
