// Runs the Temporal CLI's dev server (frontend + Web UI) as a child process, with SQLite
// persistence when a db file is given, and the project's custom search attributes registered.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../config';
import { stopChild } from './child-process';

export interface DevServerOptions {
  readonly cliPath: string | null;
  readonly port: number;
  readonly uiPort?: number;
  /** SQLite file for persistence; without it the server keeps everything in memory. */
  readonly dbFilename?: string;
  readonly namespace: string;
  readonly log?: (line: string) => void;
}

export interface RunningDevServer {
  readonly address: string;
  readonly uiUrl: string | null;
  stop(): Promise<void>;
}

interface SearchAttributeDefinition {
  name: string;
  type: string;
}

export async function searchAttributeDefinitions(): Promise<SearchAttributeDefinition[]> {
  const file = path.join(PROJECT_ROOT, 'temporal', 'search-attributes.json');
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { searchAttributes: SearchAttributeDefinition[] };
  return parsed.searchAttributes;
}

async function waitUntilServing(address: string, child: ChildProcess | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`the Temporal dev server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

async function startWithSdkDownload(options: DevServerOptions, extraArgs: string[]): Promise<RunningDevServer> {
  // Machines with internet only: the SDK downloads the CLI itself.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: '127.0.0.1',
      port: options.port,
      namespace: options.namespace,
      ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      extraArgs,
    },
  });
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: options.uiPort ? `http://localhost:${options.uiPort}` : null,
    stop: () => env.teardown(),
  };
}

export async function startDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const attributeArgs = (await searchAttributeDefinitions()).flatMap(({ name, type }) => ['--search-attribute', `${name}=${type}`]);
  const tuningArgs = [
    // The dev server's SQLite is the bottleneck of a busy worker; WAL with relaxed fsync keeps it
    // durable across process restarts (not power loss), which is what a dev server needs.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
  ];
  // One task-queue partition: with a handful of workers, more partitions only add dispatch latency.
  const partitionArgs = [
    '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
  ];
  const extraArgs = [...attributeArgs, ...partitionArgs, ...(options.dbFilename ? tuningArgs : [])];
  if (options.cliPath === null) return startWithSdkDownload(options, extraArgs);

  if (options.dbFilename) await mkdir(path.dirname(options.dbFilename), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--namespace', options.namespace,
    '--log-level', 'warn',
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
    ...extraArgs,
  ];
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = options.log ?? (() => {});
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => chunk.split('\n').filter(Boolean).forEach(log));
  }
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(address, child, 60_000);
  } catch (error) {
    await stopChild(child, 10_000);
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://localhost:${options.uiPort}` : null,
    stop: () => stopChild(child, 10_000),
  };
}
