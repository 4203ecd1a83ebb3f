// Entry point of `npx resync <command>` (bin/resync.js). Runs the command tree and turns every
// way it can end into an exit code (see exit-codes.ts): the commands set process.exitCode for
// their outcome; errors are printed as one line and mapped here.
import { CommanderError } from '@commander-js/extra-typings';
import {
  InvalidPlanRequestError, InvalidResyncRequestError, InvalidSchoolYearError, SchoolYearOutOfScopeError, UnknownDistrictError,
} from '../domain';
import { ApiError } from './api-error';
import { EXIT, type ExitCode } from './exit-codes';
import { buildProgram, commandPath } from './program';
import { UsageError } from './usage-error';

/** API answers that say the request named something wrong, rather than that something failed. */
const REFUSED_REQUEST = new Set([400, 404, 422]);

function exitCodeForError(error: unknown): ExitCode {
  if (error instanceof UsageError || error instanceof InvalidSchoolYearError || error instanceof SchoolYearOutOfScopeError
    || error instanceof InvalidPlanRequestError || error instanceof InvalidResyncRequestError || error instanceof UnknownDistrictError) return EXIT.USAGE;
  if (error instanceof ApiError && REFUSED_REQUEST.has(error.status)) return EXIT.USAGE;
  return EXIT.ERROR;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let running = 'resync';
  program.hook('preAction', (_program, actionCommand) => {
    running = commandPath(actionCommand);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? EXIT.OK);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; a missing subcommand shows the help on
      // stderr and counts as a usage error; everything else commander refuses is a usage error
      // it has already printed.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
      if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return EXIT.USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${running}: ${message.split('\n')[0]}\n`);
    return exitCodeForError(error);
  }
}

process.exit(await main(process.argv.slice(2)));
