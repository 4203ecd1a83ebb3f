// node-postgres pools for pages that travel between servers with PostgreSQL's COPY protocol, one
// per database URL: COPY … TO STDOUT on the district's server, COPY … FROM STDIN on the state's.
// node-postgres with pg-copy-streams carries both directions (postgres.js 3.4.9 COPY streams can
// leave a connection paused after the last chunk, porsager/postgres#1016, and never finish a COPY
// the server refused: the next query hangs); see README, Performance.
import pg from 'pg';

export interface CopyPoolOptions {
  readonly max: number;
  readonly applicationName: string;
  /** Closes a connection idle this long, in seconds. */
  readonly idleTimeoutSeconds: number;
  /** Told about a pooled connection that broke while idle (a server restart). */
  readonly onIdleError?: (error: Error) => void;
}

/**
 * Server settings of the connections that write pages into the state's tables (PostgreSQL's
 * `options` connection parameter). Every record written has its parents' keys checked (foreign
 * keys): a lookup PostgreSQL plans once per connection and keeps. A parent table's first records
 * of a year-end run (a few per district) make a sequential scan its cheapest plan, and a pooled
 * connection kept that plan while the table grew to thousands of records: measured on 50
 * districts copying at once, each check against StructureGradeLevel, ScheduleStructure and Plan
 * took 40, 15 and 80 µs instead of 1.3 (4.3 s of the state server's time per run), and 5.5 s of
 * checks fell to 0.7 s with sequential scans off. Nothing else these connections run wants one: a
 * COPY, key lookups, merges of a staging table (which has no index: scanned all the same).
 */
export const STATE_WRITER_SETTINGS = '-c enable_seqscan=off';

export class CopyPools {
  private readonly pools = new Map<string, pg.Pool>();

  constructor(private readonly options: CopyPoolOptions) {}

  /** The pool for a database URL and server settings (made on first use; `settings`, e.g.
   *  STATE_WRITER_SETTINGS, apply to its connections only). */
  for(url: string, settings?: string): pg.Pool {
    const key = `${settings ?? ''}\u0000${url}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new pg.Pool({
        connectionString: url, max: this.options.max, application_name: this.options.applicationName,
        idleTimeoutMillis: this.options.idleTimeoutSeconds * 1000, ...(settings ? { options: settings } : {}),
      });
      // An idle connection the server closed (a restart) is an 'error' event on the pool: without
      // a listener Node would end the process. The pool replaces the connection; the next page's
      // query fails or succeeds on its own.
      pool.on('error', (error) => this.options.onIdleError?.(error));
      this.pools.set(key, pool);
    }
    return pool;
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
    this.pools.clear();
  }
}

/** A connection of the pool, held for one job. */
interface Held {
  readonly client: pg.PoolClient;
  /** Gives the connection back; a broken one is discarded, not reused. */
  release(broken?: Error): void;
}

/** Takes a connection from the pool and listens for its errors while it is held. A checked-out
 *  node-postgres client that loses its server (a restart: 57P01, ECONNRESET) emits 'error', which
 *  with no listener would end the process; here the error fails the job that holds it (its query
 *  rejects too) and the connection is discarded. */
async function hold(pool: pg.Pool): Promise<Held> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  return {
    client,
    release: (broken) => {
      client.removeListener('error', onError);
      client.release(broken ?? lost);
    },
  };
}

/**
 * Runs `work` in a transaction on one connection of the pool, committing when it resolves and
 * rolling back when it throws; a connection whose rollback failed is discarded, not reused.
 * @throws whatever `work` throws, after the rollback
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, release } = await hold(pool);
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    release(broken);
  }
}

/** Runs `work` on one connection of the pool (a COPY reads on one connection from start to end). */
export async function withConnection<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, release } = await hold(pool);
  let broken: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // A failed COPY may leave the connection mid-protocol: do not hand it out again.
    release(broken);
  }
}
