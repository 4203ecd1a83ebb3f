// The page's state and the events its panels exchange. Panels do not call each other: they read
// the state here and react to events, so a new source of updates (live updates instead of
// polling) or a new panel (cancel, warnings) plugs in by emitting or listening.
import type { Api } from './api';
import type { BatchDetail, BatchSummary, DistrictSummary, ObjectTable, Role, SchoolYearChoice, StartedResync } from './api-types';

export interface Session {
  readonly api: Api;
  readonly role: Role;
  /** The district of a district token; null for the state. */
  readonly ownDistrict: string | null;
  /** The districts the token may open. */
  readonly districts: readonly DistrictSummary[];
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

export interface PageEvents {
  /** Signed in (a session) or out (null). */
  session: Session | null;
  /** A district and year was opened; the panels reload. */
  view: View;
  /** The object table of the view was loaded. */
  objects: ObjectTable;
  /** The view's lane was read (history of the view's year) or changed by a send. */
  lane: Lane;
  /** This page started a batch. */
  'batch-started': StartedResync;
  /** The latest state of a batch being followed (polling today). */
  batch: BatchDetail;
  /** A followed batch has ended (completed, failed or cancelled). */
  'batch-ended': BatchDetail;
  /** The user asked for a batch's error details. */
  'show-errors': string;
  /** A call was refused with 401: the token is no good any more. */
  unauthorized: string;
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

/** True while `view` is still the one shown: a late answer for a view the user left is dropped. */
export const isCurrent = (view: View): boolean => state.view === view;

export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['queued', 'running']);
