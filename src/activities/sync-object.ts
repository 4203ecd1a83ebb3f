// Activities that copy one object: plan its key ranges, copy a range (heartbeating its cursor and
// listening for cancellation between pages), record the object's outcome, prune after a full resync.
import { Context } from '@temporalio/activity';
import { finishObject, type ObjectResult } from '../data/batch-history';
import type { ActivityDeps } from './deps';
import { planObjectRanges, type PlanRangesInput, type PlannedRanges } from './sync/object-ranges';
import { pruneObject, type PruneInput, type PruneResult } from './sync/prune';
import { syncRange, type RangeResult, type SyncRangeInput } from './sync/sync-range';

export interface FinishObjectInput {
  readonly batchId: string;
  readonly object: string;
  readonly outcome: 'completed' | 'failed' | 'cancelled';
  readonly failure?: string;
}

export function createSyncObjectActivities(deps: Pick<ActivityDeps, 'state' | 'districtSources'>) {
  return {
    async planObjectRanges(input: PlanRangesInput): Promise<PlannedRanges> {
      return planObjectRanges(deps, input);
    },

    async syncRange(input: SyncRangeInput): Promise<RangeResult> {
      const context = Context.current();
      return syncRange(deps, input, {
        heartbeat: (progress) => context.heartbeat({ rangeIndex: input.rangeIndex, ...progress }),
        checkpoint: () => {
          // Cancellation arrives with a heartbeat response; stopping here leaves only whole pages.
          if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        },
      });
    },

    async finishObject(input: FinishObjectInput): Promise<ObjectResult> {
      return finishObject(deps.state, input.batchId, input.object, input.outcome, input.failure ?? null);
    },

    async pruneObject(input: PruneInput): Promise<PruneResult> {
      return pruneObject(deps.state, input);
    },
  };
}
