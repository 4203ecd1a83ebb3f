// Where the district and state data live. DISTRICT_DATABASE_URL / STATE_DATABASE_URL override
// DATABASE_URL per side; with none set, the embedded PostgreSQL under the data directory serves
// both (reused if `npm start` already runs it, started for the duration otherwise).
import type { Env } from '../config';
import { embeddedPassword } from './postgres-password';
import { embeddedUrl, isAnswering, startEmbeddedPostgres, type RunningPostgres } from './postgres-server';

export interface DatabaseUrls {
  readonly state: string;
  readonly district: string;
}

export interface Databases {
  readonly urls: DatabaseUrls;
  /** The embedded server, when this process started it. */
  readonly embedded: RunningPostgres | null;
  release(): Promise<void>;
}

export function configuredUrls(env: Env): DatabaseUrls | null {
  const state = env.STATE_DATABASE_URL ?? env.DATABASE_URL;
  const district = env.DISTRICT_DATABASE_URL ?? env.DATABASE_URL;
  if (state && district) return { state, district };
  if (state || district) {
    throw new Error('set DATABASE_URL, or both STATE_DATABASE_URL and DISTRICT_DATABASE_URL');
  }
  return null;
}

export async function openDatabases(env: Env, log: (line: string) => void = () => {}): Promise<Databases> {
  const configured = configuredUrls(env);
  if (configured) return { urls: configured, embedded: null, release: async () => {} };
  // The install's password, beside the running server's data (or made now, for the server we start).
  const url = embeddedUrl(env.RESYNC_PG_PORT, await embeddedPassword(env.RESYNC_DATA_DIR));
  if (await isAnswering(url)) return { urls: { state: url, district: url }, embedded: null, release: async () => {} };
  const embedded = await startEmbeddedPostgres({ dataDir: env.RESYNC_DATA_DIR, port: env.RESYNC_PG_PORT, log });
  return { urls: { state: embedded.url, district: embedded.url }, embedded, release: () => embedded.stop() };
}
