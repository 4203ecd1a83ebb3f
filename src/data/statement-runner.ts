// What a page's transaction runs its statements through. A page commits its records, their
// error-log entries and the range's cursor in one state transaction; that transaction is held by
// postgres.js when the page moves inside one database, and by node-postgres when it arrives by
// COPY from another server (postgres.js COPY streams can hang: see README, Performance). The
// page's bookkeeping is written once, against this interface.
import type pg from 'pg';
import type { Tx } from './db';

export interface StatementResult<Row> {
  readonly rows: Row[];
  /** Rows the statement affected (or returned). */
  readonly count: number;
}

/** Runs one statement with bind parameters ($1, $2, …) in the transaction it belongs to. Give
 *  arrays an explicit cast in the text (`$2::bigint[]`): the two clients infer types differently.
 *  int8 and numeric values may come back as strings. */
export interface StatementRunner {
  run<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<StatementResult<Row>>;
  /** Runs `work` inside a savepoint: kept when it resolves, rolled back when it throws (and the
   *  transaction goes on). */
  savepoint<T>(work: (tx: StatementRunner) => Promise<T>): Promise<T>;
}

/** A postgres.js transaction as a runner. (postgres.js fails a whole transaction on any failed
 *  statement in it, caught or not: a statement that may fail runs in `savepoint`.) */
export function postgresRunner(sql: Tx): StatementRunner {
  return {
    async run<Row extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) {
      const result = await sql.unsafe(text, params as never[]);
      return { rows: result as unknown as Row[], count: result.count };
    },
    savepoint: <T>(work: (tx: StatementRunner) => Promise<T>) => sql.savepoint((inner) => work(postgresRunner(inner))) as Promise<T>,
  };
}

/** A node-postgres client (holding the transaction) as a runner. */
export function pgRunner(client: pg.ClientBase, depth = 0): StatementRunner {
  const runner: StatementRunner = {
    async run<Row extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) {
      const result = await client.query<Row>(text, params as unknown[]);
      return { rows: result.rows, count: result.rowCount ?? 0 };
    },
    async savepoint<T>(work: (tx: StatementRunner) => Promise<T>): Promise<T> {
      const name = `resync_part_${depth}`;
      await client.query(`savepoint ${name}`);
      try {
        const result = await work(pgRunner(client, depth + 1));
        await client.query(`release savepoint ${name}`);
        return result;
      } catch (error) {
        await client.query(`rollback to savepoint ${name}`);
        await client.query(`release savepoint ${name}`);
        throw error;
      }
    },
  };
  return runner;
}
