// The nouns of a resync, defined once: who starts a batch, what a batch and an object of it can be,
// the counts every result carries, how districts and batches are named. Pure: workflows, activities,
// the data layer, the API and the CLI all import these.

/** Who asked for a batch (DESIGN §1 users): a district user, the state, or a schedule. */
export type Initiator = 'district' | 'state' | 'schedule';
export const INITIATORS: readonly Initiator[] = ['district', 'state', 'schedule'];

/** Full = every object applicable to the district (DESIGN §2.2); partial = the selected objects
 *  (§2.3); selective = chosen records, with their parents and dependents on request (§2.13). */
export type ResyncKind = 'full' | 'partial' | 'selective';

/** How records travel: `copy` writes every record of the objects; `differential` compares district
 *  and state page by page (a hash of the synced columns on each side) and writes only records
 *  that are missing or differ, removing (on a full resync) those the district no longer has. */
export type ResyncMethod = 'copy' | 'differential';
export const RESYNC_METHODS: readonly ResyncMethod[] = ['copy', 'differential'];

/** The life of a batch in the history (the seed's DISBatchHistory). */
export type BatchStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
/** How a batch ended. */
export type FinishedBatchStatus = Extract<BatchStatus, 'completed' | 'failed' | 'cancelled'>;

export function isFinished(status: BatchStatus): status is FinishedBatchStatus {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** The seed's Results column (DESIGN §2.8): records attempted, records that did not reach the
 *  state (including those not allowed to sync), and records written. */
export interface RecordCounts {
  /** Records attempted ("Processed"). */
  readonly processed: number;
  /** Records that did not reach the state ("Errors"), including records not allowed to sync. */
  readonly errors: number;
  /** Records written to the state ("total records sent", the Results hover). */
  readonly sent: number;
}

/** One object of one batch: the unit a copy, a result and an error log entry belong to. */
export interface BatchObjectRef {
  readonly batchId: string;
  readonly districtId: string;
  readonly object: string;
  /** The school year, named by the calendar year it starts in (2026 = 2026-27). */
  readonly schoolYear: number;
}

/** A district id: 1-40 lowercase letters, digits or `_`, starting with a letter or digit. It is
 *  part of schema names (`district_<id>`) and workflow ids, hence the narrow alphabet. */
export const DISTRICT_ID_PATTERN = /^[a-z0-9][a-z0-9_]{0,39}$/;
export const DISTRICT_ID_RULE = 'a district id is 1-40 lowercase letters, digits or _';

export function isValidDistrictId(districtId: string): boolean {
  return DISTRICT_ID_PATTERN.test(districtId);
}

/** A batch id: readable, sortable by time, unique — `20261128-153005-7f3a9c01b2d4` (UTC second,
 *  then 48 random bits: two batches started in the same second collide with odds of 1 in 2^48
 *  per pair, and a collision is refused by the history, never merged). */
export const BATCH_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{12}$/;
/** What the API accepts as a batch id in a path (older ids were shorter). */
export const BATCH_ID_PARAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Formats a batch id from a time and random hex digits.
 * @param at the moment the batch is requested (workflow code passes the workflow clock)
 * @param randomHex at least 12 hexadecimal digits (crypto in Node, `uuid4()` in workflows)
 * @throws Error when `randomHex` has fewer than 12 hex digits
 */
export function formatBatchId(at: Date, randomHex: string): string {
  const random = randomHex.replace(/[^0-9a-f]/gi, '').toLowerCase().slice(0, 12);
  if (random.length < 12) throw new Error('a batch id needs 12 random hex digits');
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${random}`;
}
