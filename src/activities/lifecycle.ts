// Activities of the school-year lifecycle and scheduled runs: submit batches to district lanes,
// switch a district's scoped year, list the districts of a target.
import { Context } from '@temporalio/activity';
import { getBatch } from '../data/batches';
import { listDistricts, switchScopedYear } from '../data/district-registry';
import { isFinished, UnknownBatchError } from '../domain';
import type { BatchOutcome, ResyncRequest, SubmitResult } from '../workflows/types';
import { batchOutcome } from './batch';
import type { ActivityDeps } from './deps';

export interface SwitchScopedYearInput {
  readonly districtId: string;
  readonly fromYear: number;
  readonly toYear: number;
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
