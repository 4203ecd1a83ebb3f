// Connections to the databases holding districts' source data, one pool per URL, shared; the
// COPY route from them to the state's database when they are apart; and what a batch learns once
// about a district's source (its exclusion branches).
import type pg from 'pg';
import { CopyPools } from './copy-pools';
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

export class DistrictSources {
  private readonly pools = new Map<string, Sql>();
  private readonly branches = new Map<string, Promise<ReadonlySet<string>>>();
  private readonly copyPools: CopyPools;

  /** `stateUrl`: the state's database, where pages are written; a district whose data sits in it
   *  has its pages moved inside PostgreSQL (no record leaves it). */
  constructor(
    private readonly defaultUrl: string, private readonly poolSize = 10, private readonly stateUrl?: string,
    onIdleError: (error: Error) => void = () => {},
  ) {
    this.copyPools = new CopyPools({ max: poolSize, applicationName: 'state-resync-copy', onIdleError });
  }

  sharesDatabaseWithState(district: Pick<District, 'sourceUrl'>): boolean {
    return this.stateUrl !== undefined && sameDatabase(resolveSourceUrl(district.sourceUrl, this.defaultUrl), this.stateUrl);
  }

  for(district: Pick<District, 'sourceUrl'>): Sql {
    const url = resolveSourceUrl(district.sourceUrl, this.defaultUrl);
    let pool = this.pools.get(url);
    if (!pool) {
      pool = createSql(url, { max: this.poolSize, applicationName: 'state-resync-district' });
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
    if (!this.stateUrl) throw new Error('copying pages between databases needs the state database URL (DistrictSources third argument)');
    return this.copyPools.for(this.stateUrl);
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
