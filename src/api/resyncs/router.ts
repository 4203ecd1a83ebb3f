// /api/resyncs/:batch: a batch (live while it runs), its cancellation, its error log.
import { Router } from 'express';
import { listBatchObjects } from '../../data/batch-objects';
import { getBatch } from '../../data/batches';
import { isFinished } from '../../domain';
import { verificationsOf } from '../../data/verifications';
import { principalOf, requireWrite, type Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { forbidden, HttpProblem, notFound } from '../problem';
import { BatchParams, ErrorsQuery, input } from '../schemas';
import { sendErrors } from './errors';
import { startRetryFailed } from './start';
import { batchView, hidesObjects, mayCancel, objectView } from './views';

/** The batch, if the caller may see it. Another district's batch is answered exactly like a
 *  missing one (404), so a district token cannot learn which batch ids exist elsewhere. */
async function findBatch(deps: ApiDeps, principal: Principal, batchId: string) {
  const batch = await getBatch(deps.state, batchId);
  if (!batch || (principal.role === 'district' && principal.districtId !== batch.districtId)) throw notFound(`no resync batch ${batchId}`);
  return batch;
}

export function resyncsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/:batch', async (req, res) => {
    const { params } = input(req, { params: BatchParams });
    const principal = principalOf(req);
    const batch = await findBatch(deps, principal, params.batch);
    const view = batchView(deps, principal, batch);
    if (hidesObjects(principal, batch)) return void res.json(view);
    const running = batch.status === 'running' ? await deps.resyncs.progress(batch.workflowId) : undefined;
    const objects = (await listBatchObjects(deps.state, batch.batchId)).map((result) => objectView(result, batch.method));
    const verifications = (await verificationsOf(deps.state, batch.batchId)).map((v) => ({
      purpose: v.purpose, inSync: v.inSync, createdAt: v.createdAt, objects: v.objects,
    }));
    res.json({ ...view, phase: running?.phase ?? (batch.status === 'running' ? 'syncing' : null), plan: batch.plan, objects, verifications });
  });

  // The records that failed in a batch (refused, or a parent missing), with the missing parents.
  router.post('/:batch/retry-failed', requireWrite, async (req, res) => {
    const { params } = input(req, { params: BatchParams });
    const principal = principalOf(req);
    const batch = await findBatch(deps, principal, params.batch);
    if (hidesObjects(principal, batch)) throw forbidden('the records of a state-requested resync are the state\'s to retry');
    if (batch.status === 'queued' || batch.status === 'running') throw new HttpProblem(409, 'Resync Not Finished', `batch ${batch.batchId} has not ended yet`);
    const started = await startRetryFailed(deps, principal, batch);
    res.status(202).location(started.links.self).json(started);
  });

  router.post('/:batch/cancel', requireWrite, async (req, res) => {
    const { params } = input(req, { params: BatchParams });
    const principal = principalOf(req);
    const batch = await findBatch(deps, principal, params.batch);
    if (!mayCancel(principal, batch)) {
      throw forbidden('a resync requested by the state can only be cancelled by the state');
    }
    const ended = (status: string) => new HttpProblem(409, 'Resync Not Running',
      `batch ${batch.batchId} has already ${status === 'completed' ? 'completed' : status === 'queued' || status === 'running' ? 'ended' : `ended (${status})`}`);
    if (isFinished(batch.status)) throw ended(batch.status);
    // The lane decides, atomically: withdrawn if still queued, cancelled if running, or already over.
    const outcome = await deps.resyncs.cancel(batch, principal.name);
    if (outcome === 'not in this lane') throw ended((await getBatch(deps.state, batch.batchId))?.status ?? batch.status);
    deps.log.info({ batchId: batch.batchId, districtId: batch.districtId, by: principal.name, outcome }, 'resync cancellation requested');
    res.status(202).json({ batchId: batch.batchId, cancellationRequested: true, outcome });
  });

  router.get('/:batch/errors', async (req, res) => {
    const { params, query } = input(req, { params: BatchParams, query: ErrorsQuery });
    const principal = principalOf(req);
    const batch = await findBatch(deps, principal, params.batch);
    if (hidesObjects(principal, batch)) throw forbidden('the objects of a state-requested resync are visible to state users only');
    await sendErrors(res, deps, batch, query);
  });

  return router;
}
