// A dedicated system for fault tests, on the real topology: two embedded PostgreSQL servers (the
// state's, and the districts', each district in a database of its own; fresh data directories,
// free ports), its own Temporal dev server persisting to a SQLite file (so it can be restarted),
// and real worker processes (`node --import tsx src/worker.ts`). Nothing is shared with the normal
// test run, because these tests restart services and kill processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Resyncs } from '../../src/client/resyncs';
import { PROJECT_ROOT, readEnv } from '../../src/config';
import { createSql, type Sql } from '../../src/data/db';
import { DistrictSources } from '../../src/data/district-sources';
import { migrate } from '../../src/data/migrations';
import { isAnswering, startEmbeddedPostgres, type RunningPostgres } from '../../src/services/postgres-server';
import { resolveTemporalCli } from '../../src/services/temporal-cli';
import { startDevServer, type RunningDevServer } from '../../src/services/temporal-dev-server';
import { workerProcessEnv } from '../../src/services/worker-process';
import { freePort } from '../setup/ports';

const NAMESPACE = 'default';
const DATABASE = 'resync';
/** The district server's default database (each district gets `district_<id>` beside it). */
const DISTRICT_DATABASE = 'districts';

/** Which PostgreSQL server: the state's (state tables and bookkeeping) or the districts'. */
export type Server = 'state' | 'district';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Thrown from a `waitFor` check: stop waiting, this will never come. */
export class GiveUp extends Error {
  override readonly name = 'GiveUp';
}

/** Polls `check` until it returns true; errors count as "not yet", except `GiveUp`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

/** One line of the harness's event log: what was done to the system, and when. */
export interface HarnessEvent {
  readonly at: number;
  readonly event: string;
}

interface WorkerProcess {
  readonly index: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly metricsPort: number;
  readonly exited: Promise<void>;
  /** The last lines it wrote (for crash reports). */
  readonly recent: string[];
  /** Set when the harness itself ends the worker; any other exit is a crash. */
  expectedExit: boolean;
  /** Polling (a crash before that is a failed start, reported by `startWorker`). */
  ready: boolean;
}

/** A worker that exited without being asked to. */
export interface WorkerCrash {
  readonly at: number;
  readonly index: number;
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its last lines of output, usually the error that ended it. */
  readonly lastLines: readonly string[];
}

/** A line sink to a file (service logs stay out of the test output unless asked for). */
function logSink(file: string): { stream: WriteStream; line: (text: string) => void } {
  const stream = createWriteStream(file, { flags: 'a' });
  const verbose = Boolean(process.env.TEST_VERBOSE);
  return {
    stream,
    line: (text: string) => {
      stream.write(`${new Date().toISOString()} ${text}\n`);
      if (verbose) console.log(`[${path.basename(file)}] ${text}`);
    },
  };
}

/** Direct children of this process whose command line mentions `marker` (emergency cleanup). */
function childProcessesMentioning(marker: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export class SystemHarness {
  readonly events: HarnessEvent[] = [];
  /** Workers that exited on their own. Like `npm start`'s supervisor, the harness replaces a
   *  crashed worker (after a second) so that a scenario can still finish and be checked; a
   *  scenario then fails on the crash itself. */
  readonly crashes: WorkerCrash[] = [];
  private readonly workers: WorkerProcess[] = [];
  private workerCount = 0;
  private temporal: RunningDevServer | null = null;
  private postgres: RunningPostgres | null = null;
  private districtPostgres: RunningPostgres | null = null;
  private connection: Connection | null = null;
  private sqlPool: Sql | null = null;
  private sources: DistrictSources | null = null;
  private districtLog: ReturnType<typeof logSink> | null = null;
  private resyncsClient: Resyncs | null = null;
  private cliPath: string | null = null;
  private postgresLog: ReturnType<typeof logSink> | null = null;
  private temporalLog: ReturnType<typeof logSink> | null = null;
  private stopped = false;
  /** Event times are shown relative to this moment (the harness's start, or the last `resetEvents`). */
  private origin = Date.now();
  private readonly onExit = () => {
    this.emergencyKill();
    if (!process.env.KEEP_SYSTEM_TEST_DATA) rmSync(this.root, { recursive: true, force: true });
  };

  private constructor(
    /** Temp directory holding PostgreSQL's data, Temporal's db file and every log. */
    readonly root: string,
    readonly postgresPort: number,
    readonly districtPostgresPort: number,
    readonly temporalPort: number,
    readonly taskQueue: string,
  ) {}

  /** Starts PostgreSQL, Temporal and migrates; call `startWorker()` to add workers. */
  static async start(options: { taskQueue?: string } = {}): Promise<SystemHarness> {
    const root = await mkdtemp(path.join(tmpdir(), 'state-resync-system-'));
    // PostgreSQL runs as its own user when we are root: it must be able to enter the directory.
    await chmod(root, 0o755);
    const harness = new SystemHarness(root, await freePort(), await freePort(), await freePort(), options.taskQueue ?? 'state-resync-faults');
    process.once('exit', harness.onExit);
    try {
      await harness.boot();
      return harness;
    } catch (error) {
      await harness.stop();
      throw error;
    }
  }

  /** The state's server: state tables and bookkeeping. */
  get postgresUrl(): string {
    if (!this.postgres) throw new Error('PostgreSQL is not running');
    return this.postgres.url;
  }

  /** The districts' server, its default database (DISTRICT_DATABASE_URL). */
  get districtPostgresUrl(): string {
    if (!this.districtPostgres) throw new Error('the district PostgreSQL is not running');
    return this.districtPostgres.url;
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }

  get temporalDbFile(): string {
    return path.join(this.root, 'temporal', 'temporal.db');
  }

  get client(): Client {
    if (!this.resyncsClient) throw new Error('the harness is not running');
    return this.resyncsClient.client;
  }

  get resyncs(): Resyncs {
    if (!this.resyncsClient) throw new Error('the harness is not running');
    return this.resyncsClient;
  }

  get sql(): Sql {
    if (!this.sqlPool) throw new Error('the harness is not running');
    return this.sqlPool;
  }

  get districtSources(): DistrictSources {
    if (!this.sources) throw new Error('the harness is not running');
    return this.sources;
  }

  /** Workers started so far that are still running. */
  get runningWorkers(): number {
    return this.workers.filter((worker) => worker.child.exitCode === null && worker.child.signalCode === null).length;
  }

  note(event: string): void {
    this.events.push({ at: Date.now(), event });
  }

  /** Seconds since the origin, for readable event logs. */
  elapsed(at = Date.now()): string {
    return `${((at - this.origin) / 1000).toFixed(1)}s`;
  }

  /** Starts a new event log (one per scenario); times count from now. */
  resetEvents(): void {
    this.events.length = 0;
    this.crashes.length = 0;
    this.origin = Date.now();
  }

  /** The event log, one line per event. */
  eventLog(): string[] {
    return this.events.map((event) => `${this.elapsed(event.at)} ${event.event}`);
  }

  private async boot(): Promise<void> {
    this.postgresLog = logSink(path.join(this.root, 'postgres.log'));
    this.temporalLog = logSink(path.join(this.root, 'temporal.log'));

    this.districtLog = logSink(path.join(this.root, 'postgres-district.log'));

    this.postgres = await startEmbeddedPostgres({
      dataDir: path.join(this.root, 'pg'), port: this.postgresPort, database: DATABASE, log: this.postgresLog.line,
    });
    this.districtPostgres = await startEmbeddedPostgres({
      dataDir: path.join(this.root, 'pg-district'), port: this.districtPostgresPort, database: DISTRICT_DATABASE, log: this.districtLog.line,
    });
    await this.waitForPostgres('state');
    await this.waitForPostgres('district');
    this.sqlPool = createSql(this.postgres.url, { max: 10, applicationName: 'state-resync-fault-tests' });
    await migrate(this.sqlPool);
    this.sources = new DistrictSources(this.districtPostgres.url, { poolSize: 4, stateUrl: this.postgres.url });
    this.note(`postgres up on ${this.postgresPort} (state) and ${this.districtPostgresPort} (districts)`);

    const env = readEnv();
    const cli = await resolveTemporalCli({ cliPath: env.TEMPORAL_CLI_PATH, cacheDir: env.RESYNC_CACHE_DIR, log: this.temporalLog.line });
    if (!cli.path) throw new Error('the fault tests need the temporal CLI (npm run setup): the SDK download cannot persist to a db file across restarts');
    this.cliPath = cli.path;
    await this.startTemporal();
    this.connection = await Connection.connect({ address: this.temporalAddress });
    this.resyncsClient = new Resyncs(new Client({ connection: this.connection, namespace: NAMESPACE }), this.taskQueue, this.sql);
    await this.waitForTemporal();
  }

  private async startTemporal(): Promise<void> {
    this.temporal = await startDevServer({
      cliPath: this.cliPath, port: this.temporalPort, namespace: NAMESPACE, dbFilename: this.temporalDbFile,
      log: this.temporalLog?.line ?? (() => {}),
    });
    this.note(`temporal up on ${this.temporalPort}`);
  }

  private async waitForPostgres(server: Server, timeoutMs = 60_000): Promise<void> {
    const url = server === 'state' ? this.postgresUrl : this.districtPostgresUrl;
    await waitFor(`PostgreSQL (${server}) answers`, () => isAnswering(url), timeoutMs);
  }

  private async waitForTemporal(timeoutMs = 60_000): Promise<void> {
    await waitFor('Temporal answers getSystemInfo', async () => {
      await this.client.workflowService.getSystemInfo({});
      return true;
    }, timeoutMs);
  }

  private async pollerIdentities(): Promise<string[]> {
    const identities: string[] = [];
    for (const taskQueueType of [
      proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    ]) {
      const response = await this.client.workflowService.describeTaskQueue({
        namespace: NAMESPACE, taskQueue: { name: this.taskQueue }, taskQueueType,
      });
      identities.push(...(response.pollers ?? []).map((poller) => `${taskQueueType}:${poller.identity ?? ''}`));
    }
    return identities;
  }

  /** Starts one more worker process and waits until it polls both workflow and activity tasks. */
  async startWorker(): Promise<{ pid: number; index: number }> {
    const index = ++this.workerCount;
    const metricsPort = await freePort();
    const logFile = path.join(this.root, `worker-${index}.log`);
    const sink = logSink(logFile);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) {
      if (key.startsWith('TEMPORAL_') || key === 'DATABASE_URL' || key === 'NODE_OPTIONS') delete env[key];
    }
    Object.assign(env, {
      STATE_DATABASE_URL: this.postgresUrl,
      DISTRICT_DATABASE_URL: this.districtPostgresUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      WORKER_METRICS_PORT: String(metricsPort),
      LOG_LEVEL: process.env.WORKER_LOG_LEVEL ?? 'info',
      RESYNC_DATA_DIR: path.join(this.root, 'worker-data'),
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: PROJECT_ROOT, env: workerProcessEnv(env), stdio: ['ignore', 'pipe', 'pipe'],
    });
    const recent: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => chunk.split('\n').filter(Boolean).forEach((line) => {
        sink.line(line);
        recent.push(line);
        if (recent.length > 40) recent.shift();
      }));
    }
    const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
      sink.line(`[harness] worker exited (code ${code}, signal ${signal})`);
      sink.stream.end();
      this.note(`worker ${index} (pid ${child.pid}) exited: code ${code}, signal ${signal}`);
      if (worker.ready && !worker.expectedExit && !this.stopped) this.workerCrashed(worker, code, signal);
      resolve();
    }));
    const worker: WorkerProcess = { index, child, logFile, metricsPort, exited, recent, expectedExit: false, ready: false };
    this.workers.push(worker);
    const pid = child.pid;
    if (pid === undefined) throw new Error('the worker process did not start');
    // The SDK's default identity is `${pid}@${hostname}`: wait for this very process, not a poller
    // the server still remembers from a killed worker.
    await waitFor(`worker ${index} (pid ${pid}) polls ${this.taskQueue}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new GiveUp(`worker ${index} exited before it polled:\n${recent.slice(-30).join('\n')}`);
      }
      const identities = await this.pollerIdentities();
      return identities.filter((identity) => identity.includes(`:${pid}@`)).length >= 2 && await this.resyncs.workerPolling();
    }, 180_000, 500).catch(async (error: unknown) => {
      // A worker that never became ready is a failed start, not a crash to replace.
      worker.expectedExit = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      throw error;
    });
    worker.ready = true;
    this.note(`worker ${index} (pid ${pid}) polling`);
    return { pid, index };
  }

  private workerCrashed(worker: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const errorAt = worker.recent.findIndex((line) => /Error|FATAL|panic/.test(line));
    const lastLines = (errorAt >= 0 ? worker.recent.slice(errorAt) : worker.recent).slice(-15);
    this.crashes.push({ at: Date.now(), index: worker.index, pid: worker.child.pid, code, signal, lastLines });
    this.note(`worker ${worker.index} CRASHED (code ${code}, signal ${signal}); a replacement starts in 1 s`);
    setTimeout(() => {
      if (this.stopped) return;
      this.startWorker().catch((error: unknown) => this.note(`the replacement worker did not start: ${String(error)}`));
    }, 1000);
  }

  /** Kills the most recent running worker (SIGKILL by default: a crash) and waits until it is gone. */
  async killWorker(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const worker = this.findWorker();
    this.note(`kill worker ${worker.index} (pid ${worker.child.pid}) with ${signal}`);
    worker.expectedExit = true;
    worker.child.kill(signal);
    await worker.exited;
  }

  /** Freezes a running worker (SIGSTOP: a stalled process, a paused VM, a partition) without
   *  ending it; `thawWorker` lets it carry on from where it stood. Returns the worker's index. */
  freezeWorker(index?: number): number {
    const worker = this.findWorker(index);
    this.note(`freeze worker ${worker.index} (pid ${worker.child.pid})`);
    worker.child.kill('SIGSTOP');
    return worker.index;
  }

  thawWorker(index: number): void {
    const worker = this.findWorker(index);
    this.note(`thaw worker ${worker.index} (pid ${worker.child.pid})`);
    worker.child.kill('SIGCONT');
  }

  private findWorker(index?: number): WorkerProcess {
    const running = this.workers.filter((candidate) => candidate.child.exitCode === null && candidate.child.signalCode === null);
    const worker = index === undefined ? running.at(-1) : running.find((candidate) => candidate.index === index);
    if (!worker) throw new Error(index === undefined ? 'no running worker' : `worker ${index} is not running`);
    return worker;
  }

  /** Stops a PostgreSQL server (fast shutdown: sessions are terminated) and starts it again on
   *  the same data directory and port; resolves when it answers again. */
  async restartPostgres(options: { server?: Server; downMs?: number } = {}): Promise<void> {
    const server = options.server ?? 'state';
    const postgres = server === 'state' ? this.postgres : this.districtPostgres;
    if (!postgres) throw new Error(`PostgreSQL (${server}) is not running`);
    this.note(`stop postgres (${server})`);
    await postgres.stop();
    this.note(`postgres (${server}) stopped`);
    if (options.downMs) await sleep(options.downMs);
    await postgres.start();
    await this.waitForPostgres(server);
    if (server === 'state') await this.flushDeadConnections(this.sql);
    else await this.replaceDistrictPools();
    this.note(`postgres (${server}) answers again`);
  }

  /** Pooled connections from before a restart fail their next query ("terminating connection due
   *  to administrator command") before postgres.js replaces them: let every one of them fail on a
   *  probe rather than on a check. */
  private async flushDeadConnections(sql: Sql): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => sql`select pg_sleep(0.01)`));
      if (results.every((result) => result.status === 'fulfilled')) return;
    }
  }

  /** The harness's own district pools (its checks read the districts) start afresh after the
   *  district server restarted. */
  private async replaceDistrictPools(): Promise<void> {
    await this.sources?.end().catch(() => undefined);
    this.sources = new DistrictSources(this.districtPostgresUrl, { poolSize: 4, stateUrl: this.postgresUrl });
  }

  /** Stops the Temporal dev server process and starts it again on the same port and db file;
   *  resolves when it answers getSystemInfo again. */
  async restartTemporal(options: { downMs?: number } = {}): Promise<void> {
    if (!this.temporal) throw new Error('Temporal is not running');
    this.note('stop temporal');
    await this.temporal.stop();
    this.temporal = null;
    this.note('temporal stopped');
    if (options.downMs) await sleep(options.downMs);
    await this.startTemporal();
    await this.waitForTemporal();
    this.note('temporal answers again');
  }

  /** The last lines of a worker's log (default: every worker's). */
  workerLogTail(index?: number, lines = 40): string {
    const chosen = index === undefined ? this.workers : this.workers.filter((worker) => worker.index === index);
    return chosen.map((worker) => {
      let text = '';
      try {
        text = readFileSync(worker.logFile, 'utf8');
      } catch {
        text = '(no log)';
      }
      // The workflow bundler's report says nothing about a failure.
      const useful = text.split('\n').filter((line) => !/webpack|modules by|\[built\]|\[emitted\]|\[optional\]| KiB /.test(line));
      return `--- worker ${worker.index} (${worker.logFile}) ---\n${useful.slice(-lines).join('\n')}`;
    }).join('\n');
  }

  /** Lines of every worker's log matching a pattern (e.g. activity failures). */
  workerLogLines(pattern: RegExp): string[] {
    return this.workers.flatMap((worker) => {
      try {
        return readFileSync(worker.logFile, 'utf8').split('\n').filter((line) => pattern.test(line));
      } catch {
        return [];
      }
    });
  }

  private async stopWorker(worker: WorkerProcess, graceMs = 10_000): Promise<void> {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
    worker.expectedExit = true;
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), graceMs);
    worker.child.kill('SIGTERM');
    // A frozen worker only acts on SIGTERM once it runs again.
    worker.child.kill('SIGCONT');
    await worker.exited;
    clearTimeout(timer);
  }

  /** Stops everything this harness started and removes its files (KEEP_SYSTEM_TEST_DATA=1 keeps
   *  them for a post-mortem). Safe to call twice and after a failed start. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const attempt = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        console.error(`system harness: stopping ${what} failed: ${String(error)}`);
      }
    };
    await attempt('workers', () => Promise.all(this.workers.map((worker) => this.stopWorker(worker))));
    await attempt('the Temporal client', async () => this.connection?.close());
    await attempt('the Temporal dev server', async () => this.temporal?.stop());
    this.temporal = null;
    await attempt('district pools', async () => this.sources?.end());
    await attempt('the SQL pool', async () => this.sqlPool?.end({ timeout: 5 }));
    await attempt('PostgreSQL', async () => this.postgres?.stop());
    this.postgres = null;
    await attempt('the district PostgreSQL', async () => this.districtPostgres?.stop());
    this.districtPostgres = null;
    // Anything left (a service that ignored its stop) is ended by id.
    this.emergencyKill();
    process.removeListener('exit', this.onExit);
    this.postgresLog?.stream.end();
    this.districtLog?.stream.end();
    this.temporalLog?.stream.end();
    if (process.env.KEEP_SYSTEM_TEST_DATA) console.log(`system harness: kept ${this.root}`);
    else await attempt('the temp directory', () => rm(this.root, { recursive: true, force: true }));
  }

  /** Synchronous last resort (process exit): signal, by pid, every process this harness started. */
  private emergencyKill(): void {
    for (const worker of this.workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    }
    for (const child of childProcessesMentioning(this.root)) {
      try {
        // PostgreSQL's postmaster shuts its backends down on SIGINT; the dev server just dies.
        process.kill(child.pid, child.cmdline.includes('postgres') && !child.cmdline.includes('temporal') ? 'SIGINT' : 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
