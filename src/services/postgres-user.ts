// PostgreSQL refuses to run as root, so as root the embedded server runs as the `postgres` system
// user (created on first use). That user must be able to reach its own directory: the data
// directory is ours, so it gets the traverse bit for others (o+x, nothing readable); a parent
// above it is the operator's, so an unreachable one is named with the command that fixes it.
import { execFile } from 'node:child_process';
import { chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const POSTGRES_SYSTEM_USER = 'postgres';

export interface SystemUser {
  readonly uid: number;
  readonly gid: number;
}

export class DataDirectoryUnreachableError extends Error {
  override readonly name = 'DataDirectoryUnreachableError';
  constructor(readonly directory: string, mode: number, owner: string) {
    super(`the embedded PostgreSQL runs as the system user "${POSTGRES_SYSTEM_USER}" (PostgreSQL refuses to run as root) ` +
      `and cannot enter ${directory} (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}, owner ${owner}): ` +
      `run \`chmod o+x ${directory}\`, or choose a data directory (RESYNC_DATA_DIR) it can reach`);
  }
}

async function lookupUser(name: string): Promise<SystemUser | null> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return null;
  }
}

/** The `postgres` system user and group, created when missing. Throws if they cannot be created. */
export async function ensurePostgresUser(): Promise<SystemUser> {
  const existing = await lookupUser(POSTGRES_SYSTEM_USER);
  if (existing) return existing;
  // groupadd exits 9 when the group exists (a user removed without its group).
  await run('groupadd', ['--system', POSTGRES_SYSTEM_USER]).catch((error: { code?: number }) => {
    if (error.code !== 9) throw error;
  });
  await run('useradd', ['--system', '--gid', POSTGRES_SYSTEM_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', POSTGRES_SYSTEM_USER]);
  const created = await lookupUser(POSTGRES_SYSTEM_USER);
  if (!created) throw new Error(`could not create the system user "${POSTGRES_SYSTEM_USER}" for the embedded PostgreSQL`);
  return created;
}

/** Whether `user` may enter `directory`, asked of the kernel as that user (modes, ACLs, parents). */
async function canEnter(directory: string, user: SystemUser): Promise<boolean> {
  try {
    await run('sh', ['-c', 'test -x "$1"', 'sh', directory], { uid: user.uid, gid: user.gid });
    return true;
  } catch {
    return false;
  }
}

async function ownerName(uid: number): Promise<string> {
  try {
    return (await run('id', ['-nu', String(uid)])).stdout.trim();
  } catch {
    return `uid ${uid}`;
  }
}

/** From the root down: the directories leading to and including `directory`. */
function pathDown(directory: string): string[] {
  const chain: string[] = [];
  for (let current = path.resolve(directory); ; current = path.dirname(current)) {
    chain.unshift(current);
    if (path.dirname(current) === current) return chain;
  }
}

/**
 * Lets `user` enter `dataDir` (which must exist): adds o+x to `dataDir` itself when needed.
 * Throws DataDirectoryUnreachableError naming the first parent `user` cannot enter.
 */
export async function letEnterDataDirectory(dataDir: string, user: SystemUser): Promise<void> {
  const target = path.resolve(dataDir);
  for (const directory of pathDown(target)) {
    if (await canEnter(directory, user)) continue;
    const info = await stat(directory);
    if (directory !== target) throw new DataDirectoryUnreachableError(directory, info.mode, await ownerName(info.uid));
    await chmod(directory, (info.mode & 0o7777) | 0o001);
    if (!(await canEnter(directory, user))) throw new DataDirectoryUnreachableError(directory, info.mode | 0o001, await ownerName(info.uid));
  }
}
