// `npm run bench [-- --students N[,M] --topology separate|colocated|both --json --profile]`: a
// full resync through Temporal with the real worker against the physical limit (a raw COPY of the
// same records between the same servers), in the same run, at two sizes, per topology: `separate`
// (the district's database on its own PostgreSQL server, the state's on another: pages travel by
// COPY through the worker) and `colocated` (the district's schema in the state's database: pages
// move inside PostgreSQL). Prints records/s for both, the ratio, the orchestration overhead of an
// empty district, the worker's and the API's peak RSS, and the API's p50/p99 for the object table
// under load.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readEnv } from '../src/config';
import { createSql, type Sql } from '../src/data/db';
import { registerDistrict } from '../src/data/district-registry';
import { districtDatabase, type Topology } from '../src/services/databases';
import { migrate } from '../src/data/migrations';
import { districtSchemaStatements } from '../src/data/schema/ddl';
import { SCHEMA_CATALOG, STATE_SCHEMA } from '../src/data/schema/columns';
import { planResync } from '../src/domain';
import { seedDistrict } from '../src/generator/seed-district';
import { startEmbeddedPostgres } from '../src/services/postgres-server';
import { resolveTemporalCli } from '../src/services/temporal-cli';
import { startDevServer } from '../src/services/temporal-dev-server';
import { freePort } from '../tests/setup/ports';
import { baselineCopy } from './baseline-copy';
import { cpuSeconds, peakRssMb, percentile, spawnService, stopService, waitFor } from './processes';

const TOKEN = 'bench-state-token';
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
  apiP50Ms: number;
  apiP99Ms: number;
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

async function truncateState(sql: Sql): Promise<void> {
  const tables = SCHEMA_CATALOG.objects.map((object) => `"${STATE_SCHEMA}"."${object.table}"`).join(', ');
  await sql.unsafe(`truncate ${tables}`);
}

interface Stack {
  topology: Topology;
  /** The state's database. */
  sql: Sql;
  url: string;
  /** The district server's default database: the state's (colocated), or one on a second server. */
  districtUrl: string;
  temporalAddress: string;
  stop(): Promise<void>;
}

/** PostgreSQL for the state, a second server for the districts (separate), and Temporal. */
async function startStack(topology: Topology): Promise<Stack> {
  const env = readEnv();
  const dir = await mkdtemp(path.join(tmpdir(), 'state-resync-bench-'));
  // Each server's data directory sits inside: PostgreSQL's own user (as root) must enter it.
  await chmod(dir, 0o711);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'state'), port: await freePort() });
  const districtServer = topology === 'separate'
    ? await startEmbeddedPostgres({ dataDir: path.join(dir, 'districts'), port: await freePort(), database: 'districts' })
    : null;
  const cli = await resolveTemporalCli({ cliPath: env.TEMPORAL_CLI_PATH, cacheDir: env.RESYNC_CACHE_DIR, log });
  const temporal = await startDevServer({ cliPath: cli.path, port: await freePort(), namespace: 'default', dbFilename: path.join(dir, 'temporal.db') });
  const sql = createSql(postgres.url, { max: 4 });
  await migrate(sql);
  return {
    topology, sql, url: postgres.url, districtUrl: districtServer?.url ?? postgres.url, temporalAddress: temporal.address,
    stop: async () => {
      await sql.end({ timeout: 5 });
      await temporal.stop();
      await districtServer?.stop();
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Services {
  apiUrl: string;
  workerPid: number | undefined;
  apiPid: number | undefined;
  stop(): Promise<void>;
}

async function startServices(stack: Stack): Promise<Services> {
  const port = await freePort();
  const env = {
    STATE_DATABASE_URL: stack.url, DISTRICT_DATABASE_URL: stack.districtUrl, TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: 'bench', RESYNC_API_TOKENS: `${TOKEN}=state`, PORT: String(port), LOG_LEVEL: 'error',
  };
  const worker = spawnService('src/worker.ts', { ...env, WORKER_METRICS_PORT: String(await freePort()) });
  const api = spawnService('src/api/server.ts', {
    ...env, API_METRICS_PORT: String(await freePort()),
    // The read load below is one caller on purpose: the per-caller rate limit would answer it 429.
    API_RATE_LIMIT: '1000000',
  });
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${apiUrl}/healthz`)).status === 200, 120_000, 'the API and worker');
  return {
    apiUrl, workerPid: worker.pid, apiPid: api.pid,
    stop: async () => {
      await stopService(api);
      await stopService(worker);
    },
  };
}

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** Starts a full resync through the API and waits for it; returns the seconds it took. */
async function fullResync(apiUrl: string, districtId: string): Promise<{ seconds: number; status: string; processed: number; batchId: string }> {
  const started = performance.now();
  const response = await fetch(`${apiUrl}/api/districts/${districtId}/resyncs`, { method: 'POST', headers, body: JSON.stringify({ objects: 'all' }) });
  if (response.status !== 202) throw new Error(`starting the resync: ${response.status} ${await response.text()}`);
  const { batchId } = await response.json() as { batchId: string };
  for (;;) {
    const batch = await (await fetch(`${apiUrl}/api/resyncs/${batchId}`, { headers })).json() as { status: string; processed: number };
    if (!['queued', 'running'].includes(batch.status)) return { seconds: (performance.now() - started) / 1000, status: batch.status, processed: batch.processed, batchId };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Reads the object table with bounded concurrency until stopped; returns latencies in ms. */
function readLoad(apiUrl: string, districtId: string, concurrency: number): { stop: () => Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${apiUrl}/api/districts/${districtId}/objects`, { headers });
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      // Bounded: a steady trickle of tool-page reads, not a flood.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return { stop: async () => { running = false; await Promise.all(loops); return latencies; } };
}

/** Where a district of the stack's topology lives: its own database on the district server
 *  (separate), or the state's database (colocated). */
async function districtTarget(stack: Stack, districtId: string): Promise<{ url: string; sourceUrl: string | null }> {
  return districtDatabase({ state: stack.url, district: stack.districtUrl }, districtId, stack.topology);
}

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

let profile = false;

async function measure(stack: Stack, students: number): Promise<Run> {
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
  await stack.sql.unsafe('checkpoint');

  const services = await startServices(stack);
  try {
    // A fresh worker's first workflow tasks load the workflow bundle: warm up before measuring,
    // and measure the orchestration overhead on the second empty resync.
    await emptyDistrictResync(stack, services);
    const emptyResyncSeconds = await emptyDistrictResync(stack, services);
    const load = readLoad(services.apiUrl, districtId, 4);
    const cpuBefore = await cpuSeconds(services.workerPid);
    const resync = await fullResync(services.apiUrl, districtId);
    const workerCpuSeconds = round((await cpuSeconds(services.workerPid)) - cpuBefore);
    const latencies = await load.stop();
    if (resync.status !== 'completed') throw new Error(`the resync ended ${resync.status}`);
    log(`resync: ${resync.processed} records in ${resync.seconds.toFixed(1)} s; ${latencies.length} reads`);
    if (profile) await printProfile(stack.sql, resync.batchId);
    return {
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
    };
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

const TOPOLOGIES: Record<string, readonly Topology[]> = { separate: ['separate'], colocated: ['colocated'], both: ['separate', 'colocated'] };

/** What `--json` prints: one entry per topology and size under `runs` (more keys may join it). */
interface Report {
  runs: Run[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      students: { type: 'string' }, topology: { type: 'string', default: 'both' },
      json: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false },
    }, strict: true,
  });
  profile = values.profile;
  // About 44 records per student: 2 300 students ≈ 100 K records, 23 000 ≈ 1 M.
  const sizes = (values.students ?? '2300,23000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--students takes positive whole numbers, e.g. 2300,23000');
  const topologies = TOPOLOGIES[values.topology];
  if (!topologies) throw new Error(`--topology is separate, colocated or both, not "${values.topology}"`);
  const report: Report = { runs: [] };
  for (const topology of topologies) {
    const stack = await startStack(topology);
    try {
      for (const students of sizes) report.runs.push(await measure(stack, students));
    } finally {
      await stack.stop();
    }
    if (!values.json) printTable(topology, report.runs.filter((run) => run.topology === topology));
  }
  if (values.json) console.log(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
