// /api/alerts: process alerts, for the state (all districts) or a district (its own).
import { Router } from 'express';
import { listAlerts } from '../../data/alerts';
import { assertDistrictAccess, principalOf } from '../auth';
import type { ApiDeps } from '../deps';
import { AlertsQuery, input } from '../schemas';

export function alertsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const { query } = input(req, { query: AlertsQuery });
    const principal = principalOf(req);
    const districtId = principal.role === 'district' ? principal.districtId : query.district;
    if (query.district) assertDistrictAccess(principal, query.district);
    const alerts = await listAlerts(deps.state, { limit: query.limit, offset: query.offset, ...(districtId ? { districtId } : {}) });
    res.json({ limit: query.limit, offset: query.offset, alerts });
  });
  return router;
}
