// A real worker on the shared Temporal server, with a fresh task queue per test file. By default
// the worker runs in the test process (workflow bundle built once per process); with
// RESYNC_TEST_WORKER_PROCESSES=n, n worker processes (src/worker.ts) share the task queue instead,
// as a deployment would run them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../src/activities';
import { Notifications } from '../../src/client/notifications';
import { Resyncs } from '../../src/client/resyncs';
import { PROJECT_ROOT, readEnv } from '../../src/config';
import type { WebhookTarget } from '../../src/notifications/webhook';
import { ensureNamespace } from '../../src/temporal/namespaces';
import { createWorker, workerConcurrency, WORKFLOWS_PATH } from '../../src/worker';
import { workerProcessEnv } from '../../src/services/worker-process';
import { freePort } from './ports';

let bundle: Promise<{ code: string }> | undefined;
let runtimeInstalled = false;

export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

export interface TestWorker {
  readonly taskQueue: string;
  readonly namespace: string;
  readonly client: Client;
  shutdown(): Promise<void>;
}

export const workerProcesses = Number(process.env.RESYNC_TEST_WORKER_PROCESSES ?? 0);

function installRuntime(): void {
  // Once per process, before any native connection.
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
}

async function startInProcess(deps: ActivityDeps, connection: NativeConnection, namespace: string, taskQueue: string): Promise<() => Promise<void>> {
  const worker = await createWorker({
    connection, namespace, taskQueue, deps, workflowBundle: await workflowBundle(), concurrency: workerConcurrency(readEnv()),
  });
  const running = worker.run();
  return async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  };
}

async function startProcesses(
  count: number, urls: { state: string; district: string }, namespace: string, taskQueue: string, resyncs: Resyncs, webhook: WebhookTarget | undefined,
): Promise<() => Promise<void>> {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'worker.ts')], {
      env: workerProcessEnv({
        ...process.env, STATE_DATABASE_URL: urls.state, DISTRICT_DATABASE_URL: urls.district, TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: taskQueue, WORKER_METRICS_PORT: String(await freePort()), LOG_LEVEL: 'error',
        ...(webhook ? { RESYNC_WEBHOOK_URL: webhook.url, RESYNC_WEBHOOK_SECRET: webhook.secret } : {}),
      }),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
  }
  // Both processes must poll before the test starts, or one could do all the work.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if ((await resyncs.pollers()) >= count) break;
    if (Date.now() > deadline) throw new Error(`${count} worker processes did not start polling ${taskQueue}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return async () => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    })));
  };
}

export async function startTestWorker(
  deps: Omit<ActivityDeps, 'lanes' | 'notifications'>,
  options: {
    taskQueue?: string; databaseUrl?: string; districtDatabaseUrl?: string; maxActiveDistricts?: number;
    /** Outbound notifications go here (none without). */ webhook?: WebhookTarget;
  } = {},
): Promise<TestWorker> {
  installRuntime();
  const address = inject('temporalAddress');
  const suffix = randomBytes(6).toString('hex');
  const taskQueue = options.taskQueue ?? `test-${suffix}`;
  const connection = await Connection.connect({ address });
  // A namespace per test file: workflow ids (lanes are per district and year) never collide
  // between files running side by side or one after another.
  const namespace = `test-${suffix}`;
  await ensureNamespace(connection, namespace);
  const client = new Client({ connection, namespace });
  const resyncs = new Resyncs(client, taskQueue, deps.state, options.maxActiveDistricts ?? readEnv().RESYNC_MAX_ACTIVE_DISTRICTS);
  let nativeConnection: NativeConnection | undefined;
  let stopWorkers: () => Promise<void>;
  if (workerProcesses > 0) {
    if (!options.databaseUrl) throw new Error('worker processes need the database URL');
    const urls = { state: options.databaseUrl, district: options.districtDatabaseUrl ?? options.databaseUrl };
    stopWorkers = await startProcesses(workerProcesses, urls, namespace, taskQueue, resyncs, options.webhook);
  } else {
    nativeConnection = await NativeConnection.connect({ address });
    const notifications = options.webhook ? { webhook: options.webhook, notifications: new Notifications(client, taskQueue) } : {};
    stopWorkers = await startInProcess({ ...deps, lanes: resyncs, ...notifications }, nativeConnection, namespace, taskQueue);
  }
  return {
    taskQueue, namespace, client,
    shutdown: async () => {
      await stopWorkers();
      await nativeConnection?.close();
      await connection.close();
    },
  };
}
