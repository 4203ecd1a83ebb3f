// Activities of a batch's bookkeeping: read the district, record the batch's plan, skipped objects
// and outcome, count the records of its objects, and raise process alerts. Recording a batch's end
// also announces it (announce.ts): alerts for a red or failed batch, and the webhook event.
import { listBatchObjects, markObjectsSkipped } from '../data/batch-objects';
import { getBatchRequest } from '../data/batch-requests';
import {
  finishBatch, finishUnstartedBatch, getBatch, insertQueuedBatch, markBatchRunning, recordCancelRequested, type NewBatch,
} from '../data/batches';
import { raiseAlert, type NewAlert } from '../data/alerts';
import { countRecordsOf } from '../data/district-records';
import { getDistrict } from '../data/district-registry';
import { errorCountsByReason } from '../data/sync-errors';
import {
  STATE_RESYNC_REQUESTED_ALERT, statusColour, UnknownBatchError, YELLOW_ERROR_SHARE, type DistrictProfile, type FinishedBatchStatus, type Plan, type ResyncMethod,
} from '../domain';
import type { BatchOutcome } from '../workflows/types';
import { announceBatchEnd, announceStateRequest } from './announce';
import type { ActivityDeps } from './deps';
import type { RequestCopyPermitInput } from './lifecycle';

export interface DistrictSnapshot {
  readonly districtId: string;
  readonly name: string;
  readonly profile: DistrictProfile;
  readonly scopedYear: number;
}

/** How a batch ended, and whether its district asks, as the batch ends, for a follow-up of its
 *  deferred records (absent in results recorded before it was read here). */
export type RecordedBatchEnd = BatchOutcome & { readonly autoRetryDeferred?: boolean };

export interface LoadBatchInput {
  readonly districtId: string;
  readonly batchId: string;
}

/** What a batch reads before it plans: its district and its request. */
export interface LoadedBatch {
  readonly district: DistrictSnapshot;
  readonly request: StoredBatchRequest;
}

export interface StartBatchInput {
  readonly batchId: string;
  readonly plan: Plan;
  /** Objects whose records to count at the district (absent: the batch has its counts, a
   *  selective batch's record set). */
  readonly count?: CountPlannedRecordsInput;
  /** The batch workflow asking the global throttle for a copy permit. */
  readonly permit: RequestCopyPermitInput;
}

export interface StartedBatch {
  /** Records per planned object at the district ({} when not asked to count). */
  readonly records: Record<string, number>;
  /** Whether the throttle applies: the grant then arrives by signal. */
  readonly throttled: boolean;
}

export interface LoadDistrictInput {
  readonly districtId: string;
}

export interface LoadBatchRequestInput {
  readonly batchId: string;
}

/** What the batch was asked to resync, read back from the history (never carried in its input). */
export interface StoredBatchRequest {
  readonly objects: 'all' | readonly string[];
  readonly checkDependencies: boolean;
  readonly method: ResyncMethod;
  /** A selective batch: the object and how many records were chosen (the ids stay in the database). */
  /** A selective batch (its record set is built from the request stored with the batch). */
  readonly selective: boolean;
}

export type RecordBatchQueuedInput = Omit<NewBatch, 'requestedObjects' | 'checkDependencies'> & {
  /** An alert raised with the record, in its transaction (a state request's "State Resync Requested"). */
  readonly alert?: NewAlert;
};

export interface RecordCancelRequestedInput {
  readonly batchId: string;
  readonly by: string;
}

export interface RecordBatchStartedInput {
  readonly batchId: string;
  readonly plan: Plan;
}

export interface CountPlannedRecordsInput {
  readonly districtId: string;
  readonly schoolYear: number;
  readonly objects: readonly string[];
}

export interface RecordObjectsSkippedInput {
  readonly batchId: string;
  readonly skipped: readonly { object: string; reason: string }[];
}

export interface RecordBatchFinishedInput {
  readonly batchId: string;
  readonly status: FinishedBatchStatus;
  /** Why it failed; for a cancelled batch, what to add after "cancelled by <who> at <time>". */
  readonly failure?: string;
  /** Once recorded, signal the outcome to this waiting workflow (the batch's `notify`)… */
  readonly waiter?: string;
  /** …and then give this holder's copy permit back: sent from here, the two signals cost the
   *  batch no workflow task each, and the waiter still hears the end before anyone else may copy. */
  readonly permitHolder?: string;
}

/** "cancelled by district:1001 at 2026-11-30T13:45:12.000Z" — from the recorded request. */
function cancellationText(batch: { cancelRequestedBy: string | null; cancelRequestedAt: Date | null }, detail?: string): string {
  const who = batch.cancelRequestedBy
    ? `cancelled by ${batch.cancelRequestedBy} at ${(batch.cancelRequestedAt ?? new Date()).toISOString()}`
    : 'cancelled outside the tool (no user recorded, e.g. from the Temporal UI)';
  return detail ? `${who} ${detail}` : who;
}

/** Reads how a batch ended from the history: totals, red objects, and the objects a resync could
 *  still fix (not-allowed records are excluded on purpose by the state and never block). */
export async function batchOutcome(deps: Pick<ActivityDeps, 'state'>, batchId: string): Promise<BatchOutcome> {
  const batch = await getBatch(deps.state, batchId);
  if (!batch) throw new UnknownBatchError(batchId);
  if (batch.status === 'queued' || batch.status === 'running') throw new Error(`batch ${batchId} has not ended (${batch.status})`);
  const objects = await listBatchObjects(deps.state, batchId);
  const reasons = await errorCountsByReason(deps.state, batchId);
  const blocking = objects.filter((object) => {
    if (object.status !== 'completed') return true;
    const counts = reasons.get(object.object) ?? {};
    const fixable = (counts.refused ?? 0) + (counts['parent-missing'] ?? 0);
    return fixable > object.processed * YELLOW_ERROR_SHARE;
  });
  return {
    batchId, status: batch.status, processed: batch.processed, errors: batch.errors, sent: batch.sent, deleted: batch.deleted,
    failure: batch.failure,
    redObjects: objects.filter((object) => statusColour(object.status, object) === 'red').map((object) => object.object),
    blockingObjects: blocking.map((object) => object.object),
  };
}

export function createBatchActivities(deps: ActivityDeps) {
  const districtSnapshot = async (districtId: string): Promise<DistrictSnapshot> => {
    const district = await getDistrict(deps.state, districtId);
    return {
      districtId: district.districtId, name: district.name, profile: district.profile, scopedYear: district.scopedYear,
    };
  };
  const storedRequest = async (batchId: string): Promise<StoredBatchRequest> => {
    const batch = await getBatch(deps.state, batchId);
    if (!batch) throw new UnknownBatchError(batchId);
    return {
      objects: batch.requestedObjects ?? 'all', checkDependencies: batch.checkDependencies, method: batch.method ?? 'copy',
      selective: batch.selection !== null && batch.selection !== undefined,
    };
  };
  /** How many records each object holds at the district for the year. Counts only, never records. */
  const countPlanned = async (input: CountPlannedRecordsInput): Promise<Record<string, number>> => {
    const district = await getDistrict(deps.state, input.districtId);
    const source = deps.districtSources.for(district);
    return countRecordsOf(source, district.sourceSchema, input.objects, input.schoolYear);
  };

  /** The lane raises "State Resync Requested" as it accepts a state request: the moment the
   *  webhook hears of it too (after the alert's commit; the delivery is idempotent by event id).
   *  Decided here, not in the lane, so running lanes replay unchanged. */
  const announceRaised = async (alert: NewAlert): Promise<void> => {
    if (alert.title === STATE_RESYNC_REQUESTED_ALERT.title && alert.batchId) await announceStateRequest(deps, alert.batchId);
  };

  return {
    /** @throws UnknownDistrictError (not retried) */
    async loadDistrict(input: LoadDistrictInput): Promise<DistrictSnapshot> {
      return districtSnapshot(input.districtId);
    },

    /** Records the batch in the history, with the objects its requester stored, and raises
     *  `alert` if given, in one transaction (both are idempotent: a retry changes nothing).
     *  @throws UnknownBatchError when no request was stored; BatchIdCollisionError (not retried) */
    async recordBatchQueued(input: RecordBatchQueuedInput): Promise<void> {
      const { alert, ...batch } = input;
      const request = await getBatchRequest(deps.state, batch.batchId);
      if (request.districtId !== batch.districtId) throw new UnknownBatchError(batch.batchId);
      await deps.state.begin(async (tx) => {
        await insertQueuedBatch(tx, {
          ...batch, requestedObjects: request.objects === 'all' ? null : request.objects, checkDependencies: request.checkDependencies,
          method: request.method ?? 'copy', selection: request.selection ?? null,
        });
        if (alert) await raiseAlert(tx, alert);
      });
      if (alert) await announceRaised(alert);
    },

    /** @throws UnknownBatchError (not retried) */
    async loadBatchRequest(input: LoadBatchRequestInput): Promise<StoredBatchRequest> {
      return storedRequest(input.batchId);
    },

    /** A batch's first activity: its district and its request in one round trip (loadDistrict and
     *  loadBatchRequest together). @throws UnknownDistrictError, UnknownBatchError (not retried) */
    async loadBatch(input: LoadBatchInput): Promise<LoadedBatch> {
      return { district: await districtSnapshot(input.districtId), request: await storedRequest(input.batchId) };
    },

    /**
     * Starts the batch's copy in one round trip: records the plan (recordBatchStarted), counts the
     * planned objects' records (countPlannedRecords, when `count` is given) and asks the global
     * throttle for a copy permit (requestCopyPermit). Every step is safe to repeat on a retry.
     */
    async startBatch(input: StartBatchInput): Promise<StartedBatch> {
      await markBatchRunning(deps.state, input.batchId, input.plan);
      const records = input.count ? await countPlanned(input.count) : {};
      return { records, throttled: await deps.lanes.requestCopyPermit(input.permit) };
    },

    async recordCancelRequested(input: RecordCancelRequestedInput): Promise<void> {
      await recordCancelRequested(deps.state, input.batchId, input.by);
    },

    /** Records the plan and the planned objects (pending). */
    async recordBatchStarted(input: RecordBatchStartedInput): Promise<void> {
      await markBatchRunning(deps.state, input.batchId, input.plan);
    },

    /** How many records each object holds at the district for the year, so the batch can schedule
     *  its large objects apart from its small ones. Counts only, never records. */
    async countPlannedRecords(input: CountPlannedRecordsInput): Promise<Record<string, number>> {
      return countPlanned(input);
    },

    async recordObjectsSkipped(input: RecordObjectsSkippedInput): Promise<void> {
      await markObjectsSkipped(deps.state, input.batchId, input.skipped);
    },

    /** Ends the batch in the history and returns its outcome (totals = sums of its objects); raises
     *  the alerts of a red or failed batch and starts the webhook delivery of its end. */
    async recordBatchFinished(input: RecordBatchFinishedInput): Promise<RecordedBatchEnd> {
      let failure = input.failure ?? null;
      if (input.status === 'cancelled') {
        const batch = await getBatch(deps.state, input.batchId);
        if (!batch) throw new UnknownBatchError(input.batchId);
        failure = cancellationText(batch, input.failure);
      }
      const finished = await finishBatch(deps.state, input.batchId, input.status, failure);
      const outcome = await batchOutcome(deps, input.batchId);
      await announceBatchEnd(deps, outcome);
      // Read now, not as the batch started: a district that turns automatic retries on while its
      // batch runs gets the follow-up of this batch.
      const districtId = finished?.districtId ?? (await getBatch(deps.state, input.batchId))?.districtId;
      const district = districtId ? await getDistrict(deps.state, districtId) : undefined;
      // In this order: until its waiter has heard the outcome, the batch still counts as copying.
      if (input.waiter) await deps.lanes.tellBatchFinished(input.waiter, outcome);
      if (input.permitHolder) await deps.lanes.releaseCopyPermit(input.permitHolder);
      return { ...outcome, ...(district ? { autoRetryDeferred: district.autoRetryDeferred } : {}) };
    },

    /** Ends as cancelled a batch whose workflow was cancelled before it started (its lane calls
     *  this); a batch that started has recorded its own end: undefined. */
    async recordBatchCancelledUnstarted(input: LoadBatchRequestInput): Promise<BatchOutcome | undefined> {
      const batch = await getBatch(deps.state, input.batchId);
      if (!batch) throw new UnknownBatchError(input.batchId);
      const ended = await finishUnstartedBatch(deps.state, input.batchId, cancellationText(batch, 'before it started'));
      if (!ended) {
        // A retry after an earlier attempt recorded the end but could not announce it: announce
        // again (idempotent), so the webhook does not miss it.
        const now = await getBatch(deps.state, input.batchId);
        if (now?.status === 'cancelled' && now.startedAt === null) await announceBatchEnd(deps, await batchOutcome(deps, input.batchId));
        return undefined;
      }
      const outcome = await batchOutcome(deps, input.batchId);
      await announceBatchEnd(deps, outcome);
      return outcome;
    },

    async raiseAlert(alert: NewAlert): Promise<void> {
      await raiseAlert(deps.state, alert);
      await announceRaised(alert);
    },
  };
}
