// What activities need from the outside world, injected by the worker (and by tests). The
// activities declare the small interfaces they use; the worker wires real implementations, so the
// activities never import the Temporal client (nor anything that imports workflows).
import type { Sql } from '../data/db';
import type { DistrictSources } from '../data/district-sources';
import type { ResyncRequest, SubmitResult } from '../workflows/types';

/** Hands a batch to its district's lane (scheduled runs, rollovers, verify-then-resync). */
export interface LaneSubmitter {
  /** @throws ResyncAlreadyRunningError for a district request while the lane is busy */
  submit(request: ResyncRequest): Promise<SubmitResult>;
}

export interface ActivityDeps {
  /** The state database: state tables and the resync bookkeeping. */
  readonly state: Sql;
  /** The districts' source databases. */
  readonly districtSources: DistrictSources;
  readonly lanes: LaneSubmitter;
}
