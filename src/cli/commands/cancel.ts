// `npx resync cancel <batch>`: ask a queued or running batch to stop.
import type { Command } from '@commander-js/extra-typings';
import { apiClient } from '../api-client';
import { EXIT } from '../exit-codes';
import { asOption, jsonOption } from '../options';

export function registerCancel(program: Command): void {
  program.command('cancel')
    .summary('cancel a queued or running batch')
    .description('Cancel a queued or running batch. Pages already written stay; the batch ends as cancelled (see `status <batch> --watch`).')
    .argument('<batch>', 'the batch id')
    .addOption(jsonOption())
    .addOption(asOption())
    .action(async (batchId, options) => {
      const api = await apiClient({ as: options.as });
      const answer = await api.post<{ batchId: string; cancellationRequested: boolean }>(`/api/resyncs/${encodeURIComponent(batchId)}/cancel`);
      process.stdout.write(options.json ? `${JSON.stringify(answer)}\n` : `cancellation of batch ${batchId} requested\n`);
      process.exitCode = EXIT.OK;
    });
}
