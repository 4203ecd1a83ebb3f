// CREATE statements for the district and state tables of every catalog object. All statements
// are idempotent (IF NOT EXISTS) so that migrations and district registration can run again.
import { levelsOf, type CatalogObject } from '../../domain';
import {
  parentReferences, SCHEMA_CATALOG, STATE_SCHEMA, stateOwnedColumns, syncedColumns, type Column,
} from './columns';
import { quoteIdentifier as quote } from './identifiers';

/** Every object, parents before children: the order tables must be created in. */
export function parentFirstObjects(): CatalogObject[] {
  return levelsOf(new Set(SCHEMA_CATALOG.names), SCHEMA_CATALOG).flat().map((name) => SCHEMA_CATALOG.get(name));
}

function columnDefinition(column: Column, side: 'district' | 'state'): string {
  const type = side === 'district' ? column.districtType : column.stateType;
  return `${quote(column.name)} ${type}${column.nullable ? '' : ' not null'}`;
}

export function districtTableStatements(schema: string, object: CatalogObject): string[] {
  const table = `${quote(schema)}.${quote(object.table)}`;
  const columns = syncedColumns(object).map((column) => columnDefinition(column, 'district'));
  if (object.exclusionFlag) columns.push('"state_excluded" boolean not null default false');
  columns.push('"updated_at" timestamptz not null default now()');
  const references = parentReferences(object).map((reference) =>
    `foreign key (${quote(reference.column)}) references ${quote(schema)}.${quote(reference.parentTable)} (id)`);
  const statements = [`create table if not exists ${table} (\n  ${[...columns, 'primary key (id)', ...references].join(',\n  ')}\n)`];
  if (object.yearTied) {
    statements.push(`create index if not exists ${quote(`${object.table}_year_id`)} on ${table} (school_year, id)`);
  }
  // As a district's SIS indexes its foreign keys: a Selective Sync finds the records below a
  // chosen one through them.
  for (const reference of parentReferences(object)) {
    statements.push(`create index if not exists ${quote(`${object.table}_${reference.column}`)} on ${table} (${quote(reference.column)})`);
  }
  return statements;
}

export function stateTableStatements(object: CatalogObject): string[] {
  const table = `${quote(STATE_SCHEMA)}.${quote(object.table)}`;
  const columns = [
    '"source_district" text not null',
    ...syncedColumns(object).map((column) => columnDefinition(column, 'state')),
    ...stateOwnedColumns(object).map((column) => columnDefinition(column, 'state')),
    // The batch that last wrote (or deliberately kept) the row: a full resync removes the rows of
    // its district and year that it did not touch.
    '"synced_batch" text not null',
  ];
  const references = parentReferences(object).map((reference) =>
    `foreign key ("source_district", ${quote(reference.column)}) references ${quote(STATE_SCHEMA)}.${quote(reference.parentTable)} ("source_district", id)`);
  const statements = [
    `create table if not exists ${table} (\n  ${[...columns, 'primary key ("source_district", id)', ...references].join(',\n  ')}\n)`,
  ];
  // Deleting a parent row checks its children through these indexes.
  for (const reference of parentReferences(object)) {
    statements.push(`create index if not exists ${quote(`${object.table}_${reference.column}`)} on ${table} ("source_district", ${quote(reference.column)})`);
  }
  if (object.yearTied) {
    statements.push(`create index if not exists ${quote(`${object.table}_year`)} on ${table} ("source_district", school_year, id)`);
  }
  return statements;
}

export function districtSchemaStatements(schema: string): string[] {
  return [`create schema if not exists ${quote(schema)}`, ...parentFirstObjects().flatMap((object) => districtTableStatements(schema, object))];
}

export function stateSchemaStatements(): string[] {
  return [`create schema if not exists ${quote(STATE_SCHEMA)}`, ...parentFirstObjects().flatMap(stateTableStatements)];
}
