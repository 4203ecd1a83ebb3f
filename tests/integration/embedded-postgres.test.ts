// The embedded PostgreSQL on a private data directory. As root, the server runs as the `postgres`
// system user, which must be able to reach its own directory: a `mktemp -d` directory (mode 0700,
// owned by root) must work as RESYNC_DATA_DIR, and a parent it cannot enter that is not ours must
// be named in the error, with the command that fixes it.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/services/postgres-server';
import { freePort } from '../setup/ports';

const asRoot = process.getuid?.() === 0;
const NEEDS_ROOT = 'needs root: only then does PostgreSQL run as another user (postgres) that must reach the data directory';

/** The uid of the `postgres` system user (it exists once a server has started as root). */
const postgresUid = () => Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());

const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function privateDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function query(url: string): Promise<{ who: string; answer: number }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ who: string; answer: number }[]>`select current_user as who, 41 + 1 as answer`;
    return { who: row?.who ?? '', answer: Number(row?.answer) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

describe('the embedded PostgreSQL on a private data directory', () => {
  it('starts on a mktemp -d directory (mode 0700) and answers queries', async (context) => {
    if (!asRoot) context.skip(NEEDS_ROOT);
    const dataDir = await privateDir('state-resync-private-');
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);

    let server: RunningPostgres | undefined = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
    cleanups.push(async () => server?.stop());
    expect(await query(server.url)).toEqual({ who: 'postgres', answer: 42 });

    // Others may only pass through the data directory; the server's own directory is its user's.
    expect((await stat(dataDir)).mode & 0o777).toBe(0o701);
    const own = await stat(path.join(dataDir, 'postgres'));
    expect({ uid: own.uid, mode: own.mode & 0o777 }).toEqual({ uid: postgresUid(), mode: 0o700 });

    // And again on the same directory, as `npm start` does on its second run.
    await server.stop();
    server = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
    expect(await query(server.url)).toEqual({ who: 'postgres', answer: 42 });
  });

  it('names a parent directory the postgres user cannot enter, and the command that fixes it', async (context) => {
    if (!asRoot) context.skip(NEEDS_ROOT);
    const parent = await privateDir('state-resync-parent-');
    const dataDir = path.join(parent, 'data');
    await mkdir(dataDir);
    await expect(startEmbeddedPostgres({ dataDir, port: await freePort() })).rejects.toThrow(
      `the embedded PostgreSQL runs as the system user "postgres" (PostgreSQL refuses to run as root) and cannot enter ${parent} ` +
      `(mode 0700, owner root): run \`chmod o+x ${parent}\`, or choose a data directory (RESYNC_DATA_DIR) it can reach`);
    // Nothing was created inside the data directory.
    expect(await readdir(dataDir)).toEqual([]);
  });
});
