// The year-end run (issue 11): many districts, each in its own database, resynced at once by one
// state-wide request through the API, bounded by the global throttle — against the raw COPY of the
// same districts' records one after another between the same servers, in the same run.
import { readEnv } from '../src/config';
import { createSql } from '../src/data/db';
import { planResync } from '../src/domain';
import { seedDistrict } from '../src/generator/seed-district';
import { stateWideResync } from './api-calls';
import { baselineCopy } from './baseline-copy';
import { peakRssMb } from './processes';
import { districtTarget, log, startServices, truncateState, type Stack } from './stack';

export interface StateWideRun {
  districts: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  baselineSeconds: number;
  baselineRecordsPerSecond: number;
  ratio: number;
  maxActiveDistricts: number;
  workerPeakRssMb: number;
  /** The worker's peak in the single-district run of the same topology (for the ratio the issue asks). */
  singleDistrictWorkerPeakRssMb: number | null;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function measureStateWide(
  stack: Stack, count: number, students: number, schoolYear: number, singleDistrictWorkerPeakRssMb: number | null,
): Promise<StateWideRun> {
  const districts: { districtId: string; url: string; schema: string; objects: string[] }[] = [];
  log(`state-wide: seeding ${count} districts of ${students} students…`);
  const seedStarted = performance.now();
  for (let index = 0; index < count; index++) {
    const districtId = `sw${String(index + 1).padStart(3, '0')}`;
    const target = await districtTarget(stack, districtId);
    const districtSql = createSql(target.url, { max: 2 });
    const seeded = await seedDistrict(stack.sql, districtSql, {
      districtId, students, scopedYear: schoolYear, state: null, reportingEntity: false, seed: 100 + index, sourceUrl: target.sourceUrl,
    }).finally(() => districtSql.end({ timeout: 5 }));
    const plan = planResync({ objects: 'all', checkDependencies: false, year: 'current' }, seeded.district.profile);
    districts.push({ districtId, url: target.url, schema: seeded.district.sourceSchema, objects: plan.levels.flat() });
  }
  log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);

  await truncateState(stack.sql);
  const baselineStarted = performance.now();
  let records = 0;
  for (const district of districts) {
    records += await baselineCopy(district.url, stack.url, district.districtId, district.schema, schoolYear, district.objects);
  }
  const baselineSeconds = (performance.now() - baselineStarted) / 1000;
  log(`baseline: ${records} records of ${count} districts, one after another, in ${baselineSeconds.toFixed(1)} s`);
  await truncateState(stack.sql);

  const services = await startServices(stack);
  try {
    // A fresh worker's first workflow tasks load the workflow bundle and compile the copy path:
    // warm it up on two districts (as the single-district figures do), then start from empty.
    await stateWideResync(services.apiUrl, districts.slice(0, 2).map((district) => district.districtId));
    await truncateState(stack.sql);
    const run = await stateWideResync(services.apiUrl, districts.map((district) => district.districtId));
    if (run.statuses.completed !== count) throw new Error(`state-wide: ${JSON.stringify(run.statuses)}`);
    log(`state-wide: ${run.processed} records in ${run.seconds.toFixed(1)} s`);
    return {
      districts: count, records: run.processed, seconds: round(run.seconds), recordsPerSecond: Math.round(run.processed / run.seconds),
      baselineSeconds: round(baselineSeconds), baselineRecordsPerSecond: Math.round(records / baselineSeconds),
      ratio: round(run.seconds / baselineSeconds),
      maxActiveDistricts: readEnv().RESYNC_MAX_ACTIVE_DISTRICTS,
      workerPeakRssMb: await peakRssMb(services.workerPid), singleDistrictWorkerPeakRssMb,
    };
  } finally {
    await services.stop();
  }
}
