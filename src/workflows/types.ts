// Inputs, results and progress shapes shared by the workflows and their callers (API, CLI).
// Types only, plus pure helpers: safe to import from workflow code and from Node.
import type {
  BatchObjectRef, FinishedBatchStatus, Initiator, ObjectOutcome, RecordCounts, RecordSetRequest, ResyncKind, ResyncMethod, SchoolYearChoice,
  StatusColour,
} from '../domain';

/** One resync batch as requested: what to sync, for which district and school year, by whom. */
export interface ResyncRequest {
  readonly batchId: string;
  readonly districtId: string;
  readonly yearChoice: SchoolYearChoice;
  /** The school year the choice resolved to when requested (first calendar year). */
  readonly schoolYear: number;
  readonly objects: 'all' | readonly string[];
  readonly checkDependencies: boolean;
  /** How records travel (default copy). */
  readonly method?: ResyncMethod;
  /** A Selective Sync: the chosen records (the batch's kind is then 'selective'; `objects` is
   *  ignored). Stored with the request, never carried in a workflow's input. */
  readonly selection?: RecordSetRequest;
  readonly initiator: Initiator;
  readonly requestedBy: string;
  /** Remove state records the district no longer has, for the planned objects (default: full
   *  resyncs only; "verify, then resync" asks for it on its partial batch). */
  readonly removeDeleted?: boolean;
  /** Verify the touched objects after the batch and keep the result (default true). */
  readonly verifyAfter?: boolean;
  /** A workflow waiting for this batch: it receives `batchFinishedSignal` with the outcome when the
   *  batch ends, whichever way (completed, failed, cancelled, withdrawn before it started). */
  readonly notify?: string;
  /** Tuning; defaults suit one machine. */
  readonly options?: ResyncTuning;
}

/**
 * A batch as it travels through Temporal (lane queue, batch input): the request without its
 * objects and Check Dependencies, which the requester stored in the state's database (the batch
 * reads them back by id). So no workflow input names the objects a state request asked for
 * (DESIGN §2.6: a district may not see them).
 */
export type BatchInput = Omit<ResyncRequest, 'objects' | 'checkDependencies' | 'method' | 'selection'> & { readonly kind: ResyncKind };

export function batchInputOf(request: ResyncRequest): BatchInput {
  const { objects: _objects, checkDependencies: _checkDependencies, method: _method, selection: _selection, ...rest } = request;
  return { ...rest, kind: resyncKind(request) };
}

export interface ResyncTuning {
  /** Small objects of a level copied at once (default 4). */
  readonly maxParallelObjects?: number;
  /** Objects from this many records on get a child workflow of their own (default 50 000). */
  readonly largeObjectRecords?: number;
  readonly maxParallelLargeObjects?: number;
  readonly maxParallelRanges?: number;
  readonly rangeRecords?: number;
  readonly pageSize?: number;
  /** Attempts of a range copy before the object fails (default 25, about ten minutes). */
  readonly copyAttempts?: number;
}

export interface SyncObjectInput extends BatchObjectRef {
  /** Records the batch counted for the object when it started. */
  readonly records?: number;
  readonly options?: ResyncTuning;
  /** How the pages travel (default copy); a differential copy may remove what the district no longer has. */
  readonly method?: ResyncMethod;
  readonly removeExtras?: boolean;
}

export interface ObjectCountsResult extends RecordCounts {
  readonly object: string;
  readonly colour: StatusColour;
}

export interface ObjectProgress extends RecordCounts {
  readonly object: string;
  readonly level: number;
  readonly status: ObjectOutcome;
  readonly colour: StatusColour;
  readonly reason?: string;
}

/** How a batch ended, as its waiters (rollover, verify-then-resync, schedules) learn it. */
export interface BatchOutcome extends RecordCounts {
  readonly batchId: string;
  readonly status: FinishedBatchStatus;
  readonly deleted: number;
  readonly failure: string | null;
  /** Objects whose status colour is red: they did not finish, or more than 1 % of their records failed. */
  readonly redObjects: readonly string[];
  /** Objects a resync could still fix: they did not finish, or their fixable errors (refused,
   *  parent-missing — not the records the state excludes on purpose) exceed 1 % of attempts. */
  readonly blockingObjects: readonly string[];
}

export type BatchPhase = 'planning' | 'waiting for a copy slot' | 'syncing' | 'removing deleted records' | 'verifying' | 'finished';

export interface BatchProgress {
  readonly batchId: string;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly kind: ResyncKind | null;
  readonly initiator: Initiator;
  readonly phase: BatchPhase;
  readonly objects: readonly ObjectProgress[];
  readonly outOfSync: readonly string[];
}

export interface LaneInput {
  readonly districtId: string;
  readonly schoolYear: number;
  /** Batches carried over a continue-as-new. */
  readonly queue?: readonly BatchInput[];
}

/** Who cancels a batch; the outcome reads "cancelled by <by> at <time>". */
export interface CancelRequest {
  readonly batchId: string;
  readonly by: string;
}

/** withdrawn: it was queued and will never run; cancelling: it runs and stops at the next page
 *  boundary; not in this lane: it has already ended (or never belonged here). */
export type CancelOutcome = 'withdrawn' | 'cancelling' | 'not in this lane';

export interface SubmitResult {
  readonly batchId: string;
  readonly workflowId: string;
  /** 0: starts now; n: n batches run before it. */
  readonly position: number;
}

export interface LaneState {
  readonly running: { batchId: string; workflowId: string; initiator: Initiator } | null;
  readonly queued: readonly { batchId: string; workflowId: string; initiator: Initiator }[];
}

/** Readable workflow IDs: district, school year, batch. */
export function batchWorkflowId(districtId: string, schoolYear: number, batchId: string): string {
  return `resync/${districtId}/${schoolYear}/${batchId}`;
}

export function laneWorkflowId(districtId: string, schoolYear: number): string {
  return `resync-lane/${districtId}/${schoolYear}`;
}

export function resyncKind(request: Pick<ResyncRequest, 'objects' | 'selection'>): ResyncKind {
  if (request.selection) return 'selective';
  return request.objects === 'all' ? 'full' : 'partial';
}

export { schoolYearLabel } from '../domain/school-year';
