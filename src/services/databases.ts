// Where the district and state data live. DISTRICT_DATABASE_URL / STATE_DATABASE_URL override
// DATABASE_URL per side; with none set, the embedded PostgreSQL under the data directory serves
// both (reused if `npm start` already runs it, started for the duration otherwise). A new district
// gets its own database on the district server by default (RESYNC_TOPOLOGY=separate), as each
// district has in a State Edition; `colocated` puts its schema in the district database itself.
import { isValidDistrictId } from '../domain';
import type { Env } from '../config';
import { createSql } from '../data/db';
import { registrationUrl } from '../data/district-sources';
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

export type Topology = Env['RESYNC_TOPOLOGY'];

const DUPLICATE_DATABASE = '42P04';

export interface DistrictDatabase {
  /** Where to connect to write the district's source data. */
  readonly url: string;
  /** What to register as the district's source URL (null: the default district database). */
  readonly sourceUrl: string | null;
}

/** The database a district's own data lives in on the district server: `district_<id>`. */
export function districtDatabaseName(districtId: string): string {
  if (!isValidDistrictId(districtId)) throw new Error(`invalid district id "${districtId}"`);
  return `district_${districtId}`;
}

/**
 * Where a new district's source data goes. `separate`: its own database `district_<id>` on the
 * server of the district URL, created when missing (the registered URL carries no password when
 * the district URL's credentials open it). `colocated`: the district database itself.
 * @throws Error naming RESYNC_TOPOLOGY=colocated when the server refuses to create the database
 */
export async function districtDatabase(urls: DatabaseUrls, districtId: string, topology: Topology): Promise<DistrictDatabase> {
  if (topology === 'colocated') return { url: urls.district, sourceUrl: null };
  const name = districtDatabaseName(districtId);
  const url = new URL(urls.district);
  url.pathname = `/${name}`;
  const admin = createSql(urls.district, { max: 1, applicationName: 'state-resync-setup' });
  try {
    const [exists] = await admin`select 1 as found from pg_database where datname = ${name}`;
    // CREATE DATABASE takes no bind parameters: the name is validated above.
    if (!exists) await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    // Another process created it meanwhile: it is there, which is all we wanted.
    if ((error as { code?: string }).code === DUPLICATE_DATABASE) return { url: url.toString(), sourceUrl: registrationUrl(url.toString(), urls.district) };
    throw new Error(`creating the district's database ${name} failed (${error instanceof Error ? error.message : String(error)}); `
      + 'give the user CREATEDB, or set RESYNC_TOPOLOGY=colocated to keep district data in the district database');
  } finally {
    await admin.end({ timeout: 5 });
  }
  return { url: url.toString(), sourceUrl: registrationUrl(url.toString(), urls.district) };
}
