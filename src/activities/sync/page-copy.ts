// Moves one keyset page from the district's server into the state transaction's staging table
// with PostgreSQL's COPY protocol: `COPY (page) TO STDOUT` on the district's connection streamed
// into `COPY staging FROM STDIN` on the state's (or, for a fresh range, straight into the state
// table), chunk by chunk — the worker never holds more than a few chunks of the page (stream
// backpressure), whatever the page size.
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { withConnection } from '../../data/copy-pools';

/**
 * Streams the output of `copyOut` (run on a connection of `reader`) into `copyIn` on `writer`.
 * @returns the rows the state received
 * @throws the first error of either side; the other side's statement is then abandoned
 */
export async function copyBetween(reader: pg.Pool, copyOut: string, writer: pg.ClientBase, copyIn: string): Promise<number> {
  return withConnection(reader, (source) => copyOn(source, copyOut, writer, copyIn));
}

/**
 * Runs `work` on one connection of the district's server inside a read-only REPEATABLE READ
 * transaction: every statement of it sees the same snapshot (a page's summary and its rows).
 */
export async function inDistrictSnapshot<T>(reader: pg.Pool, work: (source: pg.PoolClient) => Promise<T>): Promise<T> {
  return withConnection(reader, async (source) => {
    await source.query('begin isolation level repeatable read read only');
    const result = await work(source);
    await source.query('commit');
    return result;
  });
}

/** Streams `copyOut` (on the district's `source` connection) into `copyIn` on `writer`.
 *  @returns the rows the state received */
export async function copyOn(source: pg.ClientBase, copyOut: string, writer: pg.ClientBase, copyIn: string): Promise<number> {
  const into = writer.query(copyFrom(copyIn));
  await pipeline(source.query(copyTo(copyOut)), into);
  return into.rowCount;
}
