// A real worker on the shared Temporal dev server, with a fresh task queue per test file. The
// workflow bundle is built once per test process.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../src/activities';
import { Resyncs } from '../../src/client/resyncs';
import { createWorker, WORKFLOWS_PATH } from '../../src/worker';

let bundle: Promise<{ code: string }> | undefined;
let runtimeInstalled = false;

export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

export interface TestWorker {
  readonly taskQueue: string;
  readonly client: Client;
  readonly worker: Worker;
  shutdown(): Promise<void>;
}

export async function startTestWorker(deps: Omit<ActivityDeps, 'resyncs'>, options: { taskQueue?: string } = {}): Promise<TestWorker> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = options.taskQueue ?? `test-${randomBytes(6).toString('hex')}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const resyncs = new Resyncs(client, taskQueue);
  const worker = await createWorker({ connection: nativeConnection, namespace, taskQueue, deps: { ...deps, resyncs }, workflowBundle: await workflowBundle() });
  const running = worker.run();
  return {
    taskQueue, client, worker,
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
    },
  };
}
