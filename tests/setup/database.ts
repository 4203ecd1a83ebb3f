// A throwaway database per test file: created and migrated on demand, dropped at the end.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createSql, type Sql } from '../../src/data/db';
import { migrate } from '../../src/data/migrations';

export interface TestDatabase {
  readonly url: string;
  readonly sql: Sql;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh database on the test server (`postgresUrl`, or another server's URL). `migrate: false`
 *  leaves it empty: a district's own database holds only its source schema. */
export async function createTestDatabase(options: { serverUrl?: string; migrate?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? inject('postgresUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = createSql(serverUrl, { max: 1 });
  await admin.unsafe(`create database "${name}"`);
  const url = withDatabase(serverUrl, name);
  const sql = createSql(url, { max: 20 });
  if (options.migrate ?? true) await migrate(sql);
  return {
    url,
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
