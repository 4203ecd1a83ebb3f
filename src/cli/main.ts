// Entry point of `npx resync <command>`. Each command lives in its own file under commands/.
import { UsageError } from './usage-error';

type Command = (args: string[]) => Promise<void>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  plan: { summary: 'show the parent-first plan of a resync', load: async () => (await import('./commands/plan')).run },
  verify: { summary: 'compare a district\'s records with the state\'s, per object', load: async () => (await import('./commands/verify')).run },
  start: { summary: 'start a resync through the API (--wait to follow it)', load: async () => (await import('./commands/operator')).start },
  status: { summary: 'show a batch and its objects', load: async () => (await import('./commands/operator')).status },
  cancel: { summary: 'cancel a queued or running batch', load: async () => (await import('./commands/operator')).cancel },
  history: { summary: 'list a district\'s batches', load: async () => (await import('./commands/operator')).history },
  schedules: { summary: 'apply, list, pause, unpause or trigger the year-end/year-start schedules', load: async () => (await import('./commands/schedules')).run },
  rollover: { summary: 'start, follow or signal a district\'s year rollover', load: async () => (await import('./commands/rollover')).run },
  seed: { summary: 'generate a realistic district into the district database', load: async () => (await import('./commands/seed')).run },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(10)} ${summary}`);
  return ['usage: npx resync <command> [options]', '', 'commands:', ...lines, '', 'Run `npx resync <command> --help` for its options.'].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
  await (await command.load())(args);
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`resync: ${message.split('\n')[0]}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
