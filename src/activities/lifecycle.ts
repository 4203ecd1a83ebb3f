// Activities of the school-year lifecycle and scheduled runs: submit batches to district lanes,
// wait for a batch to end, switch a district's scoped year, list the districts of a target.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { getBatch, listBatchObjects } from '../data/batch-history';
import { listDistricts, setScopedYear } from '../data/district-registry';
import type { ResyncRequest, SubmitResult } from '../workflows/types';
import type { ActivityDeps } from './deps';

export interface BatchOutcome {
  readonly batchId: string;
  readonly status: 'completed' | 'failed' | 'cancelled';
  readonly redObjects: readonly string[];
  readonly processed: number;
  readonly errors: number;
}

const POLL_MS = 1000;

export function createLifecycleActivities(deps: ActivityDeps) {
  return {
    /** Idempotent: a batch already recorded is not submitted again (a retried activity). */
    async submitResync(request: ResyncRequest): Promise<SubmitResult> {
      const existing = await getBatch(deps.state, request.batchId);
      if (existing) return { batchId: existing.batchId, workflowId: existing.workflowId, position: 0 };
      return deps.resyncs.submit(request);
    },

    /** Heartbeats while the batch runs; returns its outcome once it has ended. */
    async awaitBatch(batchId: string): Promise<BatchOutcome> {
      const context = Context.current();
      for (;;) {
        const batch = await getBatch(deps.state, batchId);
        if (!batch) throw ApplicationFailure.nonRetryable(`unknown batch ${batchId}`, 'UnknownBatch');
        if (batch.status === 'completed' || batch.status === 'failed' || batch.status === 'cancelled') {
          const objects = await listBatchObjects(deps.state, batchId);
          return {
            batchId, status: batch.status, redObjects: objects.filter((o) => o.colour === 'red').map((o) => o.object),
            processed: batch.processed, errors: batch.errors,
          };
        }
        context.heartbeat({ status: batch.status });
        await context.sleep(POLL_MS);
      }
    },

    /** Switches only from the expected year, so a retry (or a second rollover) cannot skip a year. */
    async switchScopedYear(input: { districtId: string; fromYear: number; toYear: number }): Promise<void> {
      const [district] = await deps.state`select scoped_year from resync.district where district_id = ${input.districtId} for update`;
      if (!district) throw ApplicationFailure.nonRetryable(`unknown district ${input.districtId}`, 'UnknownDistrict');
      if (district.scoped_year === input.toYear) return;
      if (district.scoped_year !== input.fromYear) {
        throw ApplicationFailure.nonRetryable(`district ${input.districtId} is scoped to ${district.scoped_year as number}, not ${input.fromYear}`, 'ScopedYearChanged');
      }
      await setScopedYear(deps.state, input.districtId, input.toYear);
    },

    async districtsOf(target: { districtId?: string; state?: string }): Promise<{ districtId: string; scopedYear: number }[]> {
      const districts = await listDistricts(deps.state);
      return districts
        .filter((d) => (target.districtId ? d.districtId === target.districtId : d.profile.state === (target.state ?? null)))
        .map((d) => ({ districtId: d.districtId, scopedYear: d.scopedYear }));
    },

  };
}
