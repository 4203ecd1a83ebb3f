// Connections to the databases holding districts' source data, one pool per URL, shared.
import { createSql, type Sql } from './db';
import type { District } from './district-registry';

export class DistrictSources {
  private readonly pools = new Map<string, Sql>();

  /** `stateUrl`, when given, lets a sync copy pages inside the database where a district's source
   *  data sits beside the state's (no record leaves PostgreSQL). */
  constructor(private readonly defaultUrl: string, private readonly poolSize = 10, private readonly stateUrl?: string) {}

  sharesDatabaseWithState(district: Pick<District, 'sourceUrl'>): boolean {
    return this.stateUrl !== undefined && (district.sourceUrl ?? this.defaultUrl) === this.stateUrl;
  }

  for(district: Pick<District, 'sourceUrl'>): Sql {
    const url = district.sourceUrl ?? this.defaultUrl;
    let pool = this.pools.get(url);
    if (!pool) {
      pool = createSql(url, { max: this.poolSize, applicationName: 'state-resync-district' });
      this.pools.set(url, pool);
    }
    return pool;
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end({ timeout: 5 })));
    this.pools.clear();
  }
}
