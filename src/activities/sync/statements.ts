// The SQL text of the per-object statements, built once per object from the catalog: read a
// keyset page (as a COPY out of the district's server, or into the staging table inside one
// database), merge the staged page into the state, move a page inside one database in one
// statement, remove records no longer allowed with those under them, and prune. Identifiers come
// only from the catalog and are quoted; values are bind parameters, except in COPY, which takes
// none: the few values it carries are validated and written as literals here (pageLiterals).
import { BATCH_ID_PATTERN, isValidDistrictId, type CatalogObject } from '../../domain';
import {
  parentReferences, SCHEMA_CATALOG, STATE_SCHEMA, syncedColumns, type Column, type ParentReference,
} from '../../data/schema/columns';
import { parentFirstObjects } from '../../data/schema/ddl';
import { branchesKey, exclusionCause, type ExclusionBranches } from '../../data/schema/exclusion';
import { quoteIdentifier as q } from '../../data/schema/identifiers';
import { errorLoggedFor } from '../../data/sync-errors';

/** Smallest and largest bigint: open key-range bounds that still let the planner use the index. */
export const MIN_ID = -9_223_372_036_854_775_808n;
export const MAX_ID = 9_223_372_036_854_775_807n;

/** The transaction's staging table: one page of one object, gone at commit or rollback. */
export const STAGE = 'resync_page';

/** One keyset page of a range: ids in (after, high], the first `limit` of them in id order. */
export interface KeysetPage {
  /** Year-tied objects only. */
  readonly schoolYear: number;
  /** Bigints in decimal. */
  readonly after: string;
  readonly high: string;
  readonly limit: number;
}

export interface ObjectStatements {
  readonly columns: readonly Column[];
  readonly references: readonly ParentReference[];
  /** Creates the staging table: the synced columns (district types), then `cause`. */
  readonly createStage: string;
  /** `COPY (page) TO STDOUT` for the district's server, in the staging table's column order. */
  readonly copyOutPage: (schema: string, branches: ExclusionBranches, page: KeysetPage) => string;
  /** `COPY staging FROM STDIN`. */
  readonly copyInStage: string;
  /** For a fresh range, whose page goes straight into the state table: the page's processed,
   *  cursor and not_allowed (a query for the district's server, run in the same snapshot as…) */
  readonly freshPageSummary: (schema: string, branches: ExclusionBranches, page: KeysetPage) => string;
  /** … `COPY (the page's allowed records, as state rows) TO STDOUT`, and for the state's server… */
  readonly copyOutStateRows: (schema: string, branches: ExclusionBranches, page: KeysetPage, districtId: string, batchId: string) => string;
  /** … `COPY state table FROM STDIN`. */
  readonly copyInState: string;
  /** The last id a page copied straight into the state table: $1 district, $2 after-id, $3
   *  high-id, $4 batch (rows of the range this batch wrote, in the page's transaction). */
  readonly pageCursor: string;
  /** Fills the staging table from the district's schema in the same database: $1 year (year-tied
   *  only), then after-id, high-id, limit. */
  readonly stagePage: (schema: string, branches: ExclusionBranches) => string;
  /** Merges the staged page into the state: $1 district, $2 batch. Returns processed, cursor,
   *  written, not_allowed (id and cause) and orphans. `fresh`: the state holds none of these
   *  records yet, so a plain INSERT will do, and a missing parent fails the page (which is written
   *  again the careful way) instead of being looked for. */
  readonly mergeStage: (fresh: boolean) => string;
  /** The careful merge of the staged records with ids in [$3, $4]: orphans reported, existing
   *  records updated. $1 district, $2 batch. Returns written and orphans. */
  readonly mergeStagePart: string;
  /** Processed, cursor and not_allowed of the staged page; then `stagedIds` its allowed ids. */
  readonly stageSummary: string;
  readonly stagedIds: string;
  /** Reads and writes a page inside one database (district and state side by side): $1 district,
   *  $2 batch, [$3 year], after-id, high-id, limit. Returns what `mergeStage` returns. */
  readonly movePage: (schema: string, fresh: boolean, branches: ExclusionBranches) => string;
  /** Removes the state's records of the district (and year) the batch neither wrote nor logged an
   *  error for, except those a child still references: $1 district, $2 batch [, $3 year].
   *  `errorsLogged`: the batch logged errors for the object (else the log is not read). Returns
   *  deleted and kept (still referenced) counts. */
  readonly prune: (errorsLogged: boolean) => string;
  /** $1 district, $2 ids (bigint[]): which of these records the state holds. Rows: id. */
  readonly held: string;
  /** $1 district, $2 ids (bigint[]): removes these records from the state with every record under
   *  them, in one statement (foreign keys are checked at its end, so the order of its parts does
   *  not matter). Rows: object, removed — one per object that can hold such records. */
  readonly removeWithDescendants: string;

  // Pages of explicit ids: a record set's page, a differential page's records that differ.
  /** `COPY (these records) TO STDOUT`, in the staging table's column order. */
  readonly copyOutIds: (schema: string, branches: ExclusionBranches, ids: readonly number[]) => string;
  /** Stages these records from the district's schema in the same database: $1 ids (bigint[]). */
  readonly stageIds: (schema: string, branches: ExclusionBranches) => string;
  /** Every staged id (allowed or not). */
  readonly stagedAll: string;

  // Differential pages: each server digests its own records; only digests and the records that
  // differ cross between them.
  /** Creates the digest stage: id, digest (bigint), cause. */
  readonly createDigestStage: string;
  /** `COPY (keyset page of district digests) TO STDOUT`. */
  readonly copyOutDigests: (schema: string, branches: ExclusionBranches, page: KeysetPage) => string;
  readonly copyInDigests: string;
  /** Fills the digest stage from the district's schema in the same database: [$1 year], after, high, limit. */
  readonly stageDigests: (schema: string, branches: ExclusionBranches) => string;
  /** Processed, cursor and not_allowed of the staged digests. */
  readonly digestSummary: string;
  /** The page compared with the state's records of the same key range, in one full join: the
   *  staged digests the state lacks (missing) or holds otherwise, and the state's records the
   *  district no longer has (extra). $1 district, $2 after, $3 bound (inclusive), [$4 year]. */
  readonly compareDigests: string;
}

/** The digest stage of a differential page. */
export const DIGESTS = 'resync_digest';

/** Whether the ids can be written into COPY as literals (the domain's patterns allow no quote). */
export function inlinable(districtId: string, batchId: string): boolean {
  return isValidDistrictId(districtId) && BATCH_ID_PATTERN.test(batchId);
}

/** A page's values as SQL literals for COPY (which takes no bind parameters), each checked to be
 *  what it claims: decimal integers only. @throws Error for anything else */
export function pageLiterals(page: KeysetPage): { schoolYear: string; after: string; high: string; limit: string } {
  const bigint = (value: string, what: string) => {
    if (!/^-?[0-9]{1,19}$/.test(value) || BigInt(value) < MIN_ID || BigInt(value) > MAX_ID) throw new Error(`${what} is not a bigint: "${value}"`);
    return value;
  };
  const integer = (value: number, what: string, min: number) => {
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`${what} is not an integer of at least ${min}: ${value}`);
    return String(value);
  };
  return {
    schoolYear: integer(page.schoolYear, 'school year', 0), after: bigint(page.after, 'page start'),
    high: bigint(page.high, 'page end'), limit: integer(page.limit, 'page size', 1),
  };
}

function pageSelect(object: CatalogObject, columns: readonly Column[], schema: string, branches: ExclusionBranches, bounds: [string | null, string, string, string]): string {
  const [year, after, high, limit] = bounds;
  const yearFilter = object.yearTied && year !== null ? `r."school_year" = ${year} and ` : '';
  // Order by the table's column (r."id"): keyset pagination needs the index's order.
  return `select ${columns.map((column) => `r.${q(column.name)}`).join(', ')}, ${exclusionCause(schema, object, 'r', branches)} as cause
    from ${q(schema)}.${q(object.table)} r
    where ${yearFilter}r."id" > ${after}::bigint and r."id" <= ${high}::bigint order by r."id" limit ${limit}`;
}

/** A record's synced content (without its id) as a 64-bit hash, computed by the server holding it.
 *  PostgreSQL's record hash hashes each value with its type's hash: text and varchar(100) alike,
 *  so a district record and the state's copy of it hash equal. Should two servers ever hash
 *  differently, records are only written again, never skipped wrongly. */
function contentDigest(columns: readonly Column[], alias: string): string {
  return `hash_record_extended(row(${columns.filter((column) => column.name !== 'id').map((column) => `${alias}.${q(column.name)}`).join(', ')}), 0)`;
}

/** A list of record ids as an array literal for COPY; each must be a positive safe integer.
 *  @throws Error for anything else */
export function idsLiteral(ids: readonly number[]): string {
  for (const id of ids) if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`not a record id: ${id}`);
  return `'{${ids.join(',')}}'::bigint[]`;
}

function idsSelect(object: CatalogObject, columns: readonly Column[], schema: string, branches: ExclusionBranches, ids: string): string {
  return `select ${columns.map((column) => `r.${q(column.name)}`).join(', ')}, ${exclusionCause(schema, object, 'r', branches)} as cause
    from ${q(schema)}.${q(object.table)} r where r."id" = any(${ids}) order by r."id"`;
}

function digestSelect(object: CatalogObject, columns: readonly Column[], schema: string, branches: ExclusionBranches, bounds: [string | null, string, string, string]): string {
  const [year, after, high, limit] = bounds;
  const yearFilter = object.yearTied && year !== null ? `r."school_year" = ${year} and ` : '';
  return `select r."id", ${contentDigest(columns, 'r')} as digest, ${exclusionCause(schema, object, 'r', branches)} as cause
    from ${q(schema)}.${q(object.table)} r
    where ${yearFilter}r."id" > ${after}::bigint and r."id" <= ${high}::bigint order by r."id" limit ${limit}`;
}

function orphanChecks(references: readonly ParentReference[], rows: string, condition: string): string {
  const checks = references.map((reference) => `
      select i."id" as id, '${reference.parent}' as parent, i.${q(reference.column)} as parent_id from ${rows} i
      where ${condition} and i.${q(reference.column)} is not null and not exists (
        select 1 from ${q(STATE_SCHEMA)}.${q(reference.parentTable)} p
        where p."source_district" = $1 and p."id" = i.${q(reference.column)})`);
  return checks.length > 0 ? checks.join('\n      union all') : 'select null::bigint as id, null::text as parent, null::bigint as parent_id where false';
}

const ORPHANS_JSON = `coalesce((select json_agg(json_build_object('id', o.id, 'parent', o.parent, 'parentId', o.parent_id)) from orphans o), '[]'::json)`;

interface MergeOptions {
  /** Report records whose parent is not at the state (and leave them out) instead of letting a
   *  foreign key fail the statement. */
  readonly lookForOrphans: boolean;
  /** Update records the state already holds (else a duplicate fails the statement). */
  readonly upsert: boolean;
  /** Narrows the rows (a part of the page), given the rows' alias. */
  readonly only?: (alias: string) => string;
}

/** The CTEs `orphans` and `written`: the merge of `rows` (staged, or read in place) into the
 *  state table. */
function mergeText(object: CatalogObject, columns: readonly Column[], references: readonly ParentReference[], rows: string, options: MergeOptions): string {
  const table = `${q(STATE_SCHEMA)}.${q(object.table)}`;
  const names = columns.map((column) => q(column.name)).join(', ');
  const only = options.only ?? (() => 'true');
  const updates = columns.filter((column) => column.name !== 'id').map((column) => `${q(column.name)} = excluded.${q(column.name)}`);
  updates.push('"synced_batch" = excluded."synced_batch"');
  const orphans = options.lookForOrphans
    ? orphanChecks(references, rows, `i.cause is null and ${only('i')}`)
    : 'select null::bigint as id, null::text as parent, null::bigint as parent_id where false';
  return `orphans as materialized (${orphans}),
    written as (
      insert into ${table} as t ("source_district", ${names}, "synced_batch")
      select $1, ${columns.map((column) => `p.${q(column.name)}`).join(', ')}, $2 from ${rows} p
      where p.cause is null and ${only('p')}${options.lookForOrphans ? ' and not exists (select 1 from orphans o where o.id = p."id")' : ''}
      ${options.upsert ? `on conflict ("source_district", "id") do update set ${updates.join(', ')}` : ''}
      returning 1)`;
}

const pageResult = (rows: string) => `select (select count(*) from ${rows})::int as processed, (select max("id") from ${rows}) as cursor,
      (select count(*) from written)::int as written,
      coalesce((select json_agg(json_build_object('id', "id", 'cause', cause)) from ${rows} where cause is not null), '[]'::json) as not_allowed,
      ${ORPHANS_JSON} as orphans`;

function movePageText(
  object: CatalogObject, columns: readonly Column[], references: readonly ParentReference[], schema: string, fresh: boolean, branches: ExclusionBranches,
): string {
  const bounds: [string | null, string, string, string] = object.yearTied ? ['$3', '$4', '$5', '$6'] : [null, '$3', '$4', '$5'];
  // Inside one database a missing parent is looked for even on a fresh range: it costs little
  // here, and spares the page a second pass.
  return `with page as materialized (${pageSelect(object, columns, schema, branches, bounds)}),
    ${mergeText(object, columns, references, 'page', { lookForOrphans: true, upsert: !fresh })}
    ${pageResult('page')}`;
}

function pruneText(object: CatalogObject, errorsLogged: boolean): string {
  const table = `${q(STATE_SCHEMA)}.${q(object.table)}`;
  const yearFilter = object.yearTied ? ' and t."school_year" = $3' : '';
  const stillReferenced = SCHEMA_CATALOG.objects.flatMap((child) => parentReferences(child)
    .filter((reference) => reference.parent === object.name)
    .map((reference) => `exists (select 1 from ${q(STATE_SCHEMA)}.${q(child.table)} c
        where c."source_district" = t."source_district" and c.${q(reference.column)} = t."id")`));
  const guard = stillReferenced.length > 0 ? ` and not (${stillReferenced.join(' or ')})` : '';
  // A record the batch logged an error for (refused, or its parent missing) is one the district
  // still has: the state's earlier copy stays, untouched (marking it as written by the batch
  // rewrote it, and a state rule that refuses the record refused that too).
  const logged = errorsLogged ? ` and not ${errorLoggedFor('$2', object.name, 't."id"')}` : '';
  const stale = `t."source_district" = $1${yearFilter} and t."synced_batch" <> $2${logged}`;
  return `with deleted as (
      delete from ${table} t where ${stale}${guard}
      returning 1)
    select (select count(*) from deleted)::int as deleted,
      (select count(*) from ${table} t where ${stale})::int - (select count(*) from deleted)::int as kept`;
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

/** Caches a statement text per argument list (exclusion branches by their key). */
function memo<K extends unknown[]>(build: (...key: K) => string): (...key: K) => string {
  const texts = new Map<string, string>();
  return (...key: K) => {
    const id = key.map((part) => (part instanceof Set ? branchesKey(part) : String(part))).join('\u0000');
    let text = texts.get(id);
    if (!text) texts.set(id, (text = build(...key)));
    return text;
  };
}

export function statementsFor(object: CatalogObject): ObjectStatements {
  let statements = cache.get(object.name);
  if (!statements) {
    const columns = syncedColumns(object);
    const references = parentReferences(object);
    const table = `${q(STATE_SCHEMA)}.${q(object.table)}`;
    const literalPageSelect = (schema: string, branches: ExclusionBranches, page: KeysetPage) => {
      const literal = pageLiterals(page);
      // Quoted: a leading minus would bind looser than the cast (-9223372036854775808::bigint is
      // out of range).
      return pageSelect(object, columns, schema, branches, [literal.schoolYear, `'${literal.after}'`, `'${literal.high}'`, literal.limit]);
    };
    statements = {
      columns,
      references,
      createStage: `create temp table ${STAGE} (${columns.map((column) => `${q(column.name)} ${column.districtType}`).join(', ')}, cause text) on commit drop`,
      copyOutPage: (schema, branches, page) => `copy (${literalPageSelect(schema, branches, page)}) to stdout`,
      copyInStage: `copy ${STAGE} from stdin`,
      freshPageSummary: (schema, branches, page) => `select count(*)::int as processed, max(p."id") as cursor,
          coalesce(json_agg(json_build_object('id', p."id", 'cause', p.cause)) filter (where p.cause is not null), '[]'::json) as not_allowed
        from (${literalPageSelect(schema, branches, page)}) p`,
      copyOutStateRows: (schema, branches, page, districtId, batchId) => {
        if (!inlinable(districtId, batchId)) throw new Error(`district "${districtId}" or batch "${batchId}" cannot be written into COPY`);
        return `copy (select '${districtId}', ${columns.map((column) => `p.${q(column.name)}`).join(', ')}, '${batchId}'
          from (${literalPageSelect(schema, branches, page)}) p where p.cause is null) to stdout`;
      },
      copyInState: `copy ${table} ("source_district", ${columns.map((column) => q(column.name)).join(', ')}, "synced_batch") from stdin`,
      pageCursor: `select max("id") as cursor from ${table}
        where "source_district" = $1 and "id" > $2::bigint and "id" <= $3::bigint and "synced_batch" = $4`,
      stagePage: memo((schema: string, branches: ExclusionBranches) => `insert into ${STAGE}
        ${pageSelect(object, columns, schema, branches, object.yearTied ? ['$1', '$2', '$3', '$4'] : [null, '$1', '$2', '$3'])}`),
      mergeStage: memo((fresh: boolean) => `with ${mergeText(object, columns, references, STAGE, { lookForOrphans: !fresh, upsert: !fresh })}
    ${pageResult(STAGE)}`),
      mergeStagePart: `with ${mergeText(object, columns, references, STAGE, {
        lookForOrphans: true, upsert: true, only: (alias) => `${alias}."id" between $3::bigint and $4::bigint`,
      })}
    select (select count(*) from written)::int as written, ${ORPHANS_JSON} as orphans`,
      stageSummary: `select count(*)::int as processed, max("id") as cursor,
        coalesce(json_agg(json_build_object('id', "id", 'cause', cause)) filter (where cause is not null), '[]'::json) as not_allowed
      from ${STAGE}`,
      stagedIds: `select "id" from ${STAGE} where cause is null order by "id"`,
      movePage: memo((schema: string, fresh: boolean, branches: ExclusionBranches) => movePageText(object, columns, references, schema, fresh, branches)),
      prune: memo((errorsLogged: boolean) => pruneText(object, errorsLogged)),
      held: `select "id" from ${table} where "source_district" = $1 and "id" = any($2::bigint[])`,
      removeWithDescendants: removeWithDescendantsText(object),
      copyOutIds: (schema, branches, ids) => `copy (${idsSelect(object, columns, schema, branches, idsLiteral(ids))}) to stdout`,
      stageIds: memo((schema: string, branches: ExclusionBranches) => `insert into ${STAGE} ${idsSelect(object, columns, schema, branches, '$1::bigint[]')}`),
      stagedAll: `select "id" from ${STAGE}`,
      // No index: the stage is read whole, once, by a hash join.
      createDigestStage: `create temp table ${DIGESTS} (id bigint, digest bigint, cause text) on commit drop`,
      copyOutDigests: (schema, branches, page) => {
        const literal = pageLiterals(page);
        return `copy (${digestSelect(object, columns, schema, branches, [literal.schoolYear, `'${literal.after}'`, `'${literal.high}'`, literal.limit])}) to stdout`;
      },
      copyInDigests: `copy ${DIGESTS} from stdin`,
      digestSummary: `select count(*)::int as processed, max(id) as cursor,
        coalesce(json_agg(json_build_object('id', id, 'cause', cause)) filter (where cause is not null), '[]'::json) as not_allowed
      from ${DIGESTS}`,
      stageDigests: memo((schema: string, branches: ExclusionBranches) => `insert into ${DIGESTS}
        ${digestSelect(object, columns, schema, branches, object.yearTied ? ['$1', '$2', '$3', '$4'] : [null, '$1', '$2', '$3'])}`),
      // One range scan of the state's records and a hash join: no index probe per record.
      compareDigests: `select coalesce(d.id, s."id") as id, s."id" is null as missing, d.id is null as extra
        from ${DIGESTS} d full join (
          select s."id", ${contentDigest(columns, 's')} as digest from ${table} s
          where s."source_district" = $1 and s."id" > $2::bigint and s."id" <= $3::bigint${object.yearTied ? ' and s."school_year" = $4' : ''}
        ) s on s."id" = d.id
        where d.id is null or (d.cause is null and (s."id" is null or s.digest <> d.digest)) order by 1`,
    };
    cache.set(object.name, statements);
  }
  return statements;
}
