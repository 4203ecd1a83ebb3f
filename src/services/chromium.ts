// Finds or installs Chromium for the browser tests, the way `npm start` finds or installs the
// Temporal CLI: CHROMIUM_PATH → `chromium` on PATH → /usr/bin/chromium → Debian's `chromium`
// package through apt-get, when we may (root, apt-get present); otherwise a message saying what to
// install. The decision is a pure function (chromiumPlan), so every branch is tested without
// uninstalling anything.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { userInfo } from 'node:os';
import { isExecutable, onPath } from './executables';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const NAMES = ['chromium', 'chromium-browser'];

export const APT_INSTALL_CHROMIUM: readonly (readonly string[])[] = [
  ['apt-get', 'update'],
  ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'],
];

export interface ChromiumSituation {
  /** The Chromium found (CHROMIUM_PATH, PATH, /usr/bin/chromium), or null. */
  readonly found: string | null;
  readonly isRoot: boolean;
  readonly hasAptGet: boolean;
}

export type ChromiumPlan =
  | { readonly action: 'use'; readonly path: string }
  | { readonly action: 'install'; readonly commands: readonly (readonly string[])[] }
  | { readonly action: 'refuse'; readonly message: string };

/** What to do about Chromium, given what this machine has and allows. */
export function chromiumPlan(situation: ChromiumSituation): ChromiumPlan {
  if (situation.found) return { action: 'use', path: situation.found };
  if (situation.isRoot && situation.hasAptGet) return { action: 'install', commands: APT_INSTALL_CHROMIUM };
  const advice = 'or set CHROMIUM_PATH to a Chromium (or Chrome) executable';
  return {
    action: 'refuse',
    message: situation.hasAptGet
      ? `the browser tests need Chromium, and installing it needs root: run \`sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium\`, ${advice}`
      : `the browser tests need Chromium, and this machine has no apt-get to install it with: install Chromium with its package manager, ${advice}`,
  };
}

export class ChromiumPathError extends Error {
  override readonly name = 'ChromiumPathError';
}

/** The Chromium this machine has, or null. Throws if CHROMIUM_PATH names no executable. */
export async function findChromium(chromiumPath: string | undefined = process.env.CHROMIUM_PATH): Promise<string | null> {
  if (chromiumPath) {
    if (!(await isExecutable(chromiumPath))) throw new ChromiumPathError(`CHROMIUM_PATH=${chromiumPath} is not an executable file`);
    return chromiumPath;
  }
  for (const name of NAMES) {
    const found = await onPath(name);
    if (found) return found;
  }
  return (await isExecutable(DEBIAN_CHROMIUM)) ? DEBIAN_CHROMIUM : null;
}

async function run(command: readonly string[], log: (line: string) => void): Promise<void> {
  const [program, ...args] = command;
  log(`$ ${command.join(' ')}`);
  const child = spawn(program ?? '', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (chunk: string) => chunk.split('\n').filter(Boolean).forEach(log));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command.join(' ')} exited with ${code}`);
}

/**
 * The path of a Chromium to run the browser tests with, installing Debian's package first when it
 * is missing and we may. Throws with what to install when we may not, or when the install failed.
 */
export async function ensureChromium(options: { chromiumPath?: string | undefined; log?: (line: string) => void } = {}): Promise<string> {
  const log = options.log ?? (() => {});
  const plan = chromiumPlan({
    found: await findChromium(options.chromiumPath ?? process.env.CHROMIUM_PATH),
    isRoot: userInfo().uid === 0,
    hasAptGet: (await onPath('apt-get')) !== null,
  });
  if (plan.action === 'use') return plan.path;
  if (plan.action === 'refuse') throw new Error(plan.message);
  log('Chromium is missing: installing Debian\'s chromium package');
  for (const command of plan.commands) await run(command, log);
  const installed = await findChromium(undefined);
  if (!installed) throw new Error(`apt-get installed chromium, yet no chromium executable is on PATH or at ${DEBIAN_CHROMIUM}`);
  return installed;
}
