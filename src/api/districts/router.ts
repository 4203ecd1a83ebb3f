// /api/districts: the tool's object table, starting resyncs, plans, history and verification.
import { Router } from 'express';
import { activityHandler } from './activity';
import { latestObjectResults } from '../../data/batch-objects';
import { listBatches } from '../../data/batches';
import { countRecords } from '../../data/district-records';
import { getDistrict, listDistricts, schoolYearFor, setAutoRetryDeferred, type District } from '../../data/district-registry';
import { checkSelection, districtCatalog, offers, planRecordSet, planResync, yearIsOffered, type SchoolYearChoice } from '../../domain';
import { searchRecords } from '../../data/record-search';
import { previewRecordSet } from '../../data/record-sets';
import { verifiableObjects, verifyDistrict } from '../../verification/summary';
import { assertDistrictAccess, principalOf, requireWrite, requireWriteTo } from '../auth';
import type { ApiDeps } from '../deps';
import { ConcurrencyLimit, VERIFICATION_RETRY_AFTER_SECONDS } from '../limits';
import { HttpProblem } from '../problem';
import { planWarning } from '../resyncs/plan-warning';
import { planFromBody, startResync, startSelectiveSync } from '../resyncs/start';
import { batchView, objectView } from '../resyncs/views';
import {
  DistrictParams, DistrictSettingsBody, HistoryQuery, input, RecordSearchQuery, ResyncBody, SelectiveBody, VerificationQuery, YearBody, YearQuery,
} from '../schemas';
import { startVerifyThenResync } from '../../client/lifecycle';
import { temporalRunUrl } from '../deps';

function assertYearOffered(district: District, year: SchoolYearChoice): void {
  if (!yearIsOffered(district.profile, year)) {
    throw new HttpProblem(422, 'School Year Not Offered', `district ${district.districtId} is not configured to sync the ${year} school year`);
  }
}

const splitOf = ({ inserted, updated, unchanged, deleted }: ReturnType<typeof objectView>) => ({ inserted, updated, unchanged, deleted });

export function districtsRouter(deps: ApiDeps): Router {
  const router = Router();
  // Each verification reads every object of the district on both sides: a few at a time per district.
  const verifications = new ConcurrencyLimit(deps.limits.verificationsPerDistrict);

  // Who may touch a district is settled before anything else about the request is looked at.
  router.param('district', (req, _res, next, value: string) => {
    DistrictParams.parse({ district: value });
    assertDistrictAccess(principalOf(req), value);
    next();
  });

  router.get('/', async (req, res) => {
    const principal = principalOf(req);
    const districts = (await listDistricts(deps.state))
      .filter((district) => principal.role === 'state' || district.districtId === principal.districtId);
    res.json({
      districts: districts.map((district) => ({
        districtId: district.districtId, name: district.name, state: district.profile.state,
        reportingEntity: district.profile.reportingEntity, scopedYear: district.scopedYear,
        autoRetryDeferred: district.autoRetryDeferred,
        years: {
          current: district.scopedYear,
          previous: yearIsOffered(district.profile, 'previous') ? district.scopedYear - 1 : null,
          next: yearIsOffered(district.profile, 'next') ? district.scopedYear + 1 : null,
        },
      })),
    });
  });

  // Settings: whether records that failed for a missing parent are retried once a batch lands it.
  router.patch('/:district', requireWriteTo('changing a district\'s settings'), async (req, res) => {
    const { params, body } = input(req, { params: DistrictParams, body: DistrictSettingsBody });
    const district = await setAutoRetryDeferred(deps.state, params.district, body.autoRetryDeferred);
    deps.log.info({ districtId: district.districtId, autoRetryDeferred: district.autoRetryDeferred, by: principalOf(req).name }, 'district settings changed');
    res.json({ districtId: district.districtId, autoRetryDeferred: district.autoRetryDeferred });
  });

  router.get('/:district/objects', async (req, res) => {
    const { params, query } = input(req, { params: DistrictParams, query: YearQuery });
    const principal = principalOf(req);
    assertDistrictAccess(principal, params.district);
    const district = await getDistrict(deps.state, params.district);
    assertYearOffered(district, query.year);
    const schoolYear = schoolYearFor(district, query.year);
    const latest = await latestObjectResults(deps.state, district.districtId, schoolYear, { includeStateBatches: principal.role === 'state' });
    const fullPlan = planResync({ objects: 'all', checkDependencies: false, year: query.year }, district.profile);
    const levelOf = new Map(fullPlan.levels.flatMap((level, index) => level.map((name) => [name, index + 1] as const)));
    const all = offers(district.profile, query.year);
    res.json({
      districtId: district.districtId,
      year: query.year,
      schoolYear,
      objects: all.filter((offer) => !offer.notOfferedBecause).map(({ object }) => {
        const result = latest.get(object.name);
        return {
          object: object.name,
          level: levelOf.get(object.name) ?? null,
          parents: object.parents,
          lastResync: result?.lastResync ?? null,
          processed: result?.processed ?? null,
          errors: result?.errors ?? null,
          sent: result?.sent ?? null,
          status: result?.status ?? null,
          colour: result?.colour ?? null,
          batchId: result?.batchId ?? null,
          // Records that failed in that batch and later Selective Syncs landed (taken off errors).
          resolvedSince: result?.resolvedSince ?? null,
          // How that batch wrote; a differential batch's split of processed (null otherwise), as
          // GET /api/resyncs/:batch gives it, so the page can show it without reading each batch.
          method: result?.method ?? null,
          ...(result ? splitOf(objectView(result, result.method)) : { inserted: null, updated: null, unchanged: null, deleted: null }),
        };
      }),
      notOffered: all.filter((offer) => offer.notOfferedBecause).map((offer) => ({ object: offer.object.name, reason: offer.notOfferedBecause })),
    });
  });

  router.post('/:district/resyncs/plan', async (req, res) => {
    const { params, body } = input(req, { params: DistrictParams, body: ResyncBody });
    const principal = principalOf(req);
    assertDistrictAccess(principal, params.district);
    const planned = await planFromBody(deps, params.district, body);
    const { district } = planned;
    const source = deps.districtSources.for(district);
    const counted = await Promise.all(planned.plan.levels.flat().map(async (object) =>
      [object, await countRecords(source, district.sourceSchema, object, planned.schoolYear)] as const));
    const records: Record<string, number> = Object.fromEntries(counted);
    // Records whose parents are not at the state will fail: say which, and what to add.
    const warning = await planWarning(deps, principal, planned, body.year, records);
    res.json({ districtId: params.district, schoolYear: planned.schoolYear, plan: planned.plan, records, warning });
  });

  router.post('/:district/resyncs', requireWrite, async (req, res) => {
    const { params, body } = input(req, { params: DistrictParams, body: ResyncBody });
    const principal = principalOf(req);
    assertDistrictAccess(principal, params.district);
    const started = await startResync(deps, principal, params.district, body);
    res.status(202).location(started.links.self).json(started);
  });

  // Selective Sync: chosen records (with their parents, and on request everything below them).
  router.post('/:district/selective-syncs', requireWrite, async (req, res) => {
    const { params, body } = input(req, { params: DistrictParams, body: SelectiveBody });
    const started = await startSelectiveSync(deps, principalOf(req), params.district, body);
    res.status(202).location(started.links.self).json(started);
  });

  /** The record set a selection would resync, per object, without starting anything. */
  router.post('/:district/selective-syncs/plan', async (req, res) => {
    const { params, body } = input(req, { params: DistrictParams, body: SelectiveBody });
    const district = await getDistrict(deps.state, params.district);
    assertYearOffered(district, body.year);
    const selection = checkSelection(body, district.profile, body.year);
    const schoolYear = schoolYearFor(district, body.year);
    const preview = await previewRecordSet(deps.districtSources, district, selection, body.year, schoolYear);
    const plan = planRecordSet(Object.keys(preview.counts).concat(selection.object), district.profile, body.year);
    res.json({
      districtId: district.districtId, schoolYear, object: selection.object, records: selection.ids.length,
      includeParents: selection.includeParents, includeDependents: selection.includeDependents,
      levels: plan.levels.map((level) => level.map((object) => ({ object, records: preview.counts[object] ?? 0 }))),
      total: Object.values(preview.counts).reduce((sum, n) => sum + n, 0),
      notAtDistrict: preview.notAtDistrict,
      // Chosen records of another school year: left out here, refused when sent.
      otherYears: preview.otherYears,
    });
  });

  router.get('/:district/records', async (req, res) => {
    const { params, query } = input(req, { params: DistrictParams, query: RecordSearchQuery });
    const district = await getDistrict(deps.state, params.district);
    const object = districtCatalog(district.profile).find(query.object);
    if (!object) throw new HttpProblem(422, 'Unknown Object', `unknown object "${query.object}"`);
    assertYearOffered(district, query.year);
    const found = await searchRecords(deps.districtSources.for(district), deps.state, district, object.name, query.q, query.limit, schoolYearFor(district, query.year));
    res.json({ districtId: district.districtId, object: object.name, records: found });
  });

  router.get('/:district/activity', activityHandler(deps));

  router.get('/:district/history', async (req, res) => {
    const { params, query } = input(req, { params: DistrictParams, query: HistoryQuery });
    const principal = principalOf(req);
    assertDistrictAccess(principal, params.district);
    const district = await getDistrict(deps.state, params.district);
    const schoolYear = query.year === undefined ? undefined : schoolYearFor(district, query.year);
    const page = await listBatches(deps.state, district.districtId, {
      limit: query.limit, offset: query.offset, ...(schoolYear !== undefined ? { schoolYear } : {}),
    });
    res.json({
      districtId: district.districtId, total: page.total, limit: query.limit, offset: query.offset,
      batches: page.batches.map((batch) => batchView(deps, principal, batch)),
    });
  });

  router.get('/:district/verification', async (req, res) => {
    const { params, query } = input(req, { params: DistrictParams, query: VerificationQuery });
    assertDistrictAccess(principalOf(req), params.district);
    const district = await getDistrict(deps.state, params.district);
    assertYearOffered(district, query.year);
    const selection = query.objects?.split(',').map((name) => name.trim()).filter(Boolean);
    const objects = verifiableObjects(district, query.year, selection);
    if (selection && objects.length < new Set(selection.map((s) => s.toLowerCase())).size) {
      const known = new Set(objects.map((o) => o.toLowerCase()));
      throw new HttpProblem(422, 'Invalid Verification Request', `not verifiable for this district and year: ${selection.filter((s) => !known.has(s.toLowerCase())).join(', ')}`);
    }
    const schoolYear = schoolYearFor(district, query.year);
    const release = verifications.tryAcquire(district.districtId);
    if (!release) {
      throw new HttpProblem(429, 'Too Many Verifications',
        `district ${district.districtId} already has ${verifications.perKey} verification${verifications.perKey === 1 ? '' : 's'} running, ` +
        `the most allowed at once: try again when one has finished`,
        {}, { 'Retry-After': String(VERIFICATION_RETRY_AFTER_SECONDS) });
    }
    let results: Awaited<ReturnType<typeof verifyDistrict>>;
    try {
      results = await verifyDistrict(deps, district, schoolYear, objects);
    } finally {
      release();
    }
    res.json({ districtId: district.districtId, year: query.year, schoolYear, inSync: results.every((r) => r.inSync), objects: results });
  });

  router.post('/:district/verify-and-resync', requireWrite, async (req, res) => {
    const { params, body } = input(req, { params: DistrictParams, body: YearBody });
    const principal = principalOf(req);
    assertDistrictAccess(principal, params.district);
    const district = await getDistrict(deps.state, params.district);
    assertYearOffered(district, body.year);
    const workflowId = await startVerifyThenResync(deps.resyncs.client, deps.resyncs.taskQueue, {
      districtId: district.districtId, yearChoice: body.year, schoolYear: schoolYearFor(district, body.year),
      initiator: principal.role === 'state' ? 'state' : 'district', requestedBy: principal.name,
    });
    res.status(202).json({ workflowId, temporalUi: temporalRunUrl(deps, principal, workflowId) });
  });

  return router;
}
