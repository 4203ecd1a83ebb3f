// The bench's world: PostgreSQL for the state, a second server for the districts (separate
// topology) and a Temporal dev server; the worker and the API as real processes beside them.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readEnv } from '../src/config';
import { createSql, type Sql } from '../src/data/db';
import { migrate } from '../src/data/migrations';
import { SCHEMA_CATALOG, STATE_SCHEMA } from '../src/data/schema/columns';
import { districtDatabase, type Topology } from '../src/services/databases';
import { startEmbeddedPostgres } from '../src/services/postgres-server';
import { resolveTemporalCli } from '../src/services/temporal-cli';
import { startDevServer } from '../src/services/temporal-dev-server';
import { workerProcessEnv } from '../src/services/worker-process';
import { freePort } from '../tests/setup/ports';
import { spawnService, stopService, waitFor } from './processes';

export const BENCH_TOKEN = 'bench-state-token';

export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

export interface Stack {
  topology: Topology;
  /** The state's database. */
  sql: Sql;
  url: string;
  /** The district server's default database: the state's (colocated), or one on a second server. */
  districtUrl: string;
  temporalAddress: string;
  stop(): Promise<void>;
}

export async function startStack(topology: Topology): Promise<Stack> {
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

/** Where a district of the stack's topology lives: its own database on the district server
 *  (separate), or the state's database (colocated). */
export async function districtTarget(stack: Stack, districtId: string): Promise<{ url: string; sourceUrl: string | null }> {
  return districtDatabase({ state: stack.url, district: stack.districtUrl }, districtId, stack.topology);
}

/** Empties every state table (between a baseline and a resync of the same records). */
export async function truncateState(sql: Sql): Promise<void> {
  const tables = SCHEMA_CATALOG.objects.map((object) => `"${STATE_SCHEMA}"."${object.table}"`).join(', ');
  await sql.unsafe(`truncate ${tables}`);
  await sql.unsafe('checkpoint');
}

export interface Services {
  apiUrl: string;
  workerPid: number | undefined;
  apiPid: number | undefined;
  stop(): Promise<void>;
}

export async function startServices(stack: Stack): Promise<Services> {
  const port = await freePort();
  const env = {
    STATE_DATABASE_URL: stack.url, DISTRICT_DATABASE_URL: stack.districtUrl, TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: 'bench', RESYNC_API_TOKENS: `${BENCH_TOKEN}=state`, PORT: String(port), LOG_LEVEL: 'error',
  };
  const worker = spawnService('src/worker.ts', workerProcessEnv({ ...env, WORKER_METRICS_PORT: String(await freePort()) }));
  const api = spawnService('src/api/server.ts', {
    ...env, API_METRICS_PORT: String(await freePort()),
    // The read load is one caller on purpose: the per-caller rate limit would answer it 429.
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
