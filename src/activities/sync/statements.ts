// The SQL text of the per-object statements (read a page, upsert a page, remove records no longer
// allowed with those under them, prune), built once per object from the catalog. Identifiers come only from the catalog and are quoted; every value is
// a bind parameter. Column lists vary per object, which postgres.js fragments cannot express for
// `unnest(...) as i(...)`, hence text built here and nowhere else.
import type { CatalogObject } from '../../domain';
import {
  parentReferences, SCHEMA_CATALOG, STATE_SCHEMA, syncedColumns, type Column, type ParentReference,
} from '../../data/schema/columns';
import { parentFirstObjects } from '../../data/schema/ddl';
import { branchesKey, exclusionCause, type ExclusionBranches } from '../../data/schema/exclusion';

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Smallest and largest bigint: open key-range bounds that still let the planner use the index. */
export const MIN_ID = -9_223_372_036_854_775_808n;
export const MAX_ID = 9_223_372_036_854_775_807n;

export interface ObjectStatements {
  readonly columns: readonly Column[];
  readonly references: readonly ParentReference[];
  /** $1 year (year-tied only), then after-id, high-id, limit. Columns as text, then the exclusion
   *  cause (null: allowed; see exclusionCause). */
  readonly readPage: (schema: string, branches: ExclusionBranches) => string;
  /** $1 district, $2 batch, then one text[] per synced column. */
  readonly upsertPage: string;
  /** Reads and writes a page inside one database (district and state side by side): $1 district,
   *  $2 batch, [$3 year], after-id, high-id, limit. Returns processed, cursor, written, not_allowed
   *  records (id and cause) and orphans. `fresh`: the state holds none of these records yet, so a
   *  plain INSERT will do (a duplicate then fails the page, which is written again the careful way). */
  readonly movePage: (schema: string, fresh: boolean, branches: ExclusionBranches) => string;
  /** $1 district, $2 batch [, $3 year]. Returns deleted and kept counts. */
  readonly prune: string;
  /** $1 district, $2 ids (bigint[]), $3 batch: mark rows the batch deliberately keeps. */
  readonly keep: string;
  /** $1 district, $2 ids (bigint[]): which of these records the state holds. Rows: id. */
  readonly held: string;
  /** $1 district, $2 ids (bigint[]): removes these records from the state with every record under
   *  them, in one statement (foreign keys are checked at its end, so the order of its parts does
   *  not matter). Rows: object, removed — one per object that can hold such records. */
  readonly removeWithDescendants: string;
}

function stateCast(column: Column): string {
  // varchar columns stay text so that an over-long value fails the assignment (an explicit cast
  // to varchar(n) would silently truncate it).
  return column.stateType.startsWith('varchar') ? 'text' : column.stateType;
}

function readPageText(object: CatalogObject, columns: readonly Column[], schema: string, branches: ExclusionBranches): string {
  const select = columns.map((column) => `r.${q(column.name)}::text`);
  select.push(exclusionCause(schema, object, 'r', branches));
  const yearFilter = object.yearTied ? 'r."school_year" = $1 and ' : '';
  const [after, high, limit] = object.yearTied ? ['$2', '$3', '$4'] : ['$1', '$2', '$3'];
  // Order by the table's column (r."id"), not the text output column of the same name: keyset
  // pagination needs numeric order.
  return `select ${select.join(', ')} from ${q(schema)}.${q(object.table)} r
    where ${yearFilter}r."id" > ${after}::bigint and r."id" <= ${high}::bigint order by r."id" limit ${limit}`;
}

function upsertPageText(object: CatalogObject, columns: readonly Column[], references: readonly ParentReference[]): string {
  const table = `${q(STATE_SCHEMA)}.${q(object.table)}`;
  const params = columns.map((_, i) => `$${i + 3}::text[]`).join(', ');
  const names = columns.map((column) => q(column.name)).join(', ');
  const orphans = orphanChecks(references, 'input', '');
  const values = columns.map((column) => `i.${q(column.name)}::${stateCast(column)}`).join(', ');
  const updates = columns.filter((column) => column.name !== 'id')
    .map((column) => `${q(column.name)} = excluded.${q(column.name)}`);
  updates.push('"synced_batch" = excluded."synced_batch"');
  return `with input as (select * from unnest(${params}) as i(${names})),
    orphans as (${orphans}),
    written as (
      insert into ${table} as t ("source_district", ${names}, "synced_batch")
      select $1, ${values}, $2 from input i
      where not exists (select 1 from orphans o where o.id = i."id"::bigint)
      on conflict ("source_district", "id") do update set ${updates.join(', ')}
      returning 1)
    select (select count(*) from written)::int as written,
      coalesce((select json_agg(json_build_object('id', o.id, 'parent', o.parent, 'parentId', o.parent_id)) from orphans o), '[]'::json) as orphans`;
}

function orphanChecks(references: readonly ParentReference[], rows: string, extraCondition: string): string {
  const checks = references.map((reference) => `
      select i."id"::bigint as id, '${reference.parent}' as parent, i.${q(reference.column)}::bigint as parent_id from ${rows} i
      where ${extraCondition}i.${q(reference.column)} is not null and not exists (
        select 1 from ${q(STATE_SCHEMA)}.${q(reference.parentTable)} p
        where p."source_district" = $1 and p."id" = i.${q(reference.column)}::bigint)`);
  return checks.length > 0 ? checks.join('\n      union all') : 'select null::bigint as id, null::text as parent, null::bigint as parent_id where false';
}

function movePageText(
  object: CatalogObject, columns: readonly Column[], references: readonly ParentReference[], schema: string, fresh: boolean, branches: ExclusionBranches,
): string {
  const table = `${q(STATE_SCHEMA)}.${q(object.table)}`;
  const names = columns.map((column) => q(column.name)).join(', ');
  const [year, after, high, limit] = object.yearTied ? ['$3', '$4', '$5', '$6'] : [null, '$3', '$4', '$5'];
  const yearFilter = year ? `r."school_year" = ${year} and ` : '';
  const updates = columns.filter((column) => column.name !== 'id').map((column) => `${q(column.name)} = excluded.${q(column.name)}`);
  updates.push('"synced_batch" = excluded."synced_batch"');
  return `with read as materialized (
      select ${columns.map((column) => `r.${q(column.name)}`).join(', ')}, ${exclusionCause(schema, object, 'r', branches)} as not_allowed_cause
      from ${q(schema)}.${q(object.table)} r
      where ${yearFilter}r."id" > ${after}::bigint and r."id" <= ${high}::bigint order by r."id" limit ${limit}),
    page as materialized (select r.*, r.not_allowed_cause is not null as not_allowed from read r),
    orphans as (${orphanChecks(references, 'page', 'not i.not_allowed and ')}),
    written as (
      insert into ${table} as t ("source_district", ${names}, "synced_batch")
      select $1, ${columns.map((column) => `p.${q(column.name)}`).join(', ')}, $2 from page p
      where not p.not_allowed and not exists (select 1 from orphans o where o.id = p."id")
      ${fresh ? '' : `on conflict ("source_district", "id") do update set ${updates.join(', ')}`}
      returning 1)
    select (select count(*) from page)::int as processed, (select max("id") from page) as cursor,
      (select count(*) from written)::int as written,
      coalesce((select json_agg(json_build_object('id', "id", 'cause', not_allowed_cause)) from page where not_allowed), '[]'::json) as not_allowed,
      coalesce((select json_agg(json_build_object('id', o.id, 'parent', o.parent, 'parentId', o.parent_id)) from orphans o), '[]'::json) as orphans`;
}

function pruneText(object: CatalogObject): string {
  const table = `${q(STATE_SCHEMA)}.${q(object.table)}`;
  const yearFilter = object.yearTied ? ' and t."school_year" = $3' : '';
  const stillReferenced = SCHEMA_CATALOG.objects.flatMap((child) => parentReferences(child)
    .filter((reference) => reference.parent === object.name)
    .map((reference) => `exists (select 1 from ${q(STATE_SCHEMA)}.${q(child.table)} c
        where c."source_district" = t."source_district" and c.${q(reference.column)} = t."id")`));
  const guard = stillReferenced.length > 0 ? ` and not (${stillReferenced.join(' or ')})` : '';
  return `with deleted as (
      delete from ${table} t where t."source_district" = $1${yearFilter} and t."synced_batch" <> $2${guard}
      returning 1)
    select (select count(*) from deleted)::int as deleted,
      (select count(*) from ${table} t where t."source_district" = $1${yearFilter} and t."synced_batch" <> $2)::int
        - (select count(*) from deleted)::int as kept`;
}

/** Objects whose records can sit under a record of `object` at the state (they reference it, or
 *  reference such a record), parent-first, with the references that lead there. */
function descendantsOf(object: CatalogObject): { object: CatalogObject; references: ParentReference[] }[] {
  const under = new Set([object.name]);
  const found: { object: CatalogObject; references: ParentReference[] }[] = [];
  for (const candidate of parentFirstObjects()) {
    const references = parentReferences(candidate).filter((reference) => under.has(reference.parent));
    if (references.length === 0 || candidate.name === object.name) continue;
    under.add(candidate.name);
    found.push({ object: candidate, references });
  }
  return found;
}

function removeWithDescendantsText(object: CatalogObject): string {
  const table = (o: CatalogObject) => `${q(STATE_SCHEMA)}.${q(o.table)}`;
  const idsOf = new Map<string, string>([[object.name, 'under_0']]);
  const selections = ['under_0 as materialized (select unnest($2::bigint[]) as id)'];
  const descendants = descendantsOf(object);
  descendants.forEach((descendant, index) => {
    const name = `under_${index + 1}`;
    // `= any(array(…))` keeps each step an index scan on (source_district, parent column),
    // whatever the planner guesses of the sets' sizes.
    const matches = descendant.references.map((reference) => `c.${q(reference.column)} = any(array(select id from ${idsOf.get(reference.parent)}))`);
    selections.push(`${name} as materialized (select c."id" from ${table(descendant.object)} c
      where c."source_district" = $1 and (${matches.join(' or ')}))`);
    idsOf.set(descendant.object.name, name);
  });
  const removals = [object, ...descendants.map((descendant) => descendant.object)].map((o, index) =>
    `removed_${index} as (delete from ${table(o)} t where t."source_district" = $1 and t."id" = any(array(select id from ${idsOf.get(o.name)})) returning 1)`);
  const counts = [object, ...descendants.map((descendant) => descendant.object)].map((o, index) =>
    `select '${o.name}'::text as object, (select count(*) from removed_${index})::int as removed`);
  return `with ${[...selections, ...removals].join(',\n    ')}\n    ${counts.join('\n    union all ')}`;
}

const cache = new Map<string, ObjectStatements>();

export function statementsFor(object: CatalogObject): ObjectStatements {
  let statements = cache.get(object.name);
  if (!statements) {
    const columns = syncedColumns(object);
    const references = parentReferences(object);
    const readTexts = new Map<string, string>();
    const moveTexts = new Map<string, string>();
    statements = {
      columns,
      references,
      readPage: (schema, branches) => {
        const key = `${schema}:${branchesKey(branches)}`;
        let text = readTexts.get(key);
        if (!text) readTexts.set(key, (text = readPageText(object, columns, schema, branches)));
        return text;
      },
      movePage: (schema, fresh, branches) => {
        const key = `${schema}:${fresh}:${branchesKey(branches)}`;
        let text = moveTexts.get(key);
        if (!text) moveTexts.set(key, (text = movePageText(object, columns, references, schema, fresh, branches)));
        return text;
      },
      upsertPage: upsertPageText(object, columns, references),
      prune: pruneText(object),
      keep: `update ${q(STATE_SCHEMA)}.${q(object.table)} set "synced_batch" = $3 where "source_district" = $1 and "id" = any($2::bigint[])`,
      held: `select "id" from ${q(STATE_SCHEMA)}.${q(object.table)} where "source_district" = $1 and "id" = any($2::bigint[])`,
      removeWithDescendants: removeWithDescendantsText(object),
    };
    cache.set(object.name, statements);
  }
  return statements;
}
