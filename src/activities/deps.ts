// What activities need from the outside world, injected by the worker (and by tests). The
// activities declare the small interfaces they use; the worker wires real implementations, so the
// activities never import the Temporal client (nor anything that imports workflows).
import type { Sql } from '../data/db';
import type { DistrictSources } from '../data/district-sources';
import type { CancelOutcome, ResyncRequest, SubmitResult } from '../workflows/types';

/** What activities ask of Temporal itself (the worker wires the client-side implementation). */
export interface LaneSubmitter {
  /** Hands a batch to its district's lane (scheduled runs, rollovers, verify-then-resync, state-wide runs).
   *  @throws ResyncAlreadyRunningError for a district request while the lane is busy */
  submit(request: ResyncRequest): Promise<SubmitResult>;
  /** Cancels a batch through its lane (a state-wide run being cancelled). */
  cancel(batch: { batchId: string; districtId: string; schoolYear: number }, by: string): Promise<CancelOutcome>;
  /** Asks the global throttle for a permit for `holder` (a batch workflow id); the grant arrives by
   *  signal. @returns false when no throttle is configured (RESYNC_MAX_ACTIVE_DISTRICTS=0) */
  requestCopyPermit(request: { holder: string; districtId: string }): Promise<boolean>;
  /** Of these workflow ids, the ones whose current run has closed (or that do not exist). */
  closedWorkflows(workflowIds: readonly string[]): Promise<string[]>;
}

export interface ActivityDeps {
  /** The state database: state tables and the resync bookkeeping. */
  readonly state: Sql;
  /** The districts' source databases. */
  readonly districtSources: DistrictSources;
  readonly lanes: LaneSubmitter;
}
