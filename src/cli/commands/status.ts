// `npx resync status <batch>`: a batch and its objects; with --watch, followed to its end.
import type { Command } from '@commander-js/extra-typings';
import { apiClient } from '../api-client';
import { formatBatch, type BatchView } from '../batch-view';
import { exitCodeForBatch, exitCodeHelp } from '../exit-codes';
import { followBatch } from '../follow-batch';
import { asOption, jsonOption } from '../options';

export function registerStatus(program: Command): void {
  program.command('status')
    .summary('show a batch and its objects')
    .description('Show a batch and its per-object results (status, colour, processed, errors). Exits with the batch\'s outcome.')
    .argument('<batch>', 'the batch id (start and history print it)')
    .option('--watch', 'follow the batch to its end: progress on stderr, then the per-object table')
    .addOption(jsonOption())
    .addOption(asOption())
    .addHelpText('after', `
Examples:
  npx resync status 01J9Z3...           # once
  npx resync status 01J9Z3... --watch   # until it ends

${exitCodeHelp()}`)
    .action(async (batchId, options) => {
      const api = await apiClient({ as: options.as });
      const batch = options.watch
        ? await followBatch(api, batchId, { progress: !options.json })
        : await api.get<BatchView>(`/api/resyncs/${encodeURIComponent(batchId)}`);
      if (options.json) process.stdout.write(`${JSON.stringify(batch)}\n`);
      else process.stdout.write(`${formatBatch(batch).join('\n')}\n`);
      process.exitCode = exitCodeForBatch(batch);
    });
}
