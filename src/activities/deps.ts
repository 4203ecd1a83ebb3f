// What activities need from the outside world, injected by the worker (and by tests). The
// activities declare the small interfaces they use; the worker wires real implementations, so the
// activities never import the Temporal client (nor anything that imports workflows).
import type { Sql } from '../data/db';
import type { DistrictSources } from '../data/district-sources';
import type { ResyncEvent } from '../notifications/events';
import type { WebhookTarget } from '../notifications/webhook';
import type { BatchOutcome, CancelOutcome, ResyncRequest, SubmitResult } from '../workflows/types';

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
  /** Signals a batch's outcome to the workflow waiting for it (batch-outcome.ts); a waiter that
   *  has closed is not an error. */
  tellBatchFinished(waiter: string, outcome: BatchOutcome): Promise<void>;
  /** Gives `holder`'s copy permit back to the global throttle, whatever this worker's own bound
   *  (another worker's may have granted it); none running is not an error. */
  releaseCopyPermit(holder: string): Promise<void>;
}

/** Starts the delivery of an outbound notification (one small workflow per event, so that a
 *  receiver that is down holds up neither the batch nor its lane). */
export interface NotificationStarter {
  /** Starts delivering the event; an event whose delivery was started before is not started again. */
  start(event: ResyncEvent): Promise<void>;
}

export interface ActivityDeps {
  /** The state database: state tables and the resync bookkeeping. */
  readonly state: Sql;
  /** The districts' source databases. */
  readonly districtSources: DistrictSources;
  readonly lanes: LaneSubmitter;
  /** Where events go (RESYNC_WEBHOOK_URL, RESYNC_WEBHOOK_SECRET); absent: no outbound notifications. */
  readonly webhook?: WebhookTarget | undefined;
  /** Starts deliveries; set together with `webhook`. */
  readonly notifications?: NotificationStarter | undefined;
}
