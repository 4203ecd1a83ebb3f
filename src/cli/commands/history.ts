// `npx resync history`: a district's batches, newest first.
import type { Command } from '@commander-js/extra-typings';
import { apiClient } from '../api-client';
import { formatHistoryLine, type BatchView } from '../batch-view';
import { yearChoiceFor } from '../district-year';
import { EXIT } from '../exit-codes';
import { asOption, districtOption, jsonOption, wholeNumber, yearOption } from '../options';

export function registerHistory(program: Command): void {
  program.command('history')
    .summary('list a district\'s batches')
    .description('List a district\'s batches, newest first: id, school year, kind, initiator, outcome.')
    .addOption(districtOption())
    .addOption(yearOption('only batches of this school year: current | previous | next, or a school year such as 2026-27 (default: every year)'))
    .option('--limit <n>', 'how many batches (1-100)', wholeNumber(1), 20)
    .addOption(jsonOption())
    .addOption(asOption())
    .action(async (options) => {
      const api = await apiClient({ as: options.as });
      const query = new URLSearchParams({ limit: String(options.limit) });
      if (options.year) query.set('year', await yearChoiceFor(api, options.district, options.year));
      const page = await api.get<{ total: number; batches: BatchView[] }>(`/api/districts/${encodeURIComponent(options.district)}/history?${query}`);
      process.exitCode = EXIT.OK;
      if (options.json) return void process.stdout.write(`${JSON.stringify(page)}\n`);
      process.stdout.write(`${page.total} batch(es); newest first\n`);
      for (const batch of page.batches) process.stdout.write(`${formatHistoryLine(batch)}\n`);
    });
}
