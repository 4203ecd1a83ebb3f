// Runs a production Temporal server (not the CLI's dev server) as a child process: all services in
// one process on loopback, PostgreSQL for persistence and visibility. CI uses it to run the
// end-to-end suite against the same server build and SQL visibility a real cluster has, with
// several worker processes. The binaries come from temporal/production/build.sh (Go module proxy).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import postgres from 'postgres';
import { PROJECT_ROOT } from '../config';
import { ensureNamespace } from '../temporal/namespaces';
import { stopChild } from './child-process';

export interface ProductionTemporalOptions {
  /** Any database in the URL is ignored: only host, port, user and password are used. */
  readonly postgresUrl: string;
  /** Client-facing gRPC port; the server's internal ports are picked free on each start. */
  readonly frontendPort: number;
  readonly namespace?: string;
  /** Defaults to RESYNC_CACHE_DIR or <project>/.cache, as build.sh does. */
  readonly cacheDir?: string;
  /** Names of the two databases; sharing one PostgreSQL between servers needs distinct names. */
  readonly databases?: { readonly persistence: string; readonly visibility: string };
  /** Server log level (debug|info|warn|error); the server is chatty below warn. */
  readonly logLevel?: string;
  readonly log?: (line: string) => void;
  /** For the whole start (build excluded): schema setup, server boot, namespace and attributes. */
  readonly timeoutMs?: number;
}

export interface RunningProductionTemporal {
  readonly address: string;
  readonly namespace: string;
  stop(): Promise<void>;
}

const PRODUCTION_DIR = path.join(PROJECT_ROOT, 'temporal', 'production');
// postgres12_pgx: same schema as postgres12, driven by jackc/pgx (the config uses it as well).
const SQL_PLUGIN = 'postgres12_pgx';
const RETENTION = '3 days';

type Log = (line: string) => void;

/** Runs a command, returning its stdout and streaming its stderr to the log; rejects on failure. */
async function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: Log): Promise<string> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    chunk.split('\n').filter(Boolean).forEach(log);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`);
  return stdout;
}

export interface Build {
  serverBin: string;
  sqlToolBin: string;
  schemaDir: string;
}

/** build.sh is cheap when its cache is complete, so it is always run: one place knows the paths.
 *  Builds (minutes, from the Go module proxy) when the cache lacks the release. */
export async function ensureProductionBuild(cacheDir: string | undefined, log: Log): Promise<Build> {
  const env = cacheDir ? { RESYNC_CACHE_DIR: cacheDir } : {};
  const stdout = await run('bash', [path.join(PRODUCTION_DIR, 'build.sh')], env, log);
  const values = new Map(stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const get = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new Error(`build.sh did not print ${key}`);
    return value;
  };
  return { serverBin: get('TEMPORAL_SERVER_BIN'), sqlToolBin: get('TEMPORAL_SQL_TOOL_BIN'), schemaDir: get('TEMPORAL_SCHEMA_DIR') };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function ensureDatabases(postgresUrl: string, names: string[]): Promise<void> {
  const admin = postgres(withDatabase(postgresUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    for (const name of names) {
      const [exists] = await admin`select 1 as found from pg_database where datname = ${name}`;
      if (exists) continue;
      // 42P04 duplicate_database: another start created it between the check and now.
      await admin`create database ${admin(name)}`.catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * Forgets the cluster members a previous server process left behind. They stay in the table for
 * hours, and on a restart each service tries to join them first: a service that picks a dead one
 * gives up only after maxJoinDuration (30 s) and meanwhile refuses traffic ("Not enough hosts").
 * Safe because this server is the cluster's only node: no live member can be forgotten.
 */
async function forgetStaleMembers(postgresUrl: string, database: string): Promise<void> {
  const sql = postgres(withDatabase(postgresUrl, database), { max: 1, onnotice: () => {} });
  try {
    await sql`delete from cluster_membership`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Both steps are idempotent: versioning tables are `create if not exists`, updates skip applied versions. */
async function setupSchemas(build: Build, pg: URL, databases: { persistence: string; visibility: string }, log: Log): Promise<void> {
  for (const [database, schema] of [[databases.persistence, 'temporal'], [databases.visibility, 'visibility']] as const) {
    // Connection settings go through the tool's environment variables, keeping the password out of `ps`.
    const env = {
      SQL_PLUGIN, SQL_HOST: pg.hostname, SQL_PORT: pg.port || '5432', SQL_DATABASE: database,
      SQL_USER: decodeURIComponent(pg.username), SQL_PASSWORD: decodeURIComponent(pg.password),
    };
    await run(build.sqlToolBin, ['setup-schema', '-v', '0.0'], env, log);
    await run(build.sqlToolBin, ['update-schema', '-d', path.join(build.schemaDir, schema, 'versioned')], env, log);
  }
}

/** Binds and releases a loopback port; null when it is taken. */
async function tryPort(port: number): Promise<number | null> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  const address = server.address();
  if (bound) await new Promise((resolve) => server.close(resolve));
  return bound && address !== null && typeof address === 'object' ? address.port : null;
}

/**
 * A port nothing listens on right now (tiny race until the server binds it). Membership ports
 * need `belowSmallint`: the server records them in cluster_membership.rpc_port, a SMALLINT, so
 * anything above 32767 makes it die at boot; the OS hands out ephemeral ports from 32768 up.
 */
async function freePort(belowSmallint = false): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await tryPort(belowSmallint ? 20_000 + Math.floor(Math.random() * 12_768) : 0);
    if (port !== null) return port;
  }
  throw new Error('could not find a free loopback port');
}

/** Retries `attempt` until it resolves, the server process dies, or the deadline passes. */
async function retry<T>(what: string, child: ChildProcess, deadline: number, attempt: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the Temporal server exited (${child.exitCode ?? child.signalCode}) while waiting: ${what}`);
    }
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`timed out waiting: ${what}: ${String(lastError)}`);
}

// gRPC status codes
const NOT_FOUND = 5;

const isCode = (error: unknown, code: number) => isGrpcServiceError(error) && error.code === code;

/**
 * The frontend answers before history and matching have joined the membership ring; until then
 * calls routed to them fail with "Not enough hosts to serve the request". Each probe below is
 * served by one of them, so success means the whole cluster can run workflows.
 */
async function waitForHistoryAndMatching(connection: Connection, namespace: string, child: ChildProcess, deadline: number): Promise<void> {
  await retry('history service', child, deadline, async () => {
    try {
      await connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: 'readiness-probe' } });
    } catch (error) {
      if (!isCode(error, NOT_FOUND)) throw error; // NotFound comes from history itself
    }
  });
  await retry('matching service', child, deadline, () =>
    connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: 'readiness-probe' } }));
}

export async function startProductionTemporal(options: ProductionTemporalOptions): Promise<RunningProductionTemporal> {
  const log = options.log ?? (() => {});
  const namespace = options.namespace ?? 'default';
  const databases = options.databases ?? { persistence: 'temporal', visibility: 'temporal_visibility' };
  const pg = new URL(options.postgresUrl);

  const build = await ensureProductionBuild(options.cacheDir, log);
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  await ensureDatabases(options.postgresUrl, [databases.persistence, databases.visibility]);
  await setupSchemas(build, pg, databases, log);
  await forgetStaleMembers(options.postgresUrl, databases.persistence);

  // The server renders config.yaml as a template from these variables (see its header).
  const internalPorts = ['FRONTEND_HTTP', 'FRONTEND_MEMBERSHIP', 'HISTORY_GRPC', 'HISTORY_MEMBERSHIP',
    'MATCHING_GRPC', 'MATCHING_MEMBERSHIP', 'WORKER_GRPC', 'WORKER_MEMBERSHIP'];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_LOG_LEVEL: options.logLevel ?? 'warn',
    TEMPORAL_DB_HOST: pg.hostname,
    TEMPORAL_DB_PORT: pg.port || '5432',
    TEMPORAL_DB_USER: decodeURIComponent(pg.username),
    TEMPORAL_DB_PASSWORD: decodeURIComponent(pg.password),
    TEMPORAL_DB_NAME: databases.persistence,
    TEMPORAL_VISIBILITY_DB_NAME: databases.visibility,
    TEMPORAL_FRONTEND_GRPC_PORT: String(options.frontendPort),
  };
  // The caller's frontend port is usually free-but-unbound too: the OS could hand it out again.
  const taken = new Set([options.frontendPort]);
  for (const name of internalPorts) {
    let port: number;
    do port = await freePort(name.endsWith('MEMBERSHIP')); while (taken.has(port));
    taken.add(port);
    env[`TEMPORAL_${name}_PORT`] = String(port);
  }

  const args = ['--config-file', path.join(PRODUCTION_DIR, 'config.yaml'),
    // Loopback-only test server: no authorizer, and saying so silences the startup warning.
    '--allow-no-auth', 'start'];
  const child = spawn(build.serverBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // If the caller exits without stop() (a crashed test run), do not leave an orphan server
  // holding ports and PostgreSQL connections (which would also block PostgreSQL's shutdown).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    await stopChild(child, 30_000);
    process.off('exit', killOnExit);
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => chunk.split('\n').filter(Boolean).forEach(log));
  }

  const address = `127.0.0.1:${options.frontendPort}`;
  try {
    const connection = await retry(`frontend at ${address}`, child, deadline, async () => {
      const candidate = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await candidate.workflowService.getSystemInfo({});
        return candidate;
      } catch (error) {
        await candidate.close();
        throw error;
      }
    });
    try {
      // Unlike the dev server, a production server creates no namespace of its own.
      await ensureNamespace(connection, namespace, { retention: RETENTION, timeoutMs: Math.max(1000, deadline - Date.now()) });
      await waitForHistoryAndMatching(connection, namespace, child, deadline);
    } finally {
      await connection.close();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, namespace, stop };
}
