// `npx resync verify`: the verification summary of a district, per object, district vs state;
// with --resync, "verify, then resync" what differs. Reads PostgreSQL directly (verify-run.ts).
import type { Command } from '@commander-js/extra-typings';
import { EXIT, exitCodeHelp } from '../exit-codes';
import { districtOption, jsonOption, objectsOption, yearOption } from '../options';

export function registerVerify(program: Command): void {
  program.command('verify')
    .summary('compare a district\'s records with the state\'s, per object')
    .description('Compare what the district holds with what the state holds, per object, for one school year: records missing at the state, extra there, differing, and excluded (not allowed to sync). Reads PostgreSQL directly.')
    .addOption(districtOption())
    .addOption(yearOption())
    .addOption(objectsOption('objects to verify (not with --resync, which covers them all)').conflicts('resync'))
    .option('--resync', 'verify, resync exactly the objects that differ (with their parents; a differential copy that writes only the records that differ), verify again')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  npx resync verify --district 1001
  npx resync verify --district 1001 --year previous --objects Enrollment,Roster
  npx resync verify --district 1001 --resync

A school year the district does not sync, or one for which neither side holds a record, is
refused (exit 2), never reported as in sync.

${exitCodeHelp([EXIT.OK, EXIT.ERROR, EXIT.USAGE, EXIT.OUT_OF_SYNC])}`)
    .action(async (options) => {
      const { runVerify } = await import('./verify-run');
      process.exitCode = await runVerify(options);
    });
}
