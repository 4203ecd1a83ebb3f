// The events State Resync sends to a webhook (RESYNC_WEBHOOK_URL). Pure shapes and builders:
// workflow code carries them, activities build and deliver them.
//
// One event per batch end — `batch.failed` (an object failed), `batch.red` (completed, at least
// one red object), `batch.finished` (completed green or yellow, or cancelled: `batch.status` says
// which) — and one `state.resync-requested` when the state's request is accepted. `id` is the
// same for every delivery attempt of an event: receivers dedupe on it.
import { schoolYearLabel, type FinishedBatchStatus, type BatchStatus, type Initiator, type ResyncKind } from '../domain';

export type ResyncEventType = 'batch.finished' | 'batch.red' | 'batch.failed' | 'state.resync-requested';

export interface ResyncEventBatch {
  readonly batchId: string;
  readonly districtId: string;
  /** First calendar year of the school year (2026 for 2026-27). */
  readonly schoolYear: number;
  /** The school year as people write it: "2026-27". */
  readonly schoolYearLabel: string;
  readonly kind: ResyncKind;
  readonly initiator: Initiator;
  readonly requestedBy: string;
  /** The objects asked for; null for a full resync. */
  readonly requestedObjects: readonly string[] | null;
  readonly checkDependencies: boolean;
  readonly status: BatchStatus;
  readonly requestedAt: string;
  readonly finishedAt: string | null;
  readonly processed: number;
  readonly errors: number;
  readonly sent: number;
  readonly deleted: number;
  readonly failure: string | null;
  readonly redObjects: readonly string[];
  readonly cancelRequestedBy: string | null;
  /** The batch in the API (relative to the API's base URL). */
  readonly href: string;
}

export interface ResyncEvent {
  /** Unique per event, stable across delivery attempts: `<batchId>:ended` or `<batchId>:state-requested`. */
  readonly id: string;
  readonly type: ResyncEventType;
  /** When it happened (the batch's end, or its request), ISO 8601. */
  readonly occurredAt: string;
  readonly batch: ResyncEventBatch;
}

/** What the events are built from: a batch as the history holds it. */
export interface BatchFacts {
  readonly batchId: string;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly kind: ResyncKind;
  readonly initiator: Initiator;
  readonly requestedBy: string;
  readonly requestedObjects: readonly string[] | null;
  readonly checkDependencies: boolean;
  readonly status: BatchStatus;
  readonly requestedAt: Date;
  readonly finishedAt: Date | null;
  readonly processed: number;
  readonly errors: number;
  readonly sent: number;
  readonly deleted: number;
  readonly failure: string | null;
  readonly cancelRequestedBy: string | null;
}

function eventBatch(batch: BatchFacts, redObjects: readonly string[]): ResyncEventBatch {
  return {
    batchId: batch.batchId, districtId: batch.districtId, schoolYear: batch.schoolYear, schoolYearLabel: schoolYearLabel(batch.schoolYear),
    kind: batch.kind, initiator: batch.initiator, requestedBy: batch.requestedBy, requestedObjects: batch.requestedObjects,
    checkDependencies: batch.checkDependencies, status: batch.status, requestedAt: batch.requestedAt.toISOString(),
    finishedAt: batch.finishedAt?.toISOString() ?? null, processed: batch.processed, errors: batch.errors, sent: batch.sent,
    deleted: batch.deleted, failure: batch.failure, redObjects, cancelRequestedBy: batch.cancelRequestedBy,
    href: `/api/resyncs/${batch.batchId}`,
  };
}

/** The type of a batch's end: failed, red (completed with a red object), or finished. */
export function batchEndType(status: FinishedBatchStatus, redObjects: readonly string[]): ResyncEventType {
  if (status === 'failed') return 'batch.failed';
  return status === 'completed' && redObjects.length > 0 ? 'batch.red' : 'batch.finished';
}

/** The event of a batch's end. @param batch as recorded finished (status, finishedAt set) */
export function batchEndedEvent(batch: BatchFacts & { readonly status: FinishedBatchStatus }, redObjects: readonly string[]): ResyncEvent {
  return {
    id: `${batch.batchId}:ended`,
    type: batchEndType(batch.status, redObjects),
    occurredAt: (batch.finishedAt ?? batch.requestedAt).toISOString(),
    batch: eventBatch(batch, redObjects),
  };
}

/** The event of a state request accepted by the district's lane. */
export function stateRequestedEvent(batch: BatchFacts): ResyncEvent {
  return { id: `${batch.batchId}:state-requested`, type: 'state.resync-requested', occurredAt: batch.requestedAt.toISOString(), batch: eventBatch(batch, []) };
}

/** The delivery workflow of an event: one per event id, never started twice. */
export function notificationWorkflowId(eventId: string): string {
  return `notify/${eventId}`;
}
