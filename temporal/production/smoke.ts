// Manual check of the production Temporal server: `npx tsx temporal/production/smoke.ts`.
// Starts a throwaway embedded PostgreSQL, the server on it (building it first if the cache is
// empty), checks the frontend, the namespace and the search attributes end to end through SQL
// visibility, then restarts the server against the same databases (schema setup must be
// idempotent) and stops everything. TEMPORAL_SMOKE_VERBOSE=1 prints the server's own log.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { readEnv } from '../../src/config';
import { startEmbeddedPostgres } from '../../src/services/postgres-server';
import { resolveTemporalCli } from '../../src/services/temporal-cli';
import { startProductionTemporal } from '../../src/services/temporal-production-server';
import { freePort } from '../../tests/setup/ports';

const execFileAsync = promisify(execFile);
const verbose = Boolean(process.env.TEMPORAL_SMOKE_VERBOSE);
const log = (line: string) => verbose && console.log(`  | ${line}`);
const step = (message: string) => console.log(`[smoke] ${message}`);

async function timed<T>(label: string, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await action();
  step(`${label}: ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return result;
}

async function main(): Promise<void> {
  const env = readEnv();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'temporal-production-smoke-'));
  const pgPort = await freePort();
  const pg = await timed('embedded PostgreSQL started', () =>
    startEmbeddedPostgres({ dataDir, port: pgPort, database: 'postgres', log }));
  const frontendPort = await freePort();
  const options = { postgresUrl: pg.url, frontendPort, cacheDir: env.RESYNC_CACHE_DIR, log };
  try {
    let server = await timed('production Temporal started (first, creates schemas)', () => startProductionTemporal(options));
    try {
      const connection = await Connection.connect({ address: server.address });
      try {
        const info = await connection.workflowService.getSystemInfo({});
        step(`getSystemInfo: server ${info.serverVersion}`);
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: server.namespace });
        step(`custom search attributes: ${Object.keys(customAttributes ?? {}).sort().join(', ')}`);

        // A workflow carrying search attributes must be findable by them: proves the attribute
        // registration and SQL visibility end to end. No worker: it is terminated afterwards.
        const client = new Client({ connection, namespace: server.namespace });
        const workflowId = `smoke-${Date.now()}`;
        const handle = await client.workflow.start('smokeWorkflow', {
          taskQueue: 'production-smoke', workflowId, args: [],
          searchAttributes: { DistrictId: ['district-smoke'], SchoolYear: [2026], ResyncKind: ['full'], Initiator: ['smoke'] },
        });
        const query = `DistrictId = "district-smoke" AND SchoolYear = 2026 AND WorkflowId = "${workflowId}"`;
        const found = await timed('workflow visible through its search attributes', async () => {
          for (let attempt = 0; attempt < 60; attempt++) {
            const { count } = await client.workflow.count(query);
            if (count === 1) return true;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
          return false;
        });
        await handle.terminate('smoke check done');
        if (!found) throw new Error(`no workflow matched ${query}`);
      } finally {
        await connection.close();
      }

      const cli = await resolveTemporalCli({ cliPath: env.TEMPORAL_CLI_PATH, cacheDir: env.RESYNC_CACHE_DIR, install: false });
      if (cli.path) {
        const common = ['--address', server.address, '--namespace', server.namespace];
        for (const args of [['operator', 'search-attribute', 'list'], ['workflow', 'list', '--limit', '5']]) {
          const { stdout } = await execFileAsync(cli.path, [...args, ...common]);
          step(`temporal ${args.join(' ')}:\n${stdout.trimEnd()}`);
        }
      } else {
        step('no temporal CLI found; skipped the CLI listing');
      }
    } finally {
      await timed('production Temporal stopped', () => server.stop());
    }

    server = await timed('production Temporal restarted (schemas already there)', () => startProductionTemporal(options));
    await timed('production Temporal stopped', () => server.stop());
    step('OK');
  } finally {
    await pg.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error('[smoke] FAILED:', error);
  process.exitCode = 1;
});
