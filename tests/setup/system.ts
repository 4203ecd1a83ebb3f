// The whole system inside a test file: a throwaway state database and, by default, a separate
// throwaway district database (as in a State Edition: pages travel through the worker), a real
// worker on the shared Temporal server, and the API app built on them (call it with supertest, or
// listen on a free port). `startTestSystem({ topology: 'colocated' })` puts the districts' data in
// the state's database instead (pages move inside PostgreSQL).
import { Resyncs } from '../../src/client/resyncs';
import { buildApp } from '../../src/api/app';
import { parseTokens } from '../../src/api/auth';
import type { ApiDeps } from '../../src/api/deps';
import { apiLimits } from '../../src/api/limits';
import { createApiMetrics } from '../../src/api/metrics';
import { readEnv } from '../../src/config';
import { DistrictSources, registrationUrl } from '../../src/data/district-sources';
import { seedDistrict, type SeedOptions } from '../../src/generator/seed-district';
import { createLogger } from '../../src/logging';
import type { WebhookTarget } from '../../src/notifications/webhook';
import { createTestDatabase, type TestDatabase } from './database';
import { startTestWorker, type TestWorker } from './temporal';

export const TOKENS = {
  state: 'test-state-token-0001',
  district1001: 'test-district-1001-token',
  district1002: 'test-district-1002-token',
} as const;

export type Topology = 'separate' | 'colocated';

export interface TestSystem {
  readonly topology: Topology;
  /** The state database (state tables and bookkeeping). */
  readonly db: TestDatabase;
  /** The districts' database: another database (separate), or `db` itself (colocated). */
  readonly district: TestDatabase;
  readonly worker: TestWorker;
  readonly sources: DistrictSources;
  readonly resyncs: Resyncs;
  readonly deps: ApiDeps;
  readonly app: ReturnType<typeof buildApp>;
  seed(options: Partial<SeedOptions> & { districtId: string }): Promise<void>;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  /** Where the districts' data lives: in databases of their own (default), or beside the state's. */
  readonly topology?: Topology;
  /** The worker delivers outbound notifications here (none without). */
  readonly webhook?: WebhookTarget;
  /** The global throttle's bound for this system's worker. */
  readonly maxActiveDistricts?: number;
}

export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const topology = options.topology ?? 'separate';
  const db = await createTestDatabase();
  const district = topology === 'separate' ? await createTestDatabase({ migrate: false }) : db;
  // Districts are registered with the district database's URL (separate) or none (colocated:
  // the default district database is the state's).
  const sourceUrl = topology === 'separate' ? registrationUrl(district.url, district.url) : null;
  const sources = new DistrictSources(district.url, { stateUrl: db.url });
  const worker = await startTestWorker({ state: db.sql, districtSources: sources }, {
    databaseUrl: db.url, districtDatabaseUrl: district.url, ...(options.webhook ? { webhook: options.webhook } : {}),
    ...(options.maxActiveDistricts !== undefined ? { maxActiveDistricts: options.maxActiveDistricts } : {}),
  });
  const resyncs = new Resyncs(worker.client, worker.taskQueue, db.sql);
  const deps: ApiDeps = {
    state: db.sql,
    districtSources: sources,
    resyncs,
    tokens: parseTokens(`${TOKENS.state}=state;${TOKENS.district1001}=district:1001;${TOKENS.district1002}=district:1002`),
    log: createLogger('api', 'silent'),
    metrics: createApiMetrics(db.sql),
    limits: apiLimits(readEnv({})),
    temporalHealthy: async () => {
      await worker.client.workflowService.getSystemInfo({});
      return true;
    },
    workerPolling: () => resyncs.workerPolling(),
    temporalUi: { url: 'http://localhost:8233', namespace: worker.namespace },
  };
  return {
    topology, db, district, worker, sources, resyncs, deps,
    app: buildApp(deps),
    seed: async (options) => {
      await seedDistrict(db.sql, district.sql, {
        students: 200, scopedYear: 2026, state: null, reportingEntity: false, seed: 1, sourceUrl, ...options,
      });
    },
    stop: async () => {
      await worker.shutdown();
      await sources.end();
      if (district !== db) await district.drop();
      await db.drop();
    },
  };
}
