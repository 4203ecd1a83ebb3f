// The global throttle (DESIGN §2.12): at year end every district of a state resyncs against the one
// state database, so at most `limit` districts copy at once, however many workers run. One
// workflow holds the permits (the semaphore pattern: a workflow per shared resource); a batch asks
// for one before it copies, waits for the grant by signal, and gives it back when it has finished
// writing. Grants are first come, first served. A holder that closed without giving its permit
// back (terminated by an operator) is found by asking Temporal about the holders while others wait.
import {
  allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, getExternalWorkflowHandle, proxyActivities,
  setCurrentDetails, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { BOOKKEEPING } from './policies';

// ─── Types ──────────────────────────────────────────────────────────────────────────────────────

/** One batch asking to copy. `limit` is the asking worker's RESYNC_MAX_ACTIVE_DISTRICTS: the
 *  latest request's limit applies (workers of one deployment share their configuration). */
export interface PermitRequest {
  readonly holder: string;
  readonly districtId: string;
  readonly limit: number;
}

export interface PermitHolder {
  readonly holder: string;
  readonly districtId: string;
}

export interface CopyPermitsInput {
  readonly limit: number;
  /** Carried over a continue-as-new. */
  readonly active?: readonly PermitHolder[];
  readonly waiting?: readonly PermitRequest[];
  readonly peakActive?: number;
}

export interface CopyPermitsState {
  readonly limit: number;
  readonly active: readonly PermitHolder[];
  readonly waiting: readonly PermitHolder[];
  /** The most holders there ever were at once (what a test or an operator checks the bound by). */
  readonly peakActive: number;
}

// ─── Signals & Queries ──────────────────────────────────────────────────────────────────────────

export const COPY_PERMITS_WORKFLOW_ID = 'resync-copy-permits';
export const acquirePermitSignal = defineSignal<[PermitRequest]>('acquirePermit');
export const releasePermitSignal = defineSignal<[{ holder: string }]>('releasePermit');
/** Sent to the holder's workflow when its permit is granted. */
export const permitGrantedSignal = defineSignal('permitGranted');
export const copyPermitsQuery = defineQuery<CopyPermitsState>('copyPermits');

// ─── Helpers ────────────────────────────────────────────────────────────────────────────────────

const activities = proxyActivities<Activities>(BOOKKEEPING);

/** How long holders may keep everyone else waiting before the throttle checks they still run. */
const CHECK_HOLDERS_AFTER = '1 minute';
/** Without holders or waiters for this long, the workflow closes; the next request starts it. */
const IDLE_CLOSE = '10 minutes';
/** Grants per run before continuing as new, keeping the history short. */
const GRANTS_PER_RUN = 500;

// ─── Workflows ──────────────────────────────────────────────────────────────────────────────────

export async function copyPermits(input: CopyPermitsInput): Promise<void> {
  let limit = Math.max(1, input.limit);
  const active = new Map<string, PermitHolder>((input.active ?? []).map((holder) => [holder.holder, holder]));
  const waiting: PermitRequest[] = [...(input.waiting ?? [])];
  let peakActive = input.peakActive ?? active.size;
  const regrant: string[] = [];
  let changed = false;
  let grants = 0;

  setHandler(copyPermitsQuery, () => ({
    limit, active: [...active.values()], waiting: waiting.map(({ holder, districtId }) => ({ holder, districtId })), peakActive,
  }));
  setHandler(acquirePermitSignal, (request) => {
    limit = Math.max(1, request.limit);
    changed = true;
    // A request repeated (a retried activity) keeps its place; one already granted is told again.
    if (active.has(request.holder)) regrant.push(request.holder);
    else if (!waiting.some((entry) => entry.holder === request.holder)) waiting.push(request);
  });
  setHandler(releasePermitSignal, ({ holder }) => {
    changed = true;
    active.delete(holder);
    const index = waiting.findIndex((entry) => entry.holder === holder);
    if (index >= 0) waiting.splice(index, 1);
  });

  const tell = async (holder: string): Promise<boolean> => {
    try {
      await getExternalWorkflowHandle(holder).signal(permitGrantedSignal);
      return true;
    } catch {
      // The holder has closed (cancelled, terminated): the permit goes to the next one.
      return false;
    }
  };

  for (;;) {
    for (const holder of regrant.splice(0)) if (!(await tell(holder))) active.delete(holder);
    while (active.size < limit && waiting.length > 0) {
      const next = waiting.shift() as PermitRequest;
      active.set(next.holder, { holder: next.holder, districtId: next.districtId });
      if (await tell(next.holder)) {
        grants++;
        peakActive = Math.max(peakActive, active.size);
      } else {
        active.delete(next.holder);
      }
    }
    setCurrentDetails(`${active.size}/${limit} district(s) copying, ${waiting.length} waiting.`);
    if (grants >= GRANTS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof copyPermits>({ limit, active: [...active.values()], waiting, peakActive });
    }
    changed = false;
    const idle = active.size === 0 && waiting.length === 0;
    const woke = await condition(() => changed || regrant.length > 0, idle ? IDLE_CLOSE : CHECK_HOLDERS_AFTER);
    if (woke) continue;
    if (idle) {
      await condition(allHandlersFinished);
      if (active.size === 0 && waiting.length === 0) return;
      continue;
    }
    if (waiting.length > 0 && active.size >= limit) {
      // Everyone waits on the holders: make sure they still run.
      const closed = await activities.closedWorkflows({ workflowIds: [...active.keys()] });
      for (const holder of closed) active.delete(holder);
    }
  }
}
