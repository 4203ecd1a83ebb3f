// The State Resync API's responses as the page reads them (JSON on the wire: times are ISO
// strings, school years the first calendar year). Shapes follow src/api/**/router.ts and
// src/api/resyncs/views.ts; only the fields the page uses are required to be read, but the types
// list what the API sends so that later panels (cancel, warnings, verification) can use them.
import type {
  ExcludedObject, MissingParent, MissingParentsWarning, ObjectOutcome, Plan, ResyncMethod, SchoolYearChoice, StatusColour,
} from '../../domain';

export type { ExcludedObject, MissingParent, MissingParentsWarning, ObjectOutcome, Plan, ResyncMethod, SchoolYearChoice, StatusColour };

export type Role = 'state' | 'district';
/** Read: view the tool; Write: also send and cancel resyncs. */
export type ToolRight = 'read' | 'write';
export type BatchStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type Initiator = 'district' | 'state' | 'schedule';

/** GET /api/me (`name`: the signed-in user, where the API says who; `rights`: what they may do). */
export type Me = ({ role: 'state' } | { role: 'district'; districtId: string }) & { name?: string; rights: ToolRight[] };

/** One district of GET /api/districts. `years` are first calendar years; null = not offered. */
export interface DistrictSummary {
  districtId: string;
  name: string;
  state: string | null;
  reportingEntity: boolean;
  scopedYear: number;
  years: { current: number; previous: number | null; next: number | null };
  /** Records that failed only because their parent was missing are retried automatically once a
   *  later batch lands that parent. */
  autoRetryDeferred: boolean;
}

/** 200 of PATCH /api/districts/:d. */
export interface DistrictSettings {
  districtId: string;
  autoRetryDeferred: boolean;
}

/** A differential batch's split of an object's processed records; null for a copy batch. */
export interface DifferentialSplit {
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
}

/** One row of GET /api/districts/:d/objects: the object's latest result (nulls: never resynced). */
export interface ObjectRow extends DifferentialSplit {
  object: string;
  level: number | null;
  parents: string[];
  lastResync: string | null;
  processed: number | null;
  errors: number | null;
  sent: number | null;
  status: ObjectOutcome | null;
  colour: StatusColour | null;
  batchId: string | null;
  /** Records that failed in that batch and later Selective Syncs landed: taken off errors, counted
   *  as sent (null: never resynced). */
  resolvedSince: number | null;
  /** How that batch wrote (null: never resynced). */
  method: ResyncMethod | null;
  /** Records removed from the state (null: never resynced). */
  deleted: number | null;
}

/** GET /api/districts/:d/objects?year= */
export interface ObjectTable {
  districtId: string;
  year: SchoolYearChoice;
  schoolYear: number;
  objects: ObjectRow[];
  notOffered: ExcludedObject[];
}

/** The body of POST …/resyncs, …/resyncs/plan and /api/state/…/resync-requests. */
export interface ResyncBody {
  objects: 'all' | string[];
  checkDependencies: boolean;
  year: SchoolYearChoice;
  /** copy writes every record; differential writes only what is missing or differs at the state. */
  method: ResyncMethod;
}

/** POST /api/districts/:d/resyncs/plan: the plan, the records per planned object, and the
 *  warning when records will fail because their parents are not at the state. */
export interface PlanPreview {
  districtId: string;
  schoolYear: number;
  plan: Plan;
  records: Record<string, number>;
  warning: MissingParentsWarning | null;
}

/** 202 of POST …/resyncs and …/resync-requests. */
export interface StartedResync {
  batchId: string;
  workflowId: string;
  districtId: string;
  schoolYear: number;
  initiator: Initiator;
  status: 'starting' | 'queued';
  /** Batches ahead of this one in the district's lane. */
  position: number;
  plan: Plan;
  links: { self: string; temporalUi: string | null };
}

/** What every reader of a batch sees. */
interface BatchOutline {
  batchId: string;
  districtId: string;
  schoolYear: number;
  year: SchoolYearChoice;
  initiator: Initiator;
  status: BatchStatus;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** status, or "completed with errors". */
  outcome: string;
  /** Queued or running, and the reader's to cancel. */
  cancellable: boolean;
}

/** A state-requested batch as a district user sees it: never its objects (DESIGN §2.6). */
export interface HiddenBatch extends BatchOutline {
  objectsHidden: true;
}

/** What a Selective Sync chose: the object, how many of its records, and what came with them. */
export interface SelectionSummary {
  object: string;
  records: number;
  includeParents: boolean;
  includeDependents: boolean;
}

/** What a retry of failed records resyncs: the records that failed in these batches (onlyDeferred:
 *  only those that waited for a parent the state now holds, the automatic retry). */
export interface RetrySummary {
  retryOf: string[];
  onlyDeferred: boolean;
}

export interface VisibleBatch extends BatchOutline {
  objectsHidden?: undefined;
  kind: 'full' | 'partial' | 'selective';
  /** A Selective Sync's choice, or the batches whose failed records it retries; null for full and
   *  partial resyncs. */
  selection?: SelectionSummary | RetrySummary | null;
  method?: ResyncMethod;
  requestedBy: string | null;
  checkDependencies: boolean;
  requestedObjects: string[] | null;
  plannedObjects: number;
  processed: number;
  errors: number;
  sent: number;
  deleted: number;
  failure: string | null;
  /** Who asked to cancel it, and when (null: nobody). */
  cancelRequestedBy: string | null;
  cancelRequestedAt: string | null;
  workflowId: string;
  temporalUi: string | null;
}

/** A batch in the history. */
export type BatchSummary = HiddenBatch | VisibleBatch;

/** One object of a batch (GET /api/resyncs/:batch). */
export interface BatchObject extends DifferentialSplit {
  object: string;
  level: number;
  addedByCheckDependencies: boolean;
  status: ObjectOutcome;
  colour: StatusColour;
  processed: number;
  errors: number;
  sent: number;
  deleted: number;
  kept: number;
  startedAt: string | null;
  finishedAt: string | null;
  failure: string | null;
  verifiedInSync: boolean | null;
}

/** GET /api/resyncs/:batch */
export type BatchDetail = HiddenBatch | (VisibleBatch & {
  /** While running: "syncing", then e.g. removing deleted records; null once ended. */
  phase: string | null;
  plan: Plan | null;
  objects: BatchObject[];
  verifications: { purpose: string; inSync: boolean; createdAt: string; objects: unknown }[];
});

interface PageOf {
  total: number;
  limit: number;
  offset: number;
}

/** GET /api/districts/:d/history, newest first. */
export interface HistoryPage extends PageOf {
  districtId: string;
  batches: BatchSummary[];
}

/** A batch as GET /api/districts/:d/activity shows it: a visible one with its objects so far
 *  (none while queued). */
export type ActiveBatch = HiddenBatch | (VisibleBatch & { objects: BatchObject[] });

/** GET /api/districts/:d/activity: the district's queued and running batches, every school year,
 *  and marks that change when its history or its alerts do. */
export interface Activity {
  districtId: string;
  batches: ActiveBatch[];
  marks: { batches: number; lastFinishedAt: string | null; lastAlertId: number | null };
}

/** 202 of POST /api/resyncs/:batch/cancel. */
export interface CancelAnswer {
  batchId: string;
  cancellationRequested: true;
  /** withdrawn: it was queued and will not run; cancelling: it stops at the next page. */
  outcome: 'withdrawn' | 'cancelling';
}

/** A record as a person knows it (from the district's data). */
export interface RecordName {
  label: string;
  summary: string | null;
  person: { name: string; localId: string | null; stateId: string | null } | null;
  school: { name: string; number: string | null } | null;
  calendar: { name: string } | null;
  atDistrict: boolean;
}

export interface RecordRef {
  object: string;
  recordId: number;
}

export interface ErrorEntry extends RecordRef {
  reasonCode: string;
  reason: string;
  loggedAt: string;
  /** null when the district's data could not be read. */
  record: RecordName | null;
  /** The record that caused it (the missing parent, the excluded ancestor). */
  cause: (RecordRef & { record: RecordName | null }) | null;
}

export interface CauseGroup {
  cause: RecordRef & { record: RecordName | null };
  object: string;
  reasonCode: string;
  reason: string;
  count: number;
}

/** GET /api/resyncs/:batch/errors */
export interface ErrorsPage extends PageOf {
  batchId: string;
  reasons: { reasonCode: string; object: string; count: number }[];
  causes: { total: number; groups: CauseGroup[] };
  errors: ErrorEntry[];
}

/** One process alert (GET /api/alerts). */
export interface Alert {
  alertId: number;
  districtId: string;
  category: string;
  title: string;
  message: string;
  batchId: string | null;
  createdAt: string;
}

export interface AlertsPage {
  limit: number;
  offset: number;
  alerts: Alert[];
}

/** The body of POST /api/state/resyncs: one request for many or all districts. */
export interface StateWideBody extends Omit<ResyncBody, 'method'> {
  districts: 'all' | string[];
}

/** A district left out of a state-wide request, and why (the year or objects it does not sync). */
export interface SkippedDistrict {
  districtId: string;
  reason: string;
}

/** 202 of POST /api/state/resyncs. */
export interface StartedStateWide {
  requestId: string;
  workflowId: string;
  /** The districts whose batches are requested. */
  districts: string[];
  skipped: SkippedDistrict[];
  links: { self: string };
}

export type DistrictRunStatus = 'pending' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** One district of a state-wide request: its batch (null until handed to its lane) and results
 *  (the records are known once its batch has ended). */
export interface DistrictRun {
  districtId: string;
  schoolYear: number;
  batchId: string | null;
  status: DistrictRunStatus;
  processed: number;
  errors: number;
  sent: number;
  failure: string | null;
}

/** GET /api/state/resyncs/:request (src/workflows/state-wide-resync.ts StateWideProgress). */
export interface StateWideProgress {
  requestId: string;
  phase: 'submitting' | 'running' | 'cancelling' | 'finished';
  requestedBy: string;
  cancelledBy: string | null;
  /** Districts by where they are: pending = not yet handed to its lane. */
  counts: Record<DistrictRunStatus, number> & { total: number; skipped: number };
  /** Records across the districts that have ended. */
  records: { processed: number; errors: number; sent: number };
  districts: DistrictRun[];
  skipped: SkippedDistrict[];
}

/** One run of GET /api/state/resyncs (Temporal's view: status RUNNING, COMPLETED, CANCELLED, …). */
export interface StateWideSummary {
  requestId: string;
  workflowId: string;
  status: string;
  /** How it ended: green, yellow, red, failed or cancelled (null while it runs). */
  outcome: 'green' | 'yellow' | 'red' | 'failed' | 'cancelled' | null;
  startTime: string;
  closeTime: string | null;
}

/** GET /api/state/resyncs: the latest requests, newest first, and the global throttle's bound. */
export interface StateWideList {
  requests: StateWideSummary[];
  /** At most this many districts copy to the state database at once; null: no bound. */
  maxActiveDistricts: number | null;
}

/** 202 of POST /api/state/resyncs/:request/cancel. */
export interface StateWideCancelAnswer {
  requestId: string;
  cancellationRequested: true;
}

/** A record found by what a person knows of it (GET /api/districts/:d/records). */
export interface FoundRecord {
  id: number;
  /** "Anderson, Kai (local 100006)", "High School 4 (school 104)", "… — Enrollment 6". */
  label: string;
}

export interface FoundRecords {
  districtId: string;
  object: string;
  records: FoundRecord[];
}

/** The body of POST /api/districts/:d/selective-syncs and …/selective-syncs/plan. */
export interface SelectiveBody {
  object: string;
  ids: number[];
  includeParents: boolean;
  includeDependents: boolean;
  year: SchoolYearChoice;
}

/** POST /api/districts/:d/selective-syncs/plan: the record set, per object, parents first. */
export interface SelectivePreview {
  districtId: string;
  schoolYear: number;
  object: string;
  /** How many records were chosen. */
  records: number;
  includeParents: boolean;
  includeDependents: boolean;
  levels: { object: string; records: number }[][];
  total: number;
  /** Chosen ids the district does not hold (removed from the state if it holds them, else reported). */
  notAtDistrict: number[];
  /** Chosen ids of another school year than the batch's: left out of the set; sending them is refused. */
  otherYears: number[];
}

/** 202 of POST /api/districts/:d/selective-syncs. */
export interface StartedSelectiveSync {
  batchId: string;
  workflowId: string;
  districtId: string;
  schoolYear: number;
  initiator: Initiator;
  kind: 'selective';
  status: 'starting' | 'queued';
  position: number;
  selection: SelectionSummary;
  links: { self: string; temporalUi: string | null };
}

/** 202 of POST /api/resyncs/:batch/retry-failed: a selective batch of the failed records. */
export interface StartedRetry {
  batchId: string;
  workflowId: string;
  districtId: string;
  schoolYear: number;
  initiator: Initiator;
  kind: 'selective';
  /** The batch whose failed records it resyncs. */
  retryOf: string;
  status: 'starting' | 'queued';
  position: number;
  links: { self: string; temporalUi: string | null };
}

/** An application/problem+json body (RFC 9457) with the extensions the page reads. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  /** 409 Resync Already Running: the batch that holds the district and year. */
  runningBatchId?: string;
  /** 429 and 503: seconds to wait (from the Retry-After header). */
  retryAfter?: number;
}
