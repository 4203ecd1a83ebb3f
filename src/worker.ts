// The worker process: runs the resync workflows and activities on the task queue. Configured only
// through the environment (DESIGN §3); start as many as needed against the same task queue.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { Notifications } from './client/notifications';
import { Resyncs } from './client/resyncs';
import { readEnv, type Env } from './config';
import { tolerateClosedSocketWrites } from './data/closed-socket-guard';
import { createSql } from './data/db';
import { DistrictSources } from './data/district-sources';
import { migrate } from './data/migrations';
import { createLogger } from './logging';
import { openDatabases } from './services/databases';
import { connectionOptions, temporalSettings } from './temporal/connection';

const SDK_LOG_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', silent: 'ERROR' };

export const WORKFLOWS_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'workflows', 'index.ts');

/** How much one worker process runs at once (WORKER_MAX_CONCURRENT_ACTIVITIES,
 *  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS; the defaults suit one 2-core machine). */
export type WorkerConcurrency = Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions'>;

export function workerConcurrency(env: Pick<Env, 'WORKER_MAX_CONCURRENT_ACTIVITIES' | 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'>): WorkerConcurrency {
  return {
    maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
  };
}

export async function createWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  concurrency: WorkerConcurrency;
  workflowBundle?: { code: string };
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...options.concurrency,
    // Cancellation reaches a copy with a heartbeat's response. Throttled by default to 80 % of
    // the heartbeat timeout (24 s), a cancel would wait that long; a copy heartbeats once per
    // page, so this bounds the delay to about a page.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  });
}

async function main(env: Env): Promise<void> {
  const log = createLogger('worker', env.LOG_LEVEL);
  tolerateClosedSocketWrites(log);
  try {
    Runtime.install({
      logger: new DefaultLogger(SDK_LOG_LEVELS[env.LOG_LEVEL] ?? 'INFO'),
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${env.WORKER_METRICS_PORT}` } } },
    });
  } catch (error) {
    // The SDK says only "Address already in use": name the port and the setting (a second worker
    // on one machine, or one beside `npm start`, needs a port of its own).
    if (error instanceof Error && /address already in use/i.test(error.message)) {
      throw new Error(`the worker's metrics port 127.0.0.1:${env.WORKER_METRICS_PORT} is in use (another worker on this machine?): `
        + 'give each worker its own WORKER_METRICS_PORT', { cause: error });
    }
    throw error;
  }
  const databases = await openDatabases(env);
  const state = createSql(databases.urls.state, { max: 20, applicationName: 'state-resync-worker' });
  await migrate(state);
  const districtSources = new DistrictSources(databases.urls.district, { poolSize: 10, stateUrl: databases.urls.state });
  const settings = temporalSettings(env);
  const connection = await NativeConnection.connect(connectionOptions(settings));
  // Scheduled runs and rollovers submit batches to lanes with a client of their own.
  const clientConnection = await Connection.connect(connectionOptions(settings));
  const client = new Client({ connection: clientConnection, namespace: settings.namespace });
  const lanes = new Resyncs(client, env.TEMPORAL_TASK_QUEUE, state, env.RESYNC_MAX_ACTIVE_DISTRICTS);
  // Outbound notifications: a delivery workflow per event, on the same task queue.
  const webhook = env.RESYNC_WEBHOOK_URL && env.RESYNC_WEBHOOK_SECRET ? { url: env.RESYNC_WEBHOOK_URL, secret: env.RESYNC_WEBHOOK_SECRET } : undefined;
  const notifications = webhook ? new Notifications(client, env.TEMPORAL_TASK_QUEUE) : undefined;
  const worker = await createWorker({
    connection, namespace: settings.namespace, taskQueue: env.TEMPORAL_TASK_QUEUE, deps: { state, districtSources, lanes, webhook, notifications },
    concurrency: workerConcurrency(env),
  });
  log.info({ taskQueue: env.TEMPORAL_TASK_QUEUE, temporal: settings.address, webhook: webhook?.url ?? null, metrics: `http://127.0.0.1:${env.WORKER_METRICS_PORT}/metrics` }, 'worker running');
  // Worker.run() shuts down gracefully on SIGINT/SIGTERM (the SDK's default shutdown signals).
  await worker.run();
  await connection.close();
  await clientConnection.close();
  await districtSources.end();
  await state.end({ timeout: 5 });
  await databases.release();
  log.info('worker stopped');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(readEnv()).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
