// `npx resync start`: start a resync through the API; with --wait, follow it to its end and exit
// with its outcome.
import type { Command } from '@commander-js/extra-typings';
import { apiClient } from '../api-client';
import { yearChoiceFor } from '../district-year';
import { EXIT, exitCodeHelp } from '../exit-codes';
import { reportStarted } from '../follow-batch';
import { allOption, asOption, districtOption, jsonOption, methodOption, objectSelection, objectsOption, yearOption } from '../options';

interface Started { batchId: string; status: string; position: number; plan: { levels: string[][] } }


export function registerStart(program: Command): void {
  program.command('start')
    .summary('start a resync through the API (--wait to follow it)')
    .description('Start a full or partial resync of a district through the API. With --wait, show its progress and then its per-object results, and exit with its outcome.')
    .addOption(districtOption())
    .addOption(objectsOption())
    .addOption(allOption())
    .option('--check-dependencies', 'add every parent of the selected objects, synchronised first')
    .addOption(methodOption())
    .addOption(yearOption())
    .option('--state-request', 'request the resync as the state (a state token; the district cannot stop it)')
    .option('--wait', 'follow the batch to its end: progress on stderr, then the per-object table')
    .addOption(jsonOption())
    .addOption(asOption())
    .addHelpText('after', `
Examples:
  npx resync start --district 1001 --objects all --wait
  npx resync start --district 1001 --objects Roster,TestScore --check-dependencies --year 2025-26 --wait
  npx resync start --district 1001 --all --method differential --wait

With --wait, a terminal shows a progress bar (objects done/total, records, records/s, ETA);
otherwise one plain line per change. --json prints the started batch, or with --wait the ended one.

${exitCodeHelp([EXIT.OK, EXIT.ERROR, EXIT.USAGE, EXIT.FAILED, EXIT.CANCELLED, EXIT.COMPLETED_WITH_ERRORS, EXIT.OUT_OF_SYNC])}
(Without --wait: 0 once the batch is accepted.)`)
    .action(async (options) => {
      const objects = objectSelection(options);
      const api = await apiClient({ as: options.as ?? (options.stateRequest ? 'state' : `district:${options.district}`) });
      const year = await yearChoiceFor(api, options.district, options.year);
      const body = { objects, checkDependencies: options.checkDependencies ?? false, year, ...(options.method ? { method: options.method } : {}) };
      const target = options.stateRequest
        ? `/api/state/districts/${encodeURIComponent(options.district)}/resync-requests`
        : `/api/districts/${encodeURIComponent(options.district)}/resyncs`;
      const started = await api.post<Started>(target, body);
      const summary = `batch ${started.batchId} ${started.status}${started.position > 0 ? ` (${started.position} ahead)` : ''}: `
        + `${started.plan.levels.flat().length} object(s) in ${started.plan.levels.length} level(s)`;
      await reportStarted(api, started, summary, options);
    });
}
