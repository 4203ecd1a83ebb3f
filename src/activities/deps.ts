// What activities need from the outside world, injected by the worker (and by tests).
import type { Resyncs } from '../client/resyncs';
import type { Sql } from '../data/db';
import type { DistrictSources } from '../data/district-sources';

export interface ActivityDeps {
  /** The state database: state tables and the resync bookkeeping. */
  readonly state: Sql;
  /** The districts' source databases. */
  readonly districtSources: DistrictSources;
  /** Submitting batches to district lanes (scheduled runs, rollovers, verify-then-resync). */
  readonly resyncs: Resyncs;
}
