// The page's state and the events its panels exchange. Panels do not call each other: they read
// the state here and react to events, so a new source of updates or a new panel plugs in by
// emitting or listening. Live updates come from live.ts, which polls the district's activity.
import type { Api } from './api';
import type {
  Activity, ActiveBatch, BatchSummary, DistrictSummary, FoundRecord, HistoryPage, ObjectTable, Role, SchoolYearChoice, StartedResync,
  StartedSelectiveSync, StartedStateWide, StateWideProgress, ToolRight, VisibleBatch, BatchObject,
} from './api-types';

export interface Session {
  readonly api: Api;
  readonly role: Role;
  /** The district of a district token; null for the state. */
  readonly ownDistrict: string | null;
  /** The districts the token may open. */
  readonly districts: readonly DistrictSummary[];
  /** Read: view; Write: also send and cancel. */
  readonly rights: readonly ToolRight[];
}

/** What the page shows: one district and school year (kept in the URL hash). */
export interface View {
  readonly district: string;
  readonly year: SchoolYearChoice;
}

/** A batch that holds a lane: enough to say which it is and what it is doing. */
export type LaneBatch = Pick<BatchSummary, 'batchId' | 'districtId' | 'schoolYear' | 'initiator' | 'status'>;

/** The view's lane: the batch of that district and year that is queued or running, if any. */
export interface Lane {
  readonly view: View;
  readonly active: LaneBatch | null;
}

/** A running batch the reader may see, with its objects so far. */
export type LiveBatch = VisibleBatch & { objects: BatchObject[] };

/** What a view needs reloaded after a change elsewhere (a batch ended, an alert was raised). */
export interface Stale {
  readonly view: View;
  readonly objects: boolean;
  readonly history: boolean;
  readonly alerts: boolean;
}

export interface PageEvents {
  /** Signed in (a session) or out (null). */
  session: Session | null;
  /** A district and year was opened; the panels reload. */
  view: View;
  /** The object table of the view was loaded. */
  objects: ObjectTable;
  /** The view's lane: the batch of its district and year that is queued or running, if any. */
  lane: Lane;
  /** This page started a batch. */
  'batch-started': StartedResync;
  /** The view district's activity changed: every queued and running batch, every year. */
  activity: Activity;
  /** The latest state of a running batch of the view's district and year the reader may see. */
  batch: LiveBatch;
  /** A batch of the view's district that was queued or running has ended (its last known state). */
  'batch-ended': ActiveBatch;
  /** Something changed that the view shows: reload what is named. */
  stale: Stale;
  /** The history's page was (re)loaded. */
  history: HistoryPage;
  /** Something this page did changed the district's activity (a send, a cancel, a refusal):
   *  read it now rather than at the next poll. */
  'activity-stale': View;
  /** The user asked to cancel a batch. */
  'cancel-batch': BatchSummary;
  /** The user asked to open (or close) one object's errors, in place below its row. */
  'object-errors': { object: string; batchId: string; open: boolean };
  /** The user asked to retry the failed records of the batch an object's row shows. */
  'retry-failed': { object: string; batchId: string; lastResync: string | null; districtId: string; schoolYear: number };
  /** The user asked for a batch's error details (every object). */
  'show-errors': string;
  /** A call was refused with 401: the token is no good any more. */
  unauthorized: string;
  /** The state requested a state-wide resync from this page. */
  'state-wide-started': StartedStateWide;
  /** Show (and follow) this state-wide request's progress. */
  'state-wide-follow': string;
  /** The followed state-wide request's latest progress. */
  'state-wide-progress': StateWideProgress;
  /** The records picked for a Selective Sync changed (object and records, in the order picked). */
  'records-picked': { object: string; records: readonly FoundRecord[] };
  /** This page started a Selective Sync of the picked records (also announced as `batch-started`). */
  'selective-started': StartedSelectiveSync;
}

export const state: { session: Session | null; view: View | null; lane: Lane | null } = {
  session: null,
  view: null,
  lane: null,
};

const bus = new EventTarget();

export function emit<K extends keyof PageEvents>(type: K, detail: PageEvents[K]): void {
  bus.dispatchEvent(new CustomEvent(type, { detail }));
}

/** Listens for an event; returns the function that stops listening. */
export function on<K extends keyof PageEvents>(type: K, listener: (detail: PageEvents[K]) => void): () => void {
  const handler = (event: Event) => listener((event as CustomEvent<PageEvents[K]>).detail);
  bus.addEventListener(type, handler);
  return () => bus.removeEventListener(type, handler);
}

/** The signed-in session; throws when there is none (a panel acting after sign-out is a bug). */
export function session(): Session {
  if (!state.session) throw new Error('not signed in');
  return state.session;
}

/** The batch holding the shown view's lane (queued or running in its district and year), if any. */
export function laneHolder(): LaneBatch | null {
  const lane = state.lane;
  return lane && lane.view === state.view ? lane.active : null;
}

/** Whether the signed-in user may send and cancel resyncs (Write rights). */
export const mayWrite = (): boolean => state.session?.rights.includes('write') ?? false;

/** True while `view` is still the one shown: a late answer for a view the user left is dropped. */
export const isCurrent = (view: View): boolean => state.view === view;

export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['queued', 'running']);
