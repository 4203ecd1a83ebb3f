// The API process: builds the app from the environment and listens; stops gracefully on
// SIGINT/SIGTERM (in-flight requests finish, connections close).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { Resyncs } from '../client/resyncs';
import { readEnv, type Env } from '../config';
import { tolerateClosedSocketWrites } from '../data/closed-socket-guard';
import { createSql } from '../data/db';
import { DistrictSources } from '../data/district-sources';
import { migrate } from '../data/migrations';
import { createLogger } from '../logging';
import { openDatabases } from '../services/databases';
import { connectionOptions, temporalSettings } from '../temporal/connection';
import { buildApp } from './app';
import { parseTokens } from './auth';
import { createApiMetrics } from './metrics';

export function temporalUiUrl(env: Env): string | null {
  if (env.TEMPORAL_UI_URL) return env.TEMPORAL_UI_URL.replace(/\/$/, '');
  return env.TEMPORAL_ADDRESS ? null : `http://localhost:${env.TEMPORAL_UI_PORT}`;
}

async function main(env: Env): Promise<void> {
  const log = createLogger('api', env.LOG_LEVEL);
  tolerateClosedSocketWrites(log);
  if (!env.RESYNC_API_TOKENS) throw new Error('RESYNC_API_TOKENS is not set (e.g. "secret-state-token=state;secret-1001-token=district:1001")');
  const tokens = parseTokens(env.RESYNC_API_TOKENS);
  const databases = await openDatabases(env);
  const state = createSql(databases.urls.state, { max: 20, applicationName: 'state-resync-api' });
  await migrate(state);
  const districtSources = new DistrictSources(databases.urls.district, 5, databases.urls.state);
  const settings = temporalSettings(env);
  // Lazy: the API answers (503 on /healthz) before Temporal is reachable.
  const connection = Connection.lazy(connectionOptions(settings));
  const client = new Client({ connection, namespace: settings.namespace });
  const resyncs = new Resyncs(client, env.TEMPORAL_TASK_QUEUE, state);
  const app = buildApp({
    state, districtSources, tokens, log, resyncs,
    workerPolling: () => resyncs.workerPolling(),
    metrics: createApiMetrics(state),
    temporalHealthy: async () => {
      await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
      return true;
    },
    temporalUi: { url: temporalUiUrl(env), namespace: settings.namespace },
  });
  const server = app.listen(env.PORT, () => log.info({ port: env.PORT }, `API listening on http://localhost:${env.PORT}`));
  const stop = () => {
    log.info('API stopping');
    server.close(async () => {
      await connection.close().catch(() => {});
      await districtSources.end();
      await state.end({ timeout: 5 });
      await databases.release();
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(readEnv()).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
