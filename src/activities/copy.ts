// Activities that copy one object: plan its key ranges (and, for an object that fits one range,
// copy it right away), copy a range (heartbeating its cursor and listening for cancellation
// between pages), record the object's outcome, and prune a level after a full resync.
import { Context } from '@temporalio/activity';
import { finishObject, objectResults, type ObjectResult } from '../data/batch-objects';
import { planSingleRange, planSingleRanges, type BatchRange } from '../data/batch-ranges';
import { getDistrict, type District } from '../data/district-registry';
import { refreshStatisticsIfStale } from '../data/planner-statistics';
import { parentReferences, SCHEMA_CATALOG, STATE_SCHEMA } from '../data/schema/columns';
import { CATALOG, type BatchObjectRef, type ResyncMethod } from '../domain';
import type { ActivityDeps } from './deps';
import { planObjectRanges, type PlanRangesInput, type PlannedRanges } from './sync/object-ranges';
import { pruneKnown, pruneObject, type PruneResult } from './sync/prune';
import { buildRecordSet, type BuildRecordSetInput, type RecordSetBuilt } from '../data/record-sets';
import { syncRecordSet, type SyncRecordSetInput } from './sync/record-set-copy';
import { syncRange, type RangeResult, type SyncRangeInput } from './sync/sync-range';

export interface FinishObjectInput {
  readonly batchId: string;
  readonly object: string;
  readonly outcome: 'completed' | 'failed' | 'cancelled';
  readonly failure?: string;
}

/** How a copy's pages travel: the batch's method, and whether a differential copy removes the
 *  state's records the district no longer has (a full resync). */
export interface CopyMethod {
  readonly method?: ResyncMethod;
  readonly removeExtras?: boolean;
}

export interface CopyObjectOrPlanRangesInput extends PlanRangesInput, CopyMethod {
  readonly pageSize?: number;
}

export interface CopiedOrPlanned extends PlannedRanges {
  /** Present when the object fitted one range and was copied (and recorded) by this activity. */
  readonly result?: ObjectResult;
}

export interface PruneObjectsInput extends Omit<BatchObjectRef, 'object'> {
  /** The objects to prune, children before parents, one after another. */
  readonly objects: readonly string[];
}

export interface CopyObjectsInput extends Omit<BatchObjectRef, 'object'>, CopyMethod {
  /** Small objects of one level (each copied whole, as one key range), with their record counts. */
  readonly objects: readonly { readonly object: string; readonly records: number }[];
  /** How many of them are copied at once (default 4). */
  readonly parallel?: number;
  readonly pageSize?: number;
  /** A selective batch: copy each object's records of the batch's record set. */
  readonly recordSet?: boolean;
}

export interface ObjectsCopied {
  /** Objects copied and recorded completed (including ones an earlier attempt completed). */
  readonly completed: readonly ObjectResult[];
  /** Objects this attempt could not copy, with the reason; the batch decides whether to retry. */
  readonly failed: readonly { readonly object: string; readonly reason: string }[];
}

export interface CopyLevelsInput extends Omit<CopyObjectsInput, 'objects' | 'recordSet'> {
  /** Every level of the batch, parents first; each a level's small objects with their record counts. */
  readonly levels: readonly CopyObjectsInput['objects'][];
  /** A full resync by copy: once every level is copied, remove what the district no longer has
   *  (children before parents), as pruneObjects would. */
  readonly prune?: boolean;
}

export interface LevelsCopied extends ObjectsCopied {
  /** Objects of the levels after the first one where an object failed: not tried. */
  readonly notStarted: readonly string[];
  /** Every object was copied and pruned (asked with `prune`): the batch has nothing left to remove. */
  readonly pruned?: boolean;
}

const methodOf = (input: CopyMethod): CopyMethod => ({
  ...(input.method ? { method: input.method } : {}), ...(input.removeExtras ? { removeExtras: true } : {}),
});

/** Small objects copied side by side by one activity: their round trips overlap. */
const DEFAULT_PARALLEL_SMALL_OBJECTS = 4;

/** Objects other objects reference by foreign key. */
const REFERENCED = new Set(SCHEMA_CATALOG.objects.flatMap((object) => parentReferences(object).map((reference) => reference.parent)));

/** Refreshes the planner's statistics of a parent's state table where they went stale, before its
 *  children are copied (planner-statistics.ts); `sent`: the records the object just wrote there. */
async function refreshParentStatistics(deps: Pick<ActivityDeps, 'state'>, object: string, sent: number): Promise<void> {
  if (REFERENCED.has(object)) await refreshStatisticsIfStale(deps.state, STATE_SCHEMA, CATALOG.get(object).table, sent);
}

/** Records an object as completed, then refreshes its statistics as a parent (refreshParentStatistics). */
async function completeObject(deps: Pick<ActivityDeps, 'state'>, batchId: string, object: string): Promise<ObjectResult> {
  const result = await finishObject(deps.state, batchId, object, 'completed', null);
  await refreshParentStatistics(deps, object, result.sent);
  return result;
}

export function createCopyActivities(deps: Pick<ActivityDeps, 'state' | 'districtSources'>) {
  const syncRangeHere = (input: SyncRangeInput, known: { district?: District; range?: BatchRange } = {}): Promise<RangeResult> => {
    const context = Context.current();
    return syncRange(deps, input, {
      heartbeat: (progress) => context.heartbeat({ rangeIndex: input.rangeIndex, ...progress }),
      checkpoint: () => {
        // Cancellation arrives with a heartbeat response; stopping here leaves only whole pages.
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      },
    }, known);
  };

  /** Prunes `objects` one after another, in the order given (children before parents);
   *  `heartbeat` after each (a copy's heartbeat timeout runs on while it prunes). */
  const pruneAll = async (batch: Omit<BatchObjectRef, 'object'>, objects: readonly string[], heartbeat = () => {}): Promise<PruneResult> => {
    let deleted = 0;
    let kept = 0;
    const known = await pruneKnown(deps.state, batch.batchId, objects);
    for (const object of objects) {
      const result = await pruneObject(deps.state, { batchId: batch.batchId, districtId: batch.districtId, schoolYear: batch.schoolYear, object }, known);
      deleted += result.deleted;
      kept += result.kept;
      heartbeat();
    }
    return { deleted, kept };
  };

  /** A level's objects, `parallel` at a time, each whole (or its record set's records); failures
   *  per object, cancellation thrown (see copyObjects). */
  const copyLevel = async (
    input: Omit<CopyObjectsInput, 'objects'>, objects: CopyObjectsInput['objects'], heartbeat: () => void,
  ): Promise<ObjectsCopied> => {
    const context = Context.current();
    const completed: ObjectResult[] = [];
    /** Objects copied whole by this attempt: their last page recorded them completed. */
    const landed: string[] = [];
    const failed: { object: string; reason: string }[] = [];
    let next = 0;
    let cancelled: unknown;
    // Read once for the level (not per object): what an earlier attempt completed, and the district.
    const earlier = await objectResults(deps.state, input.batchId, objects.map((entry) => entry.object));
    const district = await getDistrict(deps.state, input.districtId);
    // The level's objects copied whole are planned (and shown running) in one statement; each
    // records its start with its first page. Should that statement fail (one object's state table
    // out of reach), each object is planned alone as it starts: one object's failure is its own,
    // not its level's.
    const ranges = input.recordSet ? undefined : await planSingleRanges(deps.state, input.batchId,
      objects.map((entry) => entry.object).filter((object) => earlier.get(object)?.status !== 'completed'), input.districtId, input.schoolYear)
      .catch(() => undefined);
    const copyOne = async (object: string, records: number): Promise<void> => {
      const done = earlier.get(object);
      if (done?.status === 'completed') return void completed.push(done);
      if (input.recordSet) {
        await syncRecordSet(deps, {
          batchId: input.batchId, districtId: input.districtId, object, schoolYear: input.schoolYear, records,
          ...(input.pageSize ? { pageSize: input.pageSize } : {}),
        }, {
          heartbeat,
          checkpoint: () => {
            if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
          },
        });
        completed.push(await completeObject(deps, input.batchId, object));
        return;
      }
      const range = ranges?.get(object) ?? await planSingleRange(deps.state, { batchId: input.batchId, object }, input.districtId, input.schoolYear);
      const copied = await syncRangeHere({
        batchId: input.batchId, districtId: input.districtId, object, schoolYear: input.schoolYear, rangeIndex: 0,
        ...(input.pageSize ? { pageSize: input.pageSize } : {}), ...methodOf(input), completesObject: true,
      }, { district, ...(range ? { range } : {}) });
      // Its last page recorded it completed; its children are copied next.
      await refreshParentStatistics(deps, object, copied.sent);
      landed.push(object);
      heartbeat();
    };
    const runner = async (): Promise<void> => {
      while (next < objects.length && cancelled === undefined) {
        // A cancelled batch starts no further object: a small one is a single page, whose copy
        // never reaches a checkpoint between pages.
        if (context.cancellationSignal.aborted) {
          cancelled ??= context.cancellationSignal.reason;
          break;
        }
        const entry = objects[next++];
        if (!entry) continue;
        try {
          await copyOne(entry.object, entry.records);
        } catch (error) {
          if (context.cancellationSignal.aborted) cancelled ??= error;
          else failed.push({ object: entry.object, reason: error instanceof Error ? error.message : String(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(input.parallel ?? DEFAULT_PARALLEL_SMALL_OBJECTS, objects.length) }, runner));
    if (cancelled !== undefined) throw cancelled;
    // The landed objects' results, read once for the level. A range that ended without recording
    // its object (a page committed by an earlier version of this code) is recorded here instead.
    const results = landed.length > 0 ? await objectResults(deps.state, input.batchId, landed) : new Map<string, ObjectResult>();
    for (const object of landed) {
      const result = results.get(object);
      completed.push(result?.status === 'completed' ? result : await finishObject(deps.state, input.batchId, object, 'completed', null));
    }
    return { completed, failed };
  };

  return {
    /** Plans the object's key ranges. Most objects fit one range: those are copied and recorded
     *  right here, saving the round trips of separate activities (`result` is then set). Safe to
     *  retry: each step resumes from what is committed. */
    async copyObjectOrPlanRanges(input: CopyObjectOrPlanRangesInput): Promise<CopiedOrPlanned> {
      const planned = await planObjectRanges(deps, input);
      if (planned.ranges > 1) return planned;
      await syncRangeHere({
        batchId: input.batchId, districtId: input.districtId, object: input.object, schoolYear: input.schoolYear, rangeIndex: 0,
        ...(input.pageSize ? { pageSize: input.pageSize } : {}), ...methodOf(input),
      });
      return { ...planned, result: await completeObject(deps, input.batchId, input.object) };
    },

    /**
     * Copies a level's small objects in one activity — each whole, as one key range — instead of
     * one child workflow and activity per object: a district's 40-odd small objects then cost a
     * handful of round trips, not hundreds. Each object's result is recorded as it completes; an
     * object that fails is reported (not thrown), so its siblings still land and the batch retries
     * only what failed. Cancellation stops every copy at a page boundary and is thrown.
     */
    async copyObjects(input: CopyObjectsInput): Promise<ObjectsCopied> {
      const context = Context.current();
      return copyLevel(input, input.objects, () => context.heartbeat({ of: input.objects.length }));
    },

    /**
     * Copies every level of a batch whose objects are all small in one activity, level after
     * level (parents first, a level's objects side by side): a small district's resync then costs
     * one round trip through Temporal for its copy, not one per level. It stops after the first
     * level where an object failed; the batch copies what is left level by level, as it would
     * have from the start (retries, skipped dependents).
     */
    async copyLevels(input: CopyLevelsInput): Promise<LevelsCopied> {
      const context = Context.current();
      const completed: ObjectResult[] = [];
      let level = 0;
      for (; level < input.levels.length; level++) {
        const objects = input.levels[level] ?? [];
        const copied = await copyLevel(input, objects, () => context.heartbeat({ level: level + 1, of: input.levels.length }));
        completed.push(...copied.completed);
        if (copied.failed.length > 0) {
          return { completed, failed: copied.failed, notStarted: input.levels.slice(level + 1).flat().map((entry) => entry.object) };
        }
      }
      if (!input.prune) return { completed, failed: [], notStarted: [] };
      // Pruning here spares the batch a round trip through Temporal for a separate activity.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      await pruneAll(input, [...input.levels].reverse().flat().map((entry) => entry.object), () => context.heartbeat({ pruning: true }));
      return { completed, failed: [], notStarted: [], pruned: true };
    },

    async syncRange(input: SyncRangeInput): Promise<RangeResult> {
      return syncRangeHere(input);
    },

    /** Copies one object's records of a selective batch's record set and records it completed. */
    async copyRecordSet(input: SyncRecordSetInput): Promise<ObjectResult> {
      const context = Context.current();
      await syncRecordSet(deps, input, {
        heartbeat: (progress) => context.heartbeat(progress),
        checkpoint: () => {
          if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        },
      });
      return completeObject(deps, input.batchId, input.object);
    },

    /** Builds a selective batch's record set at the district (ids only; never returned). */
    async buildRecordSet(input: BuildRecordSetInput): Promise<RecordSetBuilt> {
      return buildRecordSet(deps, input);
    },

    async finishObject(input: FinishObjectInput): Promise<ObjectResult> {
      if (input.outcome === 'completed') return completeObject(deps, input.batchId, input.object);
      return finishObject(deps.state, input.batchId, input.object, input.outcome, input.failure ?? null);
    },

    /** Prunes the objects, in the order given (children before parents): one activity for all. */
    async pruneObjects(input: PruneObjectsInput): Promise<PruneResult> {
      return pruneAll(input, input.objects);
    },
  };
}
