// How batches look to each role. A district user sees that a state-requested batch ran, when,
// and its overall outcome, never which objects it covered (DESIGN §2.6).
import type { ObjectResult } from '../../data/batch-objects';
import type { BatchRecord } from '../../data/batches';
import { isRetry, type RecordSetRequest, type ResyncMethod } from '../../domain';
import type { Principal } from '../auth';
import { temporalRunUrl, type ApiDeps } from '../deps';

export function hidesObjects(principal: Pick<Principal, 'role'>, batch: Pick<BatchRecord, 'initiator'>): boolean {
  return principal.role === 'district' && batch.initiator === 'state';
}

/** Whether the caller's role may cancel the batch: the state any batch, a district its own batches
 *  but never a state request (DESIGN §2.6). Says nothing of rights, nor of whether it still runs. */
export function mayCancel(principal: Pick<Principal, 'role'>, batch: Pick<BatchRecord, 'initiator'>): boolean {
  return principal.role === 'state' || batch.initiator !== 'state';
}

export function batchView(deps: Pick<ApiDeps, 'temporalUi'>, principal: Pick<Principal, 'role' | 'name' | 'rights'>, batch: BatchRecord) {
  const outline = {
    batchId: batch.batchId,
    districtId: batch.districtId,
    schoolYear: batch.schoolYear,
    year: batch.yearChoice,
    initiator: batch.initiator,
    status: batch.status,
    requestedAt: batch.requestedAt,
    startedAt: batch.startedAt,
    finishedAt: batch.finishedAt,
    outcome: batch.status === 'completed' ? (batch.errors > 0 ? 'completed with errors' : 'completed') : batch.status,
    /** Offered to the caller now: queued or running, and theirs to cancel. */
    // The page offers Cancel only where it would be accepted: a running or queued batch the
    // caller's role may cancel, and Write rights.
    cancellable: (batch.status === 'queued' || batch.status === 'running') && mayCancel(principal, batch) && principal.rights.includes('write'),
  };
  if (hidesObjects(principal, batch)) return { ...outline, objectsHidden: true as const };
  return {
    ...outline,
    kind: batch.kind,
    requestedBy: batch.requestedBy,
    checkDependencies: batch.checkDependencies,
    requestedObjects: batch.requestedObjects,
    // A Selective Sync's choice, as people read it in the history (its ids stay in the request).
    selection: selectionView(batch.selection ?? null),
    method: batch.method ?? 'copy',
    plannedObjects: batch.plannedObjects,
    processed: batch.processed,
    errors: batch.errors,
    sent: batch.sent,
    deleted: batch.deleted,
    failure: batch.failure,
    // Who asked to cancel it, and when: the page writes "cancelled by <who> at <time>" in the
    // reader's time zone (failure carries the same words with the time in UTC).
    cancelRequestedBy: batch.cancelRequestedBy,
    cancelRequestedAt: batch.cancelRequestedAt,
    workflowId: batch.workflowId,
    temporalUi: temporalRunUrl(deps, principal, batch.workflowId),
  };
}

/** One object's result. Only a differential copy compares records, so only its results split
 *  processed into inserted, updated and unchanged (null otherwise). */
export function objectView(result: ObjectResult, method: ResyncMethod = 'copy') {
  const compared = method === 'differential';
  return {
    object: result.object, level: result.level, addedByCheckDependencies: result.addedByCheckDependencies,
    status: result.status, colour: result.colour, processed: result.processed, errors: result.errors, sent: result.sent,
    deleted: result.deleted, kept: result.kept,
    inserted: compared ? result.inserted : null, updated: compared ? result.updated : null, unchanged: compared ? result.unchanged : null,
    startedAt: result.startedAt, finishedAt: result.finishedAt, failure: result.failure,
    verifiedInSync: result.verifiedInSync,
  };
}

/** A selective batch's request without its ids: what was chosen, or which batches' failed records
 *  are retried. */
function selectionView(selection: RecordSetRequest | null) {
  if (!selection) return null;
  if (isRetry(selection)) return { retryOf: selection.retryOf, onlyDeferred: selection.onlyDeferred };
  return { object: selection.object, records: selection.ids.length, includeParents: selection.includeParents, includeDependents: selection.includeDependents };
}
