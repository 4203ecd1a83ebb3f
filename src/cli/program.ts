// The `npx resync` command tree, on commander: every command and subcommand answers --help,
// unknown commands and options are refused with one line (exit 2), and the root help ends with
// the exit-code table. Commands register themselves from commands/*.
import { readFileSync } from 'node:fs';
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { registerCancel } from './commands/cancel';
import { registerHistory } from './commands/history';
import { registerPlan } from './commands/plan';
import { registerRollover } from './commands/rollover';
import { registerSchedules } from './commands/schedules';
import { registerSeed } from './commands/seed';
import { registerSelect } from './commands/select';
import { registerStart } from './commands/start';
import { registerStateResync } from './commands/state-resync';
import { registerStatus } from './commands/status';
import { registerToken } from './commands/token';
import { registerVerify } from './commands/verify';
import { exitCodeHelp } from './exit-codes';

const ROOT_HELP = `
Examples:
  npx resync plan --objects TestScore --check-dependencies
  npx resync start --district 1001 --objects all --wait
  npx resync verify --district 1001 --year previous

--year everywhere: current | previous | next (relative to the district's scoped year), or a
school year written 2026-27 (a bare 2026 is refused: write 2026-27 or 2025-26).

start, status, cancel and history talk to the API (API_URL, token from RESYNC_TOKEN — e.g.
$(npx resync token --district 1001 --name "Jane Doe") — or, next to a demo npm start,
.data/api-tokens.json); schedules and rollover to Temporal; seed, verify and token to PostgreSQL.

${exitCodeHelp()}`;

/** "resync start", "resync rollover signal": how a command is named in messages. */
export function commandPath(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let current: CommandUnknownOpts | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

/** Commander's "error: unknown option '--x'\n(Did you mean --y?)" as one line naming the command. */
function oneLineErrors(command: CommandUnknownOpts): void {
  const name = commandPath(command);
  command.configureOutput({
    outputError: (text, write) => {
      const message = text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()
        // "option '--year <year>' argument '2026' is invalid. a bare year…" → "--year 2026: a bare year…"
        .replace(/^option '(-[\w-]+)[^']*' argument '([^']*)' is invalid\. /, '$1 $2: ')
        .replace(/\.$/, '');
      write(`${name}: ${message}; see npx ${name} --help\n`);
    },
  });
  for (const sub of command.commands) oneLineErrors(sub);
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('resync')
    .description('State Resync from the command line: plan, start, follow and verify resyncs of a district\'s data to the state.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .helpCommand('help [command]', 'show the help of a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', ROOT_HELP);
  registerPlan(program);
  registerStart(program);
  registerSelect(program);
  registerStatus(program);
  registerCancel(program);
  registerHistory(program);
  registerVerify(program);
  registerSchedules(program);
  registerRollover(program);
  registerSeed(program);
  registerStateResync(program);
  registerToken(program);
  oneLineErrors(program);
  return program;
}
