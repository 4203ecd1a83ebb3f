// `npm start`: the whole system on one machine, on its embedded defaults. Brings up PostgreSQL,
// the Temporal dev server (persistent, with its Web UI and search attributes), a demo district,
// the worker and the API; prints where everything is; stops it all on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT, readEnv, type Env } from './config';
import { createSql } from './data/db';
import { listDistricts } from './data/district-registry';
import { migrate } from './data/migrations';
import { schoolYearOn } from './domain';
import { seedDistrict } from './generator/seed-district';
import { districtDatabase, districtDatabaseName, openDatabases, type Databases } from './services/databases';
import { resolveTemporalCli } from './services/temporal-cli';
import { startDevServer, type RunningDevServer } from './services/temporal-dev-server';
import { localApiUrl } from './api/address';
import { temporalUiUrl } from './api/server';
import { stopChild } from './services/child-process';
import { workerProcessEnv } from './services/worker-process';
import { ensureWebBuilt } from './web/build';
import { demoIssuerFiles, ensureDemoIssuer } from './identity/demo-issuer';

const DEMO_DISTRICT = '1001';
const say = (message: string) => console.log(`[start] ${message}`);

/** Seeds the demo district on a fresh system: in its own database (`district_1001`) unless
 *  RESYNC_TOPOLOGY=colocated. */
async function ensureDemoDistrict(env: Env, databases: Databases): Promise<string[]> {
  const state = createSql(databases.urls.state, { max: 2 });
  try {
    await migrate(state);
    if ((await listDistricts(state)).length === 0) {
      const year = schoolYearOn(new Date());
      const target = await districtDatabase(databases.urls, DEMO_DISTRICT, env.RESYNC_TOPOLOGY);
      const where = target.sourceUrl ? `its own database ${districtDatabaseName(DEMO_DISTRICT)}` : 'the state\'s database (colocated)';
      say(`seeding demo district ${DEMO_DISTRICT} into ${where} (2 000 students, ${year - 1} and ${year})…`);
      const district = target.url === databases.urls.state ? state : createSql(target.url, { max: 2 });
      try {
        const result = await seedDistrict(state, district, {
          districtId: DEMO_DISTRICT, name: 'Demo Unified School District', students: 2000, scopedYear: year,
          years: [year - 1, year], state: null, reportingEntity: false, seed: 1, sourceUrl: target.sourceUrl,
        });
        say(`demo district seeded: ${result.total} records in ${result.seconds.toFixed(1)} s`);
      } finally {
        if (district !== state) await district.end({ timeout: 5 });
      }
    }
    return (await listDistricts(state)).map((d) => d.districtId);
  } finally {
    await state.end({ timeout: 5 });
  }
}

async function demoTokens(env: Env, districts: string[]): Promise<{ spec: string; tokens: Record<string, string> }> {
  const tokens: Record<string, string> = { state: `state-${randomBytes(12).toString('hex')}` };
  for (const district of districts) tokens[`district:${district}`] = `district-${district}-${randomBytes(12).toString('hex')}`;
  const file = path.join(env.RESYNC_DATA_DIR, 'api-tokens.json');
  await writeFile(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return { spec: Object.entries(tokens).map(([role, token]) => `${token}=${role}`).join(';'), tokens };
}

function spawnService(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, entry)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) console.log(`[${name}] ${line}`);
    });
  }
  return child;
}

/** Keeps a service running: restarts it after an unexpected exit; gives up after 5 crashes in a
 *  row (a service that ran for a minute starts the count afresh). */
function supervise(name: string, entry: string, env: NodeJS.ProcessEnv, stopping: () => boolean): { current: () => ChildProcess } {
  let child = spawnService(name, entry, env);
  let restarts = 0;
  let startedAt = Date.now();
  const watch = (process: ChildProcess) => process.once('exit', (code, signal) => {
    if (stopping()) return;
    if (Date.now() - startedAt > 60_000) restarts = 0;
    restarts++;
    say(`${name} exited (${signal ?? code}); ${restarts <= 5 ? 'restarting' : 'giving up after 5 restarts'}`);
    if (restarts > 5) return;
    setTimeout(() => {
      child = spawnService(name, entry, env);
      startedAt = Date.now();
      watch(child);
    }, 1000 * restarts);
  });
  watch(child);
  return { current: () => child };
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not turn healthy within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const env = readEnv();
  // The tool page first: a page that does not compile stops here, before anything is started.
  say(`tool page: ${await ensureWebBuilt()} (dist/web)`);
  await mkdir(env.RESYNC_DATA_DIR, { recursive: true });
  say(`data directory: ${env.RESYNC_DATA_DIR}`);
  const databases = await openDatabases(env, () => {});
  say(databases.embedded ? `PostgreSQL (embedded) on ${databases.urls.state.replace(/:[^:@/]+@/, ':***@')}` : 'PostgreSQL: using the configured server');
  const districts = await ensureDemoDistrict(env, databases);

  let temporal: RunningDevServer | null = null;
  if (!env.TEMPORAL_ADDRESS) {
    const cli = await resolveTemporalCli({ cliPath: env.TEMPORAL_CLI_PATH, cacheDir: env.RESYNC_CACHE_DIR, log: say });
    say(`Temporal CLI: ${cli.path ?? 'SDK download'} (route: ${cli.route})`);
    temporal = await startDevServer({
      cliPath: cli.path, port: env.TEMPORAL_PORT, uiPort: env.TEMPORAL_UI_PORT, namespace: env.TEMPORAL_NAMESPACE,
      dbFilename: path.join(env.RESYNC_DATA_DIR, 'temporal', 'temporal.db'), log: (line) => console.log(`[temporal] ${line}`),
    });
  }
  const tokens = env.RESYNC_API_TOKENS ? null : await demoTokens(env, districts);
  // Tokens for people (`npx resync token`): signed with the demo issuer's key, which the API
  // trusts when no OIDC issuer is configured. Created before the API starts; the API also picks
  // up a key created later.
  const demoIssuer = !env.RESYNC_OIDC_ISSUER && env.RESYNC_DEMO === '1';
  if (demoIssuer) {
    await ensureDemoIssuer(env.RESYNC_DATA_DIR);
    say(`demo token issuer: ${demoIssuerFiles(env.RESYNC_DATA_DIR).jwks}`);
  }
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...(databases.embedded ? { STATE_DATABASE_URL: databases.urls.state, DISTRICT_DATABASE_URL: databases.urls.district } : {}),
    ...(temporal ? { TEMPORAL_ADDRESS: temporal.address } : {}),
    ...(tokens ? { RESYNC_API_TOKENS: tokens.spec } : {}),
    ...(temporal && !env.TEMPORAL_UI_URL ? { TEMPORAL_UI_URL: temporalUiUrl(env) ?? '' } : {}),
  };
  let stopping = false;
  const worker = supervise('worker', 'src/worker.ts', workerProcessEnv(childEnv), () => stopping);
  const api = supervise('api', 'src/api/server.ts', childEnv, () => stopping);

  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await stopChild(api.current());
    await stopChild(worker.current());
    await temporal?.stop();
    await databases.release();
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  const apiUrl = localApiUrl(env);
  await waitForHealth(`${apiUrl}/healthz`, 120_000);
  const lines = [
    '',
    'State Resync is up.',
    `  Tool page        ${apiUrl}/`,
    `  API              ${apiUrl}/api   (OpenAPI: ${apiUrl}/api/openapi.json)`,
    `  Health           ${apiUrl}/healthz`,
    `  Temporal Web UI  ${temporalUiUrl(env) ?? `your cluster's UI (TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS})`}`,
    `  Metrics          http://127.0.0.1:${env.API_METRICS_PORT}/metrics (API), http://127.0.0.1:${env.WORKER_METRICS_PORT}/metrics (worker)`,
    ...(tokens ? ['', `API tokens (demo; also in ${path.join(env.RESYNC_DATA_DIR, 'api-tokens.json')}):`,
      ...Object.entries(tokens.tokens).map(([role, token]) => `  ${role.padEnd(16)} ${token}`)] : []),
    ...(demoIssuer ? ['', 'Tokens for people (any seeded district, while this runs):',
      `  npx resync token --district ${districts[0] ?? DEMO_DISTRICT} --name "Jane Doe" [--rights read]`,
      '  npx resync token --state --name "Ann Lee"'] : []),
    '',
    'Press Ctrl-C to stop.',
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(`[start] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
