// One postgres.js pool per database, built from configuration and injected. int8 values (ids,
// counts) come back as numbers: they stay far below 2^53 in this domain.
import postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, never>>;
/** A transaction: statements that must commit together (a page, its error log and its cursor). */
export type Tx = postgres.TransactionSql<Record<string, never>>;
/** What a data function needs to run statements: the pool, or a transaction it is part of. */
export type Queryable = postgres.ISql<Record<string, never>>;

export interface SqlOptions {
  readonly max?: number;
  readonly applicationName?: string;
  /** Closes a connection idle this long, in seconds (default: never). */
  readonly idleTimeoutSeconds?: number;
}

export function createSql(url: string, options: SqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    ...(options.idleTimeoutSeconds ? { idle_timeout: options.idleTimeoutSeconds } : {}),
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'state-resync' },
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number | bigint | string) => String(value),
        parse: (value: string) => Number(value),
      },
    },
  }) as unknown as Sql;
}
