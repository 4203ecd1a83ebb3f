// Starting a resync from the API: validate against the district and the planner (bad input
// changes nothing), then submit the batch to its lane.
import { newBatchId, ResyncAlreadyRunningError } from '../../client/resyncs';
import { getBatch, type BatchRecord } from '../../data/batches';
import { chosenOfOtherYears } from '../../data/record-sets';
import { countRetryableErrors } from '../../data/sync-errors';
import { getDistrict, schoolYearFor, type District } from '../../data/district-registry';
import {
  BatchIdCollisionError, CATALOG, checkSelection, districtCatalog, InvalidPlanRequestError, planResync, schoolYearLabel, yearIsOffered, type Initiator,
  type Plan,
} from '../../domain';
import { batchWorkflowId, type ResyncRequest } from '../../workflows/types';
import type { Principal } from '../auth';
import { temporalRunUrl, type ApiDeps } from '../deps';
import { HttpProblem } from '../problem';
import type { ResyncBody, SelectiveBody } from '../schemas';

export interface PlannedResync {
  readonly district: District;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly plan: Plan;
  /** Canonical names of the selection ('all' for a full resync). */
  readonly objects: 'all' | string[];
}

export async function planFromBody(deps: ApiDeps, districtId: string, body: ResyncBody): Promise<PlannedResync> {
  return planForDistrict(await getDistrict(deps.state, districtId), body);
}

/**
 * Plans a request for one district.
 * @throws InvalidPlanRequestError (unknown objects, a year the district does not sync)
 * @throws HttpProblem 422 when a selected object is not offered to the district, or nothing is left
 */
export function planForDistrict(district: District, body: ResyncBody): PlannedResync {
  const districtId = district.districtId;
  const plan = planResync({ objects: body.objects, checkDependencies: body.checkDependencies, year: body.year }, district.profile);
  if (body.objects !== 'all') {
    // Asking for an object the district is not offered is a mistake to point out, not to skip.
    const catalog = districtCatalog(district.profile);
    const selected = new Set(body.objects.map((name) => catalog.find(name)?.name));
    const refused = plan.excluded.filter((entry) => selected.has(entry.object));
    if (refused.length > 0) {
      throw new HttpProblem(422, 'Object Not Offered', refused.map((entry) => `${entry.object}: ${entry.reason}`).join('; '), { excluded: refused });
    }
  }
  if (plan.levels.length === 0) {
    throw new HttpProblem(422, 'Invalid Resync Request', 'nothing to resync: every requested object is excluded', { excluded: plan.excluded });
  }
  const planned = new Set(plan.levels.flat());
  const objects = body.objects === 'all' ? 'all' : plan.levels.flat().filter((name) =>
    !plan.addedByCheckDependencies.includes(name) && planned.has(name));
  return { district, districtId, schoolYear: schoolYearFor(district, body.year), plan, objects };
}

/** A batch records its end a moment before its lane hears of it; a district request arriving in
 *  that moment would be refused for a batch that has already finished. Ask again briefly. */
async function submitRefusingOnlyLiveBatches(deps: ApiDeps, request: ResyncRequest) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.resyncs.submit(request);
    } catch (error) {
      if (!(error instanceof ResyncAlreadyRunningError) || !error.running || attempt >= 40) throw error;
      const running = await getBatch(deps.state, error.running.batchId);
      if (!running || running.status === 'queued' || running.status === 'running') throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function initiatorOf(principal: Principal): Initiator {
  return principal.role === 'state' ? 'state' : 'district';
}

/** Submits under a fresh batch id. Ids are random enough never to meet (48 bits per second);
 *  should two ever do, the history refuses the second (never merges it) and it gets another id. */
async function submitWithFreshId(deps: ApiDeps, request: Omit<ResyncRequest, 'batchId'>) {
  for (let attempt = 1; ; attempt++) {
    const batchId = newBatchId();
    try {
      return { batchId, submitted: await submitRefusingOnlyLiveBatches(deps, { ...request, batchId }) };
    } catch (error) {
      if (!(error instanceof BatchIdCollisionError) || attempt >= 3) throw error;
      deps.log.error({ batchId, districtId: request.districtId }, 'batch id collision: refused by the history; retrying under a new id');
    }
  }
}

export async function startResync(deps: ApiDeps, principal: Principal, districtId: string, body: ResyncBody) {
  const planned = await planFromBody(deps, districtId, body);
  const initiator = initiatorOf(principal);
  const { batchId, submitted } = await submitWithFreshId(deps, {
    districtId, yearChoice: body.year, schoolYear: planned.schoolYear, objects: planned.objects,
    checkDependencies: body.checkDependencies, method: body.method, initiator, requestedBy: principal.name,
  });
  deps.log.info({ districtId, batchId, initiator, schoolYear: planned.schoolYear, position: submitted.position }, 'resync submitted');
  const workflowId = batchWorkflowId(districtId, planned.schoolYear, batchId);
  return {
    batchId,
    workflowId,
    districtId,
    schoolYear: planned.schoolYear,
    initiator,
    status: submitted.position === 0 ? 'starting' : 'queued',
    position: submitted.position,
    plan: planned.plan,
    links: { self: `/api/resyncs/${batchId}`, temporalUi: temporalRunUrl(deps, principal, workflowId) },
  };
}

/**
 * Starts a Selective Sync: the chosen records (and their parents / dependents, as asked) resync as
 * an ordinary batch of kind 'selective' in the district's lane. The ids are stored with the request.
 * @throws InvalidPlanRequestError (unknown object, not offered, bad ids) → 422
 */
export async function startSelectiveSync(deps: ApiDeps, principal: Principal, districtId: string, body: SelectiveBody) {
  const district = await getDistrict(deps.state, districtId);
  if (!yearIsOffered(district.profile, body.year)) throw new InvalidPlanRequestError(`the district is not configured to sync the ${body.year} school year`);
  const selection = checkSelection(body, district.profile, body.year);
  const schoolYear = schoolYearFor(district, body.year);
  const otherYears = await chosenOfOtherYears(
    deps.districtSources.for(district), district.sourceSchema, CATALOG.get(selection.object), selection.ids, schoolYear,
  );
  if (otherYears.length > 0) {
    const listed = otherYears.length > 10 ? `${otherYears.slice(0, 10).join(', ')} and ${otherYears.length - 10} more` : otherYears.join(', ');
    throw new InvalidPlanRequestError(`${selection.object} ${listed} ${otherYears.length === 1 ? 'is a record' : 'are records'} of another school year `
      + `than ${schoolYearLabel(schoolYear)} (the ${body.year} one of district ${districtId}): a Selective Sync resyncs one school year's records`);
  }
  const initiator = initiatorOf(principal);
  const { batchId, submitted } = await submitWithFreshId(deps, {
    districtId, yearChoice: body.year, schoolYear, objects: [selection.object], checkDependencies: false, selection,
    initiator, requestedBy: principal.name,
  });
  deps.log.info({ districtId, batchId, object: selection.object, records: selection.ids.length }, 'selective sync submitted');
  const workflowId = batchWorkflowId(districtId, schoolYear, batchId);
  return {
    batchId, workflowId, districtId, schoolYear, initiator, kind: 'selective' as const,
    status: submitted.position === 0 ? 'starting' : 'queued', position: submitted.position,
    selection: { object: selection.object, records: selection.ids.length, includeParents: selection.includeParents, includeDependents: selection.includeDependents },
    links: { self: `/api/resyncs/${batchId}`, temporalUi: temporalRunUrl(deps, principal, workflowId) },
  };
}

/**
 * Retries the records that failed in a batch because the state refused them or a parent was
 * missing — with the missing parents (and their parents) — as a selective batch in the lane.
 * @throws HttpProblem 422 when the batch has no such record
 */
export async function startRetryFailed(deps: ApiDeps, principal: Principal, batch: BatchRecord) {
  if (await countRetryableErrors(deps.state, [batch.batchId]) === 0) {
    throw new HttpProblem(422, 'Nothing To Retry', `batch ${batch.batchId} has no record that failed for a refusal or a missing parent`);
  }
  const initiator = initiatorOf(principal);
  const { batchId, submitted } = await submitWithFreshId(deps, {
    districtId: batch.districtId, yearChoice: batch.yearChoice, schoolYear: batch.schoolYear, objects: batch.requestedObjects ?? 'all',
    checkDependencies: false, selection: { retryOf: [batch.batchId], onlyDeferred: false }, initiator, requestedBy: principal.name,
  });
  const workflowId = batchWorkflowId(batch.districtId, batch.schoolYear, batchId);
  return {
    batchId, workflowId, districtId: batch.districtId, schoolYear: batch.schoolYear, initiator, kind: 'selective' as const, retryOf: batch.batchId,
    status: submitted.position === 0 ? 'starting' : 'queued', position: submitted.position,
    links: { self: `/api/resyncs/${batchId}`, temporalUi: temporalRunUrl(deps, principal, workflowId) },
  };
}
