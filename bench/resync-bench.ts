// `npm run bench [-- --students N[,M] --topology separate|colocated|both --districts N
//   --district-students S --changed-share F --json --profile]`: every figure is a ratio against a
// baseline measured in the same run.
// - Per topology and size: a full resync through the API, Temporal and the real worker against the
//   physical limit (a raw COPY of the same records between the same servers); the orchestration
//   overhead of an empty district; the worker's and the API's peak RSS; the API's p50/p99 for the
//   object table under a read load, measured on a second resync (the first runs alone, as the raw
//   COPY does). `separate` puts the district's database on its own PostgreSQL server
//   (pages travel by COPY through the worker); `colocated` puts its schema in the state's database.
// - At the largest size of the separate topology, the record-level figures (record-level.ts).
// - A state-wide run of N districts on the separate topology (state-wide.ts).
import { parseArgs } from 'node:util';
import { createSql, type Sql } from '../src/data/db';
import { registerDistrict } from '../src/data/district-registry';
import { districtSchemaStatements } from '../src/data/schema/ddl';
import { planResync } from '../src/domain';
import { seedDistrict } from '../src/generator/seed-district';
import type { Topology } from '../src/services/databases';
import { fullResync, readLoad } from './api-calls';
import { baselineCopy } from './baseline-copy';
import { cpuSeconds, peakRssMb, percentile } from './processes';
import { measureRecordLevel, type DifferentialRun, type SelectiveRun } from './record-level';
import { districtTarget, log, startServices, startStack, truncateState, type Services, type Stack } from './stack';
import { measureStateWide, type StateWideRun } from './state-wide';

const SCHOOL_YEAR = 2026;

interface Run {
  topology: Topology;
  records: number;
  resyncSeconds: number;
  baselineSeconds: number;
  ratio: number;
  emptyResyncSeconds: number;
  workerPeakRssMb: number;
  /** CPU the worker process used during the measured resync (its COPY streams pass through it). */
  workerCpuSeconds: number;
  apiPeakRssMb: number;
  /** Latency of the tool's reads (4 callers at once) while a second full resync runs. */
  apiP50Ms: number;
  apiP99Ms: number;
  /** That second resync's time: the read load shares the machine's cores with it. */
  resyncUnderReadLoadSeconds: number;
}

/** What `--json` prints. */
interface Report {
  runs: Run[];
  stateWide?: StateWideRun;
  differential?: DifferentialRun[];
  selective?: SelectiveRun;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

async function emptyDistrictResync(stack: Stack, services: Services): Promise<number> {
  const target = await districtTarget(stack, 'bench_empty');
  const district = await registerDistrict(stack.sql, {
    districtId: 'bench_empty', name: 'Empty', state: null, reportingEntity: false, scopedYear: SCHOOL_YEAR, sourceUrl: target.sourceUrl,
  });
  const districtSql = createSql(target.url, { max: 1 });
  try {
    for (const statement of districtSchemaStatements(district.sourceSchema)) await districtSql.unsafe(statement);
  } finally {
    await districtSql.end({ timeout: 5 });
  }
  return (await fullResync(services.apiUrl, 'bench_empty')).seconds;
}

interface MeasureOptions {
  profile: boolean;
  /** Also measure the record-level figures on this district (share of records to change). */
  recordLevelShare: number | null;
}

async function measure(stack: Stack, students: number, options: MeasureOptions, report: Report): Promise<Run> {
  const districtId = `bench_${students}`;
  log(`${stack.topology}: seeding ${students} students…`);
  const target = await districtTarget(stack, districtId);
  const districtSql = createSql(target.url, { max: 2 });
  const seeded = await seedDistrict(stack.sql, districtSql, {
    districtId, students, scopedYear: SCHOOL_YEAR, state: null, reportingEntity: false, seed: 42, sourceUrl: target.sourceUrl,
  }).finally(() => districtSql.end({ timeout: 5 }));
  log(`seeded ${seeded.total} records in ${seeded.seconds.toFixed(1)} s`);
  const plan = planResync({ objects: 'all', checkDependencies: false, year: 'current' }, seeded.district.profile);

  await truncateState(stack.sql);
  const baselineStarted = performance.now();
  // Between the same two databases (two servers when separate) as the resync.
  const copied = await baselineCopy(target.url, stack.url, districtId, seeded.district.sourceSchema, SCHOOL_YEAR, plan.levels.flat());
  const baselineSeconds = (performance.now() - baselineStarted) / 1000;
  log(`baseline: ${copied} records in ${baselineSeconds.toFixed(1)} s`);
  await truncateState(stack.sql);

  const services = await startServices(stack);
  try {
    // A fresh worker's first workflow tasks load the workflow bundle: warm up before measuring,
    // and measure the orchestration overhead on the second empty resync.
    await emptyDistrictResync(stack, services);
    const emptyResyncSeconds = await emptyDistrictResync(stack, services);
    // The ratio compares like with like: the resync alone, as the raw COPY ran alone. The API's
    // latency is measured on a second resync into an empty state, under a read load.
    const cpuBefore = await cpuSeconds(services.workerPid);
    const resync = await fullResync(services.apiUrl, districtId);
    const workerCpuSeconds = round((await cpuSeconds(services.workerPid)) - cpuBefore);
    if (resync.status !== 'completed') throw new Error(`the resync ended ${resync.status}`);
    log(`resync: ${resync.processed} records in ${resync.seconds.toFixed(1)} s`);
    if (options.profile) await printProfile(stack.sql, resync.batchId);
    await truncateState(stack.sql);
    const load = readLoad(services.apiUrl, districtId, 4);
    const loaded = await fullResync(services.apiUrl, districtId);
    const latencies = await load.stop();
    if (loaded.status !== 'completed') throw new Error(`the resync under a read load ended ${loaded.status}`);
    log(`resync under a read load: ${loaded.seconds.toFixed(1)} s; ${latencies.length} reads`);
    const run: Run = {
      topology: stack.topology,
      records: seeded.total,
      resyncSeconds: round(resync.seconds),
      baselineSeconds: round(baselineSeconds),
      ratio: round(resync.seconds / baselineSeconds),
      emptyResyncSeconds: round(emptyResyncSeconds),
      workerPeakRssMb: await peakRssMb(services.workerPid),
      workerCpuSeconds,
      apiPeakRssMb: await peakRssMb(services.apiPid),
      apiP50Ms: round(percentile(latencies, 50), 1),
      apiP99Ms: round(percentile(latencies, 99), 1),
      resyncUnderReadLoadSeconds: round(loaded.seconds),
    };
    if (options.recordLevelShare !== null) {
      const measured = await measureRecordLevel(stack, services, {
        districtId, url: target.url, schema: seeded.district.sourceSchema, schoolYear: SCHOOL_YEAR,
      }, baselineSeconds, emptyResyncSeconds, options.recordLevelShare);
      report.differential = measured.differential;
      report.selective = measured.selective;
    }
    return run;
  } finally {
    await services.stop();
  }
}

/** Where a batch spent its time: phases, and the slowest objects (with --profile). */
async function printProfile(sql: Sql, batchId: string): Promise<void> {
  const [batch] = await sql`select requested_at, started_at, finished_at from resync.batch where batch_id = ${batchId}`;
  const [span] = await sql`select min(started_at) as first, max(finished_at) as last from resync.batch_object where batch_id = ${batchId}`;
  const seconds = (a: unknown, b: unknown) => ((new Date(b as string).getTime() - new Date(a as string).getTime()) / 1000).toFixed(2);
  log(`profile: queued→started ${seconds(batch?.requested_at, batch?.started_at)} s, started→first object ${seconds(batch?.started_at, span?.first)} s, `
    + `objects ${seconds(span?.first, span?.last)} s, last object→finished ${seconds(span?.last, batch?.finished_at)} s`);
  const slowest = await sql`select object, processed, extract(epoch from finished_at - started_at)::float as seconds
    from resync.batch_object where batch_id = ${batchId} order by seconds desc limit 8`;
  for (const row of slowest) log(`  ${String(row.object).padEnd(28)} ${String(row.processed).padStart(8)} records ${Number(row.seconds).toFixed(2)} s`);
}

function printTable(topology: Topology, runs: readonly Run[]): void {
  const lines = ['', `${topology} (${topology === 'separate' ? 'district and state on two PostgreSQL servers' : 'district schema in the state database'})`,
    'records    resync s  baseline s  ratio  resync rec/s  baseline rec/s  worker RSS MB  worker CPU s  API RSS MB  API p50 ms  API p99 ms'];
  for (const r of runs) {
    lines.push([
      String(r.records).padEnd(10), String(r.resyncSeconds).padStart(8), String(r.baselineSeconds).padStart(11), String(r.ratio).padStart(6),
      String(Math.round(r.records / r.resyncSeconds)).padStart(13), String(Math.round(r.records / r.baselineSeconds)).padStart(15),
      String(r.workerPeakRssMb).padStart(14), String(r.workerCpuSeconds).padStart(13), String(r.apiPeakRssMb).padStart(11), String(r.apiP50Ms).padStart(11), String(r.apiP99Ms).padStart(11),
    ].join(' '));
  }
  lines.push(`empty district (no records): full resync in ${runs.map((r) => `${r.emptyResyncSeconds} s`).join(', ')} (orchestration overhead)`);
  const [small, large] = runs;
  if (small && large) {
    lines.push(`growth ${small.records} → ${large.records} records (×${round(large.records / small.records, 1)}): `
      + `resync time ×${round(large.resyncSeconds / small.resyncSeconds)}, baseline time ×${round(large.baselineSeconds / small.baselineSeconds)}, `
      + `worker peak RSS ×${round(large.workerPeakRssMb / small.workerPeakRssMb)}, API peak RSS ×${round(large.apiPeakRssMb / small.apiPeakRssMb)}`);
  }
  console.log(lines.join('\n'));
}

function printRecordLevel(report: Report): void {
  const lines: string[] = [];
  for (const run of report.differential ?? []) {
    lines.push(`differential resync, ${run.changedShare === 1 ? 'into an empty state' : `${round(run.changedShare * 100, 2)} % of records changed`}: `
      + `${run.seconds} s (${run.written} written) vs ${run.baseline} ${run.baselineSeconds} s: ×${run.speedupOverBaseline} faster`);
  }
  if (report.selective) {
    const s = report.selective;
    lines.push(`selective sync of one student with dependents: ${s.records} records in ${s.seconds} s vs an empty district's full resync ${s.emptyResyncSeconds} s (×${round(s.seconds / s.emptyResyncSeconds)})`);
  }
  if (report.stateWide) {
    const w = report.stateWide;
    lines.push(`state-wide: ${w.districts} districts, ${w.records} records in ${w.seconds} s (${w.recordsPerSecond} rec/s) vs raw COPY one after another `
      + `${w.baselineSeconds} s (${w.baselineRecordsPerSecond} rec/s): ratio ${w.ratio}; at most ${w.maxActiveDistricts} copying at once; `
      + `worker peak RSS ${w.workerPeakRssMb} MB${w.singleDistrictWorkerPeakRssMb ? ` (×${round(w.workerPeakRssMb / w.singleDistrictWorkerPeakRssMb)} the single-district run's)` : ''}`);
  }
  if (lines.length > 0) console.log(['', ...lines].join('\n'));
}

const TOPOLOGIES: Record<string, readonly Topology[]> = { separate: ['separate'], colocated: ['colocated'], both: ['separate', 'colocated'] };

function positive(name: string, value: string, allowZero = false): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < (allowZero ? 0 : 1)) throw new Error(`--${name} takes a whole number${allowZero ? '' : ' above 0'}, not "${value}"`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      students: { type: 'string' }, topology: { type: 'string', default: 'both' },
      districts: { type: 'string', default: '50' }, 'district-students': { type: 'string', default: '460' },
      'changed-share': { type: 'string', default: '0.01' },
      json: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false },
    }, strict: true,
  });
  // About 44 records per student: 2 300 students ≈ 100 K records, 23 000 ≈ 1 M, 460 ≈ 20 K.
  const sizes = (values.students ?? '2300,23000').split(',').map((s) => positive('students', s.trim()));
  const topologies = TOPOLOGIES[values.topology];
  if (!topologies) throw new Error(`--topology is separate, colocated or both, not "${values.topology}"`);
  const districts = positive('districts', values.districts, true);
  const districtStudents = positive('district-students', values['district-students']);
  const share = Number(values['changed-share']);
  if (!(share > 0 && share < 1)) throw new Error(`--changed-share is a share between 0 and 1 (0.01 = 1 %), not "${values['changed-share']}"`);
  const largest = Math.max(...sizes);

  const report: Report = { runs: [] };
  for (const topology of topologies) {
    const stack = await startStack(topology);
    try {
      for (const students of sizes) {
        const recordLevel = topology === 'separate' && students === largest;
        report.runs.push(await measure(stack, students, { profile: values.profile, recordLevelShare: recordLevel ? share : null }, report));
      }
      if (topology === 'separate' && districts > 0) {
        const single = report.runs.find((run) => run.topology === 'separate' && run.records === Math.max(...report.runs.filter((r) => r.topology === 'separate').map((r) => r.records)));
        report.stateWide = await measureStateWide(stack, districts, districtStudents, SCHOOL_YEAR, single?.workerPeakRssMb ?? null);
      }
    } finally {
      await stack.stop();
    }
    if (!values.json) printTable(topology, report.runs.filter((run) => run.topology === topology));
  }
  if (values.json) console.log(JSON.stringify(report));
  else printRecordLevel(report);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
