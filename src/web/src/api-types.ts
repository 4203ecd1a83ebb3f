// The State Resync API's responses as the page reads them (JSON on the wire: times are ISO
// strings, school years the first calendar year). Shapes follow src/api/**/router.ts and
// src/api/resyncs/views.ts; only the fields the page uses are required to be read, but the types
// list what the API sends so that later panels (cancel, warnings, verification) can use them.
import type { ExcludedObject, ObjectOutcome, Plan, SchoolYearChoice, StatusColour } from '../../domain';

export type { ExcludedObject, ObjectOutcome, Plan, SchoolYearChoice, StatusColour };

export type Role = 'state' | 'district';
export type BatchStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type Initiator = 'district' | 'state' | 'schedule';

/** GET /api/me */
export type Me = { role: 'state' } | { role: 'district'; districtId: string };

/** One district of GET /api/districts. `years` are first calendar years; null = not offered. */
export interface DistrictSummary {
  districtId: string;
  name: string;
  state: string | null;
  reportingEntity: boolean;
  scopedYear: number;
  years: { current: number; previous: number | null; next: number | null };
}

/** One row of GET /api/districts/:d/objects: the object's latest result (nulls: never resynced). */
export interface ObjectRow {
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
}

/** POST /api/districts/:d/resyncs/plan: the plan and the records per planned object. */
export interface PlanPreview {
  districtId: string;
  schoolYear: number;
  plan: Plan;
  records: Record<string, number>;
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
}

/** A state-requested batch as a district user sees it: never its objects (DESIGN §2.6). */
export interface HiddenBatch extends BatchOutline {
  objectsHidden: true;
}

export interface VisibleBatch extends BatchOutline {
  objectsHidden?: undefined;
  kind: 'full' | 'partial';
  requestedBy: string | null;
  checkDependencies: boolean;
  requestedObjects: string[] | null;
  plannedObjects: number;
  processed: number;
  errors: number;
  sent: number;
  deleted: number;
  failure: string | null;
  workflowId: string;
  temporalUi: string | null;
}

/** A batch in the history. */
export type BatchSummary = HiddenBatch | VisibleBatch;

/** One object of a batch (GET /api/resyncs/:batch). */
export interface BatchObject {
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

/** GET /api/resyncs/:batch/errors */
export interface ErrorsPage extends PageOf {
  batchId: string;
  reasons: { reasonCode: string; object: string; count: number }[];
  errors: { object: string; recordId: number; reasonCode: string; reason: string; loggedAt: string }[];
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

/** An application/problem+json body (RFC 9457) with the extensions the page reads. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  /** 409 Resync Already Running: the batch that holds the district and year. */
  runningBatchId?: string;
}
