// `npx resync select`: Selective Sync — resync chosen records (with their parents, and with
// --dependents everything below them) through the API; with --wait, follow the batch to its end.
import { InvalidArgumentError, Option, type Command } from '@commander-js/extra-typings';
import { schoolYearLabel } from '../../domain';
import { apiClient } from '../api-client';
import { yearChoiceFor } from '../district-year';
import { EXIT, exitCodeHelp } from '../exit-codes';
import { reportStarted } from '../follow-batch';
import { asOption, districtOption, jsonOption, yearOption } from '../options';

interface Started { batchId: string; status: string; position: number; selection: { object: string; records: number } }
interface Preview { object: string; schoolYear: number; levels: { object: string; records: number }[][]; total: number; notAtDistrict: number[]; otherYears: number[] }

const out = (text: string): void => void process.stdout.write(`${text}\n`);

const records = (count: number): string => `${count.toLocaleString('en-US')} record${count === 1 ? '' : 's'}`;

/** The record set as counts per object, level by level (parents first), then the chosen ids the
 *  district lacks and those of another school year (left out; sending them is refused). */
function formatPreview(preview: Preview): string[] {
  return [
    `${records(preview.total)} in all; per object, parents first:`,
    ...preview.levels.map((level, index) => `  level ${index + 1}: ${level.map((entry) => `${entry.object} — ${records(entry.records)}`).join(', ')}`),
    ...(preview.notAtDistrict.length > 0
      ? [`  ${preview.object} ids not at the district: ${listed(preview.notAtDistrict)} (the state's copy is removed if it holds one; otherwise reported)`]
      : []),
    ...(preview.otherYears.length > 0
      ? [`  ${preview.object} ids of another school year than ${schoolYearLabel(preview.schoolYear)}: ${listed(preview.otherYears)} (left out; sending them is refused)`]
      : []),
  ];
}

/** Ids on one line: the first ten, then how many more (--json lists them all). */
const listed = (ids: readonly number[]): string =>
  (ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${(ids.length - 10).toLocaleString('en-US')} more`);

const IDS_HELP = 'record ids are positive whole numbers separated by commas, e.g. 12,40';

/** "12, 40" → [12, 40]. Refuses, naming it, an empty element ("1,,2", "12,") or one that is not a whole number ("1.5", "1e3", "0x10"). */
function parseIds(value: string): number[] {
  if (value.trim() === '') throw new InvalidArgumentError(`no record id given; ${IDS_HELP}`);
  const parts = value.split(',').map((part) => part.trim());
  return parts.map((part, index) => {
    const which = `id ${index + 1} of ${parts.length}`;
    if (part === '') throw new InvalidArgumentError(`${which} is empty; ${IDS_HELP}`);
    const id = Number(part);
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(id) || id <= 0) throw new InvalidArgumentError(`${which}, "${part}", is not a record id; ${IDS_HELP}`);
    return id;
  });
}

export function registerSelect(program: Command): void {
  program.command('select')
    .summary('Selective Sync: resync chosen records (with their parents; --dependents for everything below them)')
    .description('Resync the chosen records of one object through the API, as a batch of kind "selective" in the district\'s lane. '
      + 'Their parent records come first (--no-parents to leave them out); --dependents adds every record below them '
      + '(one person: their enrollments, attendance, rosters, test scores…). Records of the set the district no longer has '
      + 'are removed from the state; ids neither side holds are reported, each.')
    .addOption(districtOption())
    .addOption(new Option('--object <name>', 'the object the ids belong to, e.g. PersonIdentity (required)').makeOptionMandatory())
    .addOption(new Option('--ids <ids>', 'record ids separated by commas (required)').argParser(parseIds).makeOptionMandatory())
    .option('--dependents', 'add every record below the chosen ones')
    .option('--no-parents', 'leave out the parent records they reference')
    .addOption(yearOption())
    .option('--preview', 'show how many records of each object the set holds, parents first; start nothing')
    .option('--wait', 'follow the batch to its end: progress on stderr, then the per-object table')
    .addOption(jsonOption())
    .addOption(asOption())
    .addHelpText('after', `
Examples:
  npx resync select --district 1001 --object PersonIdentity --ids 12,40 --dependents --wait
  npx resync select --district 1001 --object School --ids 3 --dependents --preview

${exitCodeHelp([EXIT.OK, EXIT.ERROR, EXIT.USAGE, EXIT.FAILED, EXIT.CANCELLED, EXIT.COMPLETED_WITH_ERRORS])}`)
    .action(async (options) => {
      const api = await apiClient({ as: options.as ?? `district:${options.district}` });
      const year = await yearChoiceFor(api, options.district, options.year);
      const body = { object: options.object, ids: options.ids, includeParents: options.parents, includeDependents: options.dependents ?? false, year };
      const district = encodeURIComponent(options.district);
      if (options.preview) {
        const preview = await api.post<Preview>(`/api/districts/${district}/selective-syncs/plan`, body);
        if (options.json) out(JSON.stringify(preview));
        else formatPreview(preview).forEach((line) => out(line));
        process.exitCode = EXIT.OK;
        return;
      }
      const started = await api.post<Started>(`/api/districts/${district}/selective-syncs`, body);
      const summary = `batch ${started.batchId} ${started.status}${started.position > 0 ? ` (${started.position} ahead)` : ''}: `
        + `${started.selection.records} ${started.selection.object} record(s) chosen`;
      await reportStarted(api, started, summary, options);
    });
}
