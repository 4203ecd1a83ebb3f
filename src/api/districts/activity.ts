// GET /api/districts/:district/activity — what the tool page polls to stay live: the district's
// queued and running batches (with the objects of those the caller may see), and marks that change
// when the history or the alerts do. Answered from the activity feed's memory; with If-None-Match
// an unchanged document is a 304 without a body.
import type { RequestHandler } from 'express';
import type { DistrictActivity } from '../../data/activity';
import { ActivityFeed } from '../activity/feed';
import { principalOf, type Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { batchView, hidesObjects, objectView } from '../resyncs/views';
import { DistrictParams, EmptyQuery, input } from '../schemas';

/** The document one reader sees. A district reader sees a state request's outline only. */
export function activityView(deps: Pick<ApiDeps, 'temporalUi'>, principal: Principal, activity: DistrictActivity) {
  return {
    districtId: activity.districtId,
    batches: activity.active.map((batch) => {
      const view = batchView(deps, principal, batch);
      if (hidesObjects(principal, batch)) return view;
      return { ...view, objects: (activity.objects.get(batch.batchId) ?? []).map((result) => objectView(result, batch.method)) };
    }),
    marks: { batches: activity.batches, lastFinishedAt: activity.lastFinishedAt, lastAlertId: activity.lastAlertId },
  };
}

/** Readers who see the same document: the view differs by role and by whether they may cancel. */
const audienceOf = (principal: Principal): string => `${principal.role}:${principal.rights.includes('write') ? 'write' : 'read'}`;

const matches = (header: string | undefined, etag: string): boolean =>
  header !== undefined && header.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');

export function activityHandler(deps: ApiDeps): RequestHandler {
  const feed = new ActivityFeed(deps.state, deps.log, deps.metrics.registry);
  return async (req, res) => {
    const { params } = input(req, { params: DistrictParams, query: EmptyQuery });
    const principal = principalOf(req);
    const { body, etag } = await feed.rendered(params.district, audienceOf(principal), (activity) => activityView(deps, principal, activity));
    res.set('ETag', etag);
    if (matches(req.get('if-none-match'), etag)) return void res.status(304).end();
    res.type('application/json').send(body);
  };
}
