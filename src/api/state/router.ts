// /api/state: what only the state may do. A state resync request cannot be refused by the
// district: it is queued behind a running batch and raises a "State Resync Requested" alert.
import { Router } from 'express';
import { cancelStateWideResync, copyThrottleBound, listStateWideResyncs, stateWideProgress } from '../../client/state-wide';
import { assertState, principalOf, requireWrite } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpProblem, notFound } from '../problem';
import { startResync } from '../resyncs/start';
import { DistrictParams, input, ResyncBody, StateResyncBody, StateResyncParams } from '../schemas';
import { startStateWide } from './state-wide';

export function stateRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use((req, _res, next) => {
    assertState(principalOf(req));
    next();
  });
  router.post('/districts/:district/resync-requests', requireWrite, async (req, res) => {
    const { params, body } = input(req, { params: DistrictParams, body: ResyncBody });
    const started = await startResync(deps, principalOf(req), params.district, body);
    res.status(202).location(started.links.self).json(started);
  });

  // State-wide resyncs: many or all districts in one request (each district's batch in its lane).
  router.post('/resyncs', requireWrite, async (req, res) => {
    const { body } = input(req, { body: StateResyncBody });
    const started = await startStateWide(deps, principalOf(req), body);
    res.status(202).location(started.links.self).json(started);
  });
  router.get('/resyncs', async (_req, res) => {
    const [requests, maxActiveDistricts] = await Promise.all([
      listStateWideResyncs(deps.resyncs.client, 20),
      // What the page's confirmation says: at most this many districts copy at once (null: no bound).
      copyThrottleBound(deps.resyncs.client, deps.resyncs.maxActiveDistricts),
    ]);
    res.json({ requests, maxActiveDistricts });
  });
  router.get('/resyncs/:request', async (req, res) => {
    const { params } = input(req, { params: StateResyncParams });
    const progress = await stateWideProgress(deps.resyncs.client, params.request);
    if (!progress) throw notFound(`no state-wide resync ${params.request}`);
    res.json(progress);
  });
  router.post('/resyncs/:request/cancel', requireWrite, async (req, res) => {
    const { params } = input(req, { params: StateResyncParams });
    const by = principalOf(req).name;
    if (!(await cancelStateWideResync(deps.resyncs.client, params.request, by))) {
      if (!(await stateWideProgress(deps.resyncs.client, params.request))) throw notFound(`no state-wide resync ${params.request}`);
      throw new HttpProblem(409, 'Resync Not Running', `state-wide resync ${params.request} has already ended`);
    }
    res.status(202).json({ requestId: params.request, cancellationRequested: true });
  });
  return router;
}
