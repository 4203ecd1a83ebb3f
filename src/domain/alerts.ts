// Process alerts the system raises (the seed's "Process Alerts"), and the words of the alerts a
// batch's end raises. Pure: the finishing activity decides nothing else.
import type { FinishedBatchStatus, Initiator, ResyncKind } from './resync';
import { schoolYearLabel } from './school-year';

export const STATE_RESYNC_REQUESTED_ALERT = { category: 'Vertical Interoperability', title: 'State Resync Requested' } as const;
/** A batch failed: an object failed after its retries (its dependents were skipped). */
export const RESYNC_FAILED_ALERT = { category: 'Vertical Interoperability', title: 'Resync Failed' } as const;
/** A batch completed, but at least one object is red (more than 1 % of its records in error). */
export const RESYNC_RED_ALERT = { category: 'Vertical Interoperability', title: 'Resync Finished Red' } as const;

/** What the alert of a batch's end needs to know about the batch. */
export interface EndedBatch {
  readonly batchId: string;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly kind: ResyncKind;
  readonly initiator: Initiator;
  readonly requestedBy: string;
  readonly status: FinishedBatchStatus;
  readonly processed: number;
  readonly errors: number;
  readonly failure: string | null;
  /** Objects whose status colour is red. */
  readonly redObjects: readonly string[];
}

export interface BatchEndAlert {
  readonly category: string;
  readonly title: string;
  /** For the district's users: neutral (no objects, no counts) when the state requested the batch. */
  readonly districtMessage: string;
  /** For the state's users: the objects and counts. */
  readonly stateMessage: string;
}

/** Names at most `shown` objects: "A, B, C and 12 more". */
export function objectList(objects: readonly string[], shown = 8): string {
  if (objects.length <= shown) return objects.join(', ');
  return `${objects.slice(0, shown).join(', ')} and ${objects.length - shown} more`;
}

function whoAsked(batch: EndedBatch): string {
  if (batch.initiator === 'state') return `requested by the state (${batch.requestedBy})`;
  if (batch.initiator === 'schedule') return `scheduled (${batch.requestedBy})`;
  return `requested by ${batch.requestedBy}`;
}

/**
 * The alert a batch's end raises, or undefined: a failed batch, or a completed one with a red
 * object, raises one; a green or yellow batch does not, nor a cancelled one (someone stopped it on
 * purpose). DESIGN §2.6: for a batch the state requested, the district's words name no object.
 */
export function batchEndAlert(batch: EndedBatch): BatchEndAlert | undefined {
  const failed = batch.status === 'failed';
  if (!failed && !(batch.status === 'completed' && batch.redObjects.length > 0)) return undefined;
  const year = schoolYearLabel(batch.schoolYear);
  const subject = `The ${batch.kind} resync of district ${batch.districtId} for ${year} (batch ${batch.batchId}, ${whoAsked(batch)})`;
  const counts = `${batch.errors} of ${batch.processed} records did not reach the state`;
  const red = batch.redObjects.length > 0 ? ` Red: ${objectList(batch.redObjects)}.` : '';
  const full = failed
    ? `${subject} failed: ${batch.failure ?? 'an object failed'}.${red} ${counts}.`
    : `${subject} finished red: more than 1 % of the records of ${objectList(batch.redObjects)} did not reach the state (${counts}).`;
  const neutral = `The resync the state requested of district ${batch.districtId} for ${year} (batch ${batch.batchId}) ${failed ? 'failed' : 'finished with errors'}.`;
  return {
    ...(failed ? RESYNC_FAILED_ALERT : RESYNC_RED_ALERT),
    districtMessage: batch.initiator === 'state' ? neutral : full,
    stateMessage: full,
  };
}
