// The API process: builds the app from the environment and listens on API_HOST:PORT (loopback
// unless configured), with its Prometheus metrics on a separate loopback-only port; stops
// gracefully on SIGINT/SIGTERM (in-flight requests finish, connections close).
import { once } from 'node:events';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { Resyncs } from '../client/resyncs';
import { readEnv, type Env } from '../config';
import { tolerateClosedSocketWrites } from '../data/closed-socket-guard';
import { createSql } from '../data/db';
import { DistrictSources } from '../data/district-sources';
import { migrate } from '../data/migrations';
import { createLogger, type Logger } from '../logging';
import { openDatabases } from '../services/databases';
import { connectionOptions, temporalSettings } from '../temporal/connection';
import type { Express } from 'express';
import { localApiUrl } from './address';
import { buildApp } from './app';
import { parseTokens } from './auth';
import { JwtVerifier, jwtTrustFromEnv } from './jwt';
import { apiLimits } from './limits';
import { createApiMetrics, metricsApp } from './metrics';

export function temporalUiUrl(env: Env): string | null {
  if (env.TEMPORAL_UI_URL) return env.TEMPORAL_UI_URL.replace(/\/$/, '');
  return env.TEMPORAL_ADDRESS ? null : `http://localhost:${env.TEMPORAL_UI_PORT}`;
}

export interface RunningApi {
  /** The public API (the tool page, /api, /healthz) on API_HOST:PORT. */
  readonly server: Server;
  /** Prometheus metrics (/metrics) on 127.0.0.1:API_METRICS_PORT, never on the public address. */
  readonly metricsServer: Server;
  /** Stops listening, lets in-flight requests finish, closes connections and databases. */
  stop(): Promise<void>;
}

async function listen(app: Express, port: number, host: string): Promise<Server> {
  const server = app.listen(port, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => {
    throw error;
  })]);
  return server;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Builds the API from the environment and listens. Throws on bad configuration or a taken port. */
export async function startApi(env: Env, log: Logger = createLogger('api', env.LOG_LEVEL)): Promise<RunningApi> {
  const trust = jwtTrustFromEnv(env);
  if (!env.RESYNC_API_TOKENS && !trust) {
    throw new Error('no way to sign in: set RESYNC_OIDC_ISSUER, RESYNC_OIDC_AUDIENCE and RESYNC_OIDC_JWKS_URL, or RESYNC_API_TOKENS '
      + '(e.g. "secret-state-token=state:Ann Lee;secret-1001-token=district:1001:Jane Doe/read"), or leave RESYNC_DEMO at 1');
  }
  const tokens = parseTokens(env.RESYNC_API_TOKENS ?? '');
  if (trust) log.info({ issuer: trust.issuer, keys: trust.keysFrom }, 'accepting JWT bearer tokens');
  const databases = await openDatabases(env);
  const state = createSql(databases.urls.state, { max: 20, applicationName: 'state-resync-api' });
  await migrate(state);
  const districtSources = new DistrictSources(databases.urls.district, { poolSize: 5, stateUrl: databases.urls.state, applicationName: 'state-resync-api' });
  const settings = temporalSettings(env);
  // Lazy: the API answers (503 on /healthz) before Temporal is reachable.
  const connection = Connection.lazy(connectionOptions(settings));
  const client = new Client({ connection, namespace: settings.namespace });
  // The throttle's bound is the workers' setting; the API reports it (the same deployment's environment).
  const resyncs = new Resyncs(client, env.TEMPORAL_TASK_QUEUE, state, env.RESYNC_MAX_ACTIVE_DISTRICTS);
  const metrics = createApiMetrics(state);
  const app = buildApp({
    state, districtSources, tokens, jwt: trust ? new JwtVerifier(trust) : undefined, log, resyncs, metrics, limits: apiLimits(env),
    workerPolling: () => resyncs.workerPolling(),
    temporalHealthy: async () => {
      await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
      return true;
    },
    temporalUi: { url: temporalUiUrl(env), namespace: settings.namespace },
  });
  const server = await listen(app, env.PORT, env.API_HOST);
  log.info({ host: env.API_HOST, port: env.PORT }, `API listening on ${localApiUrl(env)}`);
  // Metrics show every district's batch counts: loopback only, whatever API_HOST says.
  const metricsServer = await listen(metricsApp(metrics), env.API_METRICS_PORT, '127.0.0.1');
  log.info({ port: env.API_METRICS_PORT }, `API metrics on http://127.0.0.1:${env.API_METRICS_PORT}/metrics`);
  return {
    server,
    metricsServer,
    stop: async () => {
      await Promise.all([close(server), close(metricsServer)]);
      await connection.close().catch(() => {});
      await districtSources.end();
      await state.end({ timeout: 5 });
      await databases.release();
    },
  };
}

async function main(env: Env): Promise<void> {
  const log = createLogger('api', env.LOG_LEVEL);
  tolerateClosedSocketWrites(log);
  const api = await startApi(env, log);
  const stop = () => {
    log.info('API stopping');
    void api.stop().then(() => process.exit(0));
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
