// Numbered migrations, applied in order, each in one transaction, recorded in
// resync.schema_migrations. An advisory lock lets the worker and the API start together.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from '../db';
import { stateSchemaStatements } from '../schema/ddl';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: () => string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const sqlFile = (file: string) => () => [readFileSync(path.join(here, file), 'utf8')];

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'bookkeeping', statements: sqlFile('0001_bookkeeping.sql') },
  // The state tables follow the catalog; the statements are generated from it (idempotent).
  { version: 2, name: 'state schema from the catalog', statements: stateSchemaStatements },
  { version: 3, name: 'verifications', statements: sqlFile('0003_verifications.sql') },
  { version: 4, name: 'fresh ranges', statements: sqlFile('0004_fresh_ranges.sql') },
  { version: 5, name: 'batch requests', statements: sqlFile('0005_batch_requests.sql') },
  { version: 6, name: 'error causes', statements: sqlFile('0006_error_causes.sql') },
  { version: 7, name: 'alert inbox', statements: sqlFile('0007_alert_inbox.sql') },
  { version: 8, name: 'activity notifications', statements: sqlFile('0008_activity_notify.sql') },
  { version: 9, name: 'record-level resyncs', statements: sqlFile('0009_record_level.sql') },
  { version: 10, name: 'objects change status without notifying', statements: sqlFile('0010_objects_quiet.sql') },
];

const LOCK_KEY = 0x5e5c_2026;

export async function migrate(sql: Sql): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`create schema if not exists resync`;
    await tx`create table if not exists resync.schema_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`;
    const applied = new Set((await tx<{ version: number }[]>`select version from resync.schema_migrations`).map((row) => row.version));
    const appliedNow: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements()) await tx.unsafe(statement);
      await tx`insert into resync.schema_migrations (version, name) values (${migration.version}, ${migration.name})`;
      appliedNow.push(migration.version);
    }
    return appliedNow;
  }) as Promise<number[]>;
}
