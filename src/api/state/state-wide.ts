// A state-wide resync request: plan it for every district it names (or every district), leave out
// with a reason the districts the year or the objects do not apply to, and start the run that
// hands each district's batch to its lane. Bad input changes nothing.
import { newBatchId } from '../../client/resyncs';
import { startStateWideResync } from '../../client/state-wide';
import { listDistricts } from '../../data/district-registry';
import { InvalidPlanRequestError } from '../../domain';
import type { StateWideResyncInput, StateWideTarget } from '../../workflows/state-wide-resync';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../problem';
import { planForDistrict } from '../resyncs/start';
import type { StateResyncBody } from '../schemas';

export async function startStateWide(deps: ApiDeps, principal: Principal, body: StateResyncBody) {
  const registered = await listDistricts(deps.state);
  const byId = new Map(registered.map((district) => [district.districtId, district]));
  if (body.districts !== 'all') {
    const unknown = [...new Set(body.districts)].filter((id) => !byId.has(id));
    if (unknown.length > 0) throw new HttpProblem(422, 'Unknown District', `not registered: ${unknown.join(', ')}`, { unknownDistricts: unknown });
  }
  const chosen = body.districts === 'all' ? registered : [...new Set(body.districts)].map((id) => byId.get(id)).filter((d) => d !== undefined);
  const targets: StateWideTarget[] = [];
  const skipped: { districtId: string; reason: string }[] = [];
  let objects: StateWideResyncInput['objects'] = 'all';
  for (const district of chosen) {
    try {
      const planned = planForDistrict(district, body);
      targets.push({ districtId: district.districtId, schoolYear: planned.schoolYear });
      if (planned.objects !== 'all') objects = planned.objects;
    } catch (error) {
      // An object name no district knows is the request's mistake; a year or an object one
      // district does not sync is that district's configuration: it is left out, with why.
      if (error instanceof InvalidPlanRequestError && error.unknownObjects.length > 0) throw error;
      if (error instanceof InvalidPlanRequestError || (error instanceof HttpProblem && error.status === 422)) {
        skipped.push({ districtId: district.districtId, reason: error.message });
        continue;
      }
      throw error;
    }
  }
  if (targets.length === 0) {
    throw new HttpProblem(422, 'Nothing To Resync', chosen.length === 0 ? 'no district is registered' : 'no district can run this request', { skipped });
  }
  const requestId = newBatchId();
  const workflowId = await startStateWideResync(deps.resyncs.client, deps.resyncs.taskQueue, {
    requestId, targets, skipped, objects, checkDependencies: body.checkDependencies, method: body.method, yearChoice: body.year, requestedBy: principal.name,
  });
  deps.log.info({ requestId, districts: targets.length, skipped: skipped.length, by: principal.name }, 'state-wide resync requested');
  return { requestId, workflowId, districts: targets.map((target) => target.districtId), skipped, links: { self: `/api/state/resyncs/${requestId}` } };
}
