// The command-line conventions, run as real processes (bin/resync.js): every command and
// subcommand answers --help with usage and exit 0; unknown commands and options exit 2 with one
// line; --objects all is a full resync; --year is written 2026-27 (a bare 2026 is refused).
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes';
import { buildProgram } from '../../src/cli/program';
import { runCli } from '../setup/cli';

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** Every command path of the real command tree: ['plan'], ['rollover', 'signal'], … */
function commandPaths(command: CommandUnknownOpts, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);
}

const paths = commandPaths(buildProgram()).filter((path) => path[path.length - 1] !== 'help');

describe('--help', () => {
  it('covers the commands operators know', () => {
    expect(paths.map((path) => path.join(' '))).toEqual(expect.arrayContaining([
      'plan', 'verify', 'start', 'status', 'cancel', 'history', 'seed',
      'schedules', 'schedules apply', 'schedules list', 'schedules pause', 'schedules unpause', 'schedules trigger',
      'rollover', 'rollover start', 'rollover status', 'rollover signal',
    ]));
  });

  it('the root help lists the commands and ends with the exit-code table', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: resync /);
    for (const name of ['plan', 'start', 'status', 'verify', 'schedules', 'rollover']) expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    for (const [code_, meaning] of [[0, 'completed green'], [1, 'other error'], [2, 'usage error'], [3, 'completed with errors'], [4, 'failed'], [5, 'cancelled'], [6, 'out of sync']] as const) {
      expect(stdout).toMatch(new RegExp(`^  ${code_}\\s+.*${meaning}`, 'm'));
    }
  });

  it.each(paths.map((path) => [path.join(' '), path]))('resync %s --help: usage on stdout, exit 0', async (_name, path) => {
    const { code, stdout, stderr } = await runCli([...path, '--help']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: resync ${path.join(' ')} `));
  });

  it.each([['start'], ['status'], ['verify']])('resync %s --help documents the exit codes', async (name) => {
    const { stdout } = await runCli([name, '--help']);
    expect(stdout).toContain('Exit codes:');
    expect(stdout).toMatch(/^ {2}0\s+completed green/m);
    expect(stdout).toMatch(/^ {2}6\s+out of sync after verification/m);
  });

  it('resync help <command> works like --help', async () => {
    const { code, stdout } = await runCli(['help', 'rollover']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: resync rollover /);
  });
});

describe('usage errors: one line on stderr, exit 2, nothing on stdout', () => {
  it.each([
    [['start', '--district', '1001', '--objects', 'all', '--bogus'], "resync start: unknown option '--bogus'"],
    [['rollover', 'signal', '--district', '1001', '--ending-year', '2026-27', '--bogus', 'retry'], "resync rollover signal: unknown option '--bogus'"],
    [['schedules', 'apply', '--fil', 'x'], "resync schedules apply: unknown option '--fil' (Did you mean --file?)"],
    [['strat'], "resync: unknown command 'strat' (Did you mean start?)"],
    [['schedules', 'pouse', 'x'], "resync schedules: unknown command 'pouse' (Did you mean pause?)"],
    [['start', '--objects', 'all'], "resync start: required option '--district <id>' not specified"],
    [['status'], "resync status: missing required argument 'batch'"],
    [['rollover', 'signal', '--district', '1001', '--ending-year', '2026-27', 'later'], "command-argument value 'later' is invalid for argument 'signal'"],
    [['history', '--district', '1001', '--limit', 'ten'], 'resync history: --limit ten: must be a whole number of at least 1, not "ten"'],
  ])('%j', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(EXIT.USAGE);
    expect(stdout).toBe('');
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toContain(message);
    expect(stderr).toContain('--help');
  });

  it('a command group without its subcommand shows its help on stderr, exit 2', async () => {
    const { code, stdout, stderr } = await runCli(['schedules']);
    expect(code).toBe(EXIT.USAGE);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Usage: resync schedules /);
  });
});

describe('--year and --ending-year are school years written 2026-27', () => {
  it.each([
    [['plan', '--objects', 'all', '--year', '2026']],
    [['start', '--district', '1001', '--objects', 'all', '--year', '2026']],
    [['verify', '--district', '1001', '--year', '2026']],
    [['history', '--district', '1001', '--year', '2026']],
    [['seed', '--district', '1001', '--students', '10', '--year', '2026']],
  ])('%j is refused before anything is touched, telling to write 2026-27', async (args) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(EXIT.USAGE);
    expect(stdout).toBe('');
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toContain('--year 2026: a bare year "2026" is ambiguous: write the school year as 2026-27');
  });

  it('rollover --ending-year 2026 is refused the same way', async () => {
    const { code, stderr } = await runCli(['rollover', 'status', '--district', '1001', '--ending-year', '2026']);
    expect(code).toBe(EXIT.USAGE);
    expect(stderr).toContain('--ending-year 2026: a bare year "2026" is ambiguous: write the school year as 2026-27');
  });

  it('plan, which has no district, refuses an explicit school year and says what to write', async () => {
    const { code, stderr } = await runCli(['plan', '--objects', 'all', '--year', '2026-27']);
    expect(code).toBe(EXIT.USAGE);
    expect(stderr).toContain('write --year current, previous or next');
  });
});

describe('--objects all', () => {
  it('plans a full resync, exactly as --all does', async () => {
    const all = await runCli(['plan', '--objects', 'all', '--json']);
    const alias = await runCli(['plan', '--all', '--json']);
    expect(all.code).toBe(0);
    const plan = JSON.parse(all.stdout) as { levels: string[][]; excluded: { object: string }[] };
    expect(plan).toEqual(JSON.parse(alias.stdout));
    expect(plan.levels[0]).toEqual(['CourseCode', 'District']);
    expect(plan.levels.flat()).toHaveLength(new Set(plan.levels.flat()).size);
    expect(plan.levels.flat().length + plan.excluded.length).toBeGreaterThan(50);
    const text = await runCli(['plan', '--objects', 'ALL']);
    expect(text.stdout).toMatch(/^full resync, \d+ object\(s\) in \d+ level\(s\)/);
  });
});
