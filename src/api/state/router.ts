// /api/state: what only the state may do. A state resync request cannot be refused by the
// district: it is queued behind a running batch and raises a "State Resync Requested" alert.
import { Router } from 'express';
import { assertState, principalOf, requireWrite } from '../auth';
import type { ApiDeps } from '../deps';
import { startResync } from '../resyncs/start';
import { DistrictParams, input, ResyncBody } from '../schemas';

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
  return router;
}
