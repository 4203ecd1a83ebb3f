// Starts what the tests need once per run: a PostgreSQL server and a Temporal dev server. Reuses
// DATABASE_URL / TEMPORAL_ADDRESS when they are set (e.g. a running `npm start`, or a cluster).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { readEnv } from '../../src/config';
import { startEmbeddedPostgres } from '../../src/services/postgres-server';
import { resolveTemporalCli } from '../../src/services/temporal-cli';
import { startDevServer } from '../../src/services/temporal-dev-server';
import { ensureWebBuilt } from '../../src/web/build';
import { freePort } from './ports';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    temporalAddress: string;
    temporalNamespace: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = readEnv();
  const stops: (() => Promise<void>)[] = [];
  const log = (line: string) => process.env.TEST_VERBOSE && console.log(line);
  // The browser tests load the built page: rebuild it when its sources changed.
  log(`tool page: ${await ensureWebBuilt()}`);

  let postgresUrl = process.env.TEST_DATABASE_URL ?? env.DATABASE_URL;
  if (!postgresUrl) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'state-resync-test-'));
    const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres', log });
    postgresUrl = postgres.url;
    stops.push(async () => {
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
  }

  let temporalAddress = env.TEMPORAL_ADDRESS;
  if (!temporalAddress && process.env.RESYNC_TEST_TEMPORAL === 'production') {
    // The real server build, with PostgreSQL persistence and visibility (npm run test:production).
    const { startProductionTemporal } = await import('../../src/services/temporal-production-server');
    const server = await startProductionTemporal({ postgresUrl, frontendPort: await freePort(), cacheDir: env.RESYNC_CACHE_DIR, log, timeoutMs: 180_000 });
    temporalAddress = server.address;
    stops.push(() => server.stop());
  }
  if (!temporalAddress) {
    const cli = await resolveTemporalCli({ cliPath: env.TEMPORAL_CLI_PATH, cacheDir: env.RESYNC_CACHE_DIR, log: console.log });
    const server = await startDevServer({ cliPath: cli.path, port: await freePort(), namespace: env.TEMPORAL_NAMESPACE, log });
    temporalAddress = server.address;
    stops.push(() => server.stop());
  }

  project.provide('postgresUrl', postgresUrl);
  project.provide('temporalAddress', temporalAddress);
  project.provide('temporalNamespace', env.TEMPORAL_NAMESPACE);
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
