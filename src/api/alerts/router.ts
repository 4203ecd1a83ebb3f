// /api/alerts: process alerts. The state's users have one inbox across every district (narrowed
// with ?district=); a district's users see their district's. Unread first, then newest first;
// each user marks alerts read for themselves (Read rights suffice: it changes no resync).
import { Router } from 'express';
import { listInbox, markAlertRead, type Inbox, type InboxAlert } from '../../data/alerts';
import { assertDistrictAccess, principalOf, type Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { notFound } from '../problem';
import { AlertParams, AlertsQuery, input } from '../schemas';

function inboxOf(principal: Principal, district?: string): Inbox {
  if (district) assertDistrictAccess(principal, district);
  return principal.role === 'district' ? { role: 'district', districtId: principal.districtId } : { role: 'state', districtId: district };
}

export function alertsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const { query } = input(req, { query: AlertsQuery });
    const principal = principalOf(req);
    const page = await listInbox(deps.state, inboxOf(principal, query.district), principal.id, {
      limit: query.limit, offset: query.offset, unreadOnly: query.unread === 'true',
    });
    res.json({ limit: query.limit, offset: query.offset, total: page.total, unread: page.unread, alerts: page.alerts.map(alertView) });
  });

  router.post('/:alert/read', async (req, res) => {
    const { params } = input(req, { params: AlertParams });
    const principal = principalOf(req);
    // Another district's alert, or one addressed only to the state, is answered like a missing one.
    const alert = await markAlertRead(deps.state, inboxOf(principal), principal.id, params.alert);
    if (!alert) throw notFound(`no alert ${params.alert}`);
    res.json(alertView(alert));
  });

  return router;
}

function alertView(alert: InboxAlert) {
  return {
    alertId: alert.alertId, districtId: alert.districtId, category: alert.category, title: alert.title, message: alert.message,
    batchId: alert.batchId, createdAt: alert.createdAt, read: alert.readAt !== null, readAt: alert.readAt,
  };
}
