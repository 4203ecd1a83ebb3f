// Bulk loading with COPY … FROM STDIN in text format: the fastest way into PostgreSQL.
import type { Sql } from '../data/db';
import type { Value } from './populations';

function encode(value: Value): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const LINES_PER_WRITE = 2000;

export async function copyRows(
  sql: Sql, schema: string, table: string, columns: readonly string[], rows: Iterable<readonly Value[]>,
): Promise<number> {
  const stream = await sql`copy ${sql(schema)}.${sql(table)} (${sql(columns as string[])}) from stdin`.writable();
  let count = 0;
  let buffer: string[] = [];
  const flush = async () => {
    if (buffer.length === 0) return;
    const chunk = buffer.join('');
    buffer = [];
    if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  };
  for (const row of rows) {
    buffer.push(`${row.map(encode).join('\t')}\n`);
    count++;
    if (buffer.length >= LINES_PER_WRITE) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('finish', resolve);
    stream.end();
  });
  return count;
}
