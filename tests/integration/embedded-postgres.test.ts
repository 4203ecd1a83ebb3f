// The embedded PostgreSQL on a private data directory. As root, the server runs as the `postgres`
// system user, which must be able to reach its own directory: a `mktemp -d` directory (mode 0700,
// owned by root) must work as RESYNC_DATA_DIR, and a parent it cannot enter that is not ours must
// be named in the error, with the command that fixes it. And its superuser password is the
// install's own: random, kept beside the data with mode 0600, reused by every later start.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config';
import { openDatabases } from '../../src/services/databases';
import { embeddedUrl, startEmbeddedPostgres, type RunningPostgres } from '../../src/services/postgres-server';
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
    // initdb's private temporary directory (for the password it is handed) is gone.
    expect((await readdir(dataDir)).sort()).toEqual(['postgres', 'postgres-password']);

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

/** The error code of connecting with `password`, or 'ok'. */
async function login(port: number, password: string): Promise<string> {
  const sql = postgres(embeddedUrl(port, password, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await sql`select 1`;
    return 'ok';
  } catch (error) {
    return String((error as { code?: string }).code);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

describe('the embedded PostgreSQL superuser password', () => {
  it('is generated per install, kept with mode 0600 beside the data, and reused on later starts', async () => {
    const dataDir = await privateDir('state-resync-password-');
    const port = await freePort();
    let server: RunningPostgres | undefined = await startEmbeddedPostgres({ dataDir, port });
    cleanups.push(async () => server?.stop());
    const file = path.join(dataDir, 'postgres-password');
    const password = (await readFile(file, 'utf8')).trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(server.url).toBe(`postgres://postgres:${password}@127.0.0.1:${port}/resync`);
    expect(await login(port, password)).toBe('ok');
    expect(await login(port, 'postgres')).toBe('28P01');

    // Another install has another password.
    const other = await privateDir('state-resync-password-other-');
    const otherServer = await startEmbeddedPostgres({ dataDir: other, port: await freePort() });
    cleanups.push(() => otherServer.stop());
    expect((await readFile(path.join(other, 'postgres-password'), 'utf8')).trim()).not.toBe(password);

    // What the CLI and `npm start` use: the running server is found with the install's password.
    const databases = await openDatabases(readEnv({ RESYNC_DATA_DIR: dataDir, RESYNC_PG_PORT: String(port) }));
    expect({ urls: databases.urls, startedOwn: databases.embedded !== null }).toEqual({ urls: { state: server.url, district: server.url }, startedOwn: false });

    await server.stop();
    server = await startEmbeddedPostgres({ dataDir, port });
    expect((await readFile(file, 'utf8')).trim()).toBe(password);
    expect(await login(port, password)).toBe('ok');
  });

  it('moves a cluster made with the old fixed password onto a password of its own', async () => {
    const dataDir = await privateDir('state-resync-legacy-');
    const port = await freePort();
    let server: RunningPostgres | undefined = await startEmbeddedPostgres({ dataDir, port });
    cleanups.push(async () => server?.stop());
    // What an install made before this change looks like: password "postgres", no password file.
    const sql = postgres(server.url, { max: 1, onnotice: () => {} });
    await sql.unsafe(`alter role postgres password 'postgres'`);
    await sql.end({ timeout: 5 });
    await server.stop();
    await rm(path.join(dataDir, 'postgres-password'));

    server = await startEmbeddedPostgres({ dataDir, port });
    const password = (await readFile(path.join(dataDir, 'postgres-password'), 'utf8')).trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(await login(port, password)).toBe('ok');
    expect(await login(port, 'postgres')).toBe('28P01');
  });
});
