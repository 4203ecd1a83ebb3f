// Connections to the databases holding districts' source data, one pool per URL, shared; the
// COPY route from them to the state's database when they are apart; and what a batch learns once
// about a district's source (its exclusion branches).
import type pg from 'pg';
import { CopyPools, STATE_WRITER_SETTINGS } from './copy-pools';
import { createSql, type Sql } from './db';
import type { District } from './district-registry';
import { findExclusionBranches } from './schema/exclusion';

/**
 * The URL to reach a district's database: its registered URL, or the default district database.
 * A registered URL without a password borrows the default's when it names the same server and
 * user, so credentials stay in the environment, not in the registry.
 */
export function resolveSourceUrl(sourceUrl: string | null, defaultUrl: string): string {
  if (!sourceUrl) return defaultUrl;
  const source = new URL(sourceUrl);
  const fallback = new URL(defaultUrl);
  if (!source.password && fallback.password && source.host === fallback.host && source.username === fallback.username) {
    source.password = fallback.password;
  }
  return source.toString();
}

/** The URL to register for a district's database: without the password when `resolveSourceUrl`
 *  can take it from the default district URL again. */
export function registrationUrl(url: string, defaultUrl: string): string {
  const parsed = new URL(url);
  const fallback = new URL(defaultUrl);
  if (parsed.host === fallback.host && parsed.username === fallback.username && parsed.password === fallback.password) parsed.password = '';
  return parsed.toString();
}

/** Batches whose exclusion branches are remembered (the oldest is forgotten first). */
const REMEMBERED_BATCHES = 256;

function sameDatabase(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  return x.host === y.host && x.pathname === y.pathname && x.username === y.username;
}

export interface DistrictSourcesOptions {
  /** Connections per district database, for each client (postgres.js and node-postgres). */
  readonly poolSize?: number;
  /** The state's database, where pages are written; a district whose data sits in it has its
   *  pages moved inside PostgreSQL (no record leaves it). Required to copy between databases. */
  readonly stateUrl?: string;
  /** A district connection idle this long is closed, in seconds (default DISTRICT_IDLE_SECONDS). */
  readonly idleSeconds?: number;
  /** Told about a pooled connection that broke while idle (a server restart). */
  readonly onIdleError?: (error: Error) => void;
  /** Prefix of the connections' application_name (`<prefix>-district`, `<prefix>-copy`), so an
   *  operator tells the worker's connections from the API's in pg_stat_activity. */
  readonly applicationName?: string;
}

/** Seconds a connection to a district's database may stay idle. A batch keeps its district's
 *  connections busy from page to page; once it ends they close. Kept open, a state-wide run that
 *  touches every district of a server once would end with every district's pools open at once —
 *  50 districts × 20 connections exhaust any server's max_connections ("sorry, too many clients
 *  already"), and the batches still running wait out their retries. */
export const DISTRICT_IDLE_SECONDS = 5;

export class DistrictSources {
  private readonly pools = new Map<string, Sql>();
  private readonly branches = new Map<string, Promise<ReadonlySet<string>>>();
  private readonly copyPools: CopyPools;
  private readonly poolSize: number;
  private readonly idleSeconds: number;
  private readonly stateUrl: string | undefined;
  private readonly applicationName: string;

  constructor(private readonly defaultUrl: string, options: DistrictSourcesOptions = {}) {
    this.poolSize = options.poolSize ?? 10;
    this.idleSeconds = options.idleSeconds ?? DISTRICT_IDLE_SECONDS;
    this.stateUrl = options.stateUrl;
    this.applicationName = options.applicationName ?? 'state-resync';
    this.copyPools = new CopyPools({
      max: this.poolSize, applicationName: `${this.applicationName}-copy`, idleTimeoutSeconds: this.idleSeconds,
      ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
    });
  }

  sharesDatabaseWithState(district: Pick<District, 'sourceUrl'>): boolean {
    return this.stateUrl !== undefined && sameDatabase(resolveSourceUrl(district.sourceUrl, this.defaultUrl), this.stateUrl);
  }

  for(district: Pick<District, 'sourceUrl'>): Sql {
    const url = resolveSourceUrl(district.sourceUrl, this.defaultUrl);
    let pool = this.pools.get(url);
    if (!pool) {
      pool = createSql(url, { max: this.poolSize, applicationName: `${this.applicationName}-district`, idleTimeoutSeconds: this.idleSeconds });
      this.pools.set(url, pool);
    }
    return pool;
  }

  /** node-postgres connections to the district's database, for COPY … TO STDOUT. */
  copyReader(district: Pick<District, 'sourceUrl'>): pg.Pool {
    return this.copyPools.for(resolveSourceUrl(district.sourceUrl, this.defaultUrl));
  }

  /** node-postgres connections to the state's database, for the pages that arrive by COPY.
   *  @throws Error when these sources were made without the state's URL */
  copyWriter(): pg.Pool {
    if (!this.stateUrl) throw new Error('copying pages between databases needs the state database URL (DistrictSources option stateUrl)');
    return this.copyPools.for(this.stateUrl, STATE_WRITER_SETTINGS);
  }

  /**
   * The district's exclusion branches (objects holding a not-allowed record) as found when the
   * batch first asked, in this process: every page of the batch checks the same ancestors, and
   * the district's tables are scanned for them once per batch, not per page. A record excluded
   * while the batch runs, under an object that held no exclusion when it started, is seen by the
   * next batch (the post-run verification finds it first).
   */
  exclusionBranches(district: Pick<District, 'sourceUrl' | 'sourceSchema'>, batchId: string): Promise<ReadonlySet<string>> {
    const key = `${batchId}\u0000${district.sourceUrl ?? ''}\u0000${district.sourceSchema}`;
    let found = this.branches.get(key);
    if (!found) {
      found = findExclusionBranches(this.for(district), district.sourceSchema);
      // A failed lookup (the district's database restarting) is asked again by the retry.
      found.catch(() => this.branches.delete(key));
      this.branches.set(key, found);
      if (this.branches.size > REMEMBERED_BATCHES) this.branches.delete(this.branches.keys().next().value as string);
    }
    return found;
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end({ timeout: 5 })));
    this.pools.clear();
    await this.copyPools.end();
  }
}
