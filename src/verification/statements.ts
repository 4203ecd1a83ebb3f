// SQL of the verification summary, built from the catalog (identifiers only; values are bind
// parameters). Both sides hash the synced columns the same way, so equal records hash equal.
import { CATALOG, type CatalogObject } from '../domain';
import { parentReferences, STATE_SCHEMA, syncedColumns } from '../data/schema/columns';

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

function contentHash(object: CatalogObject, alias: string): string {
  const columns = syncedColumns(object).filter((column) => column.name !== 'id');
  return `md5(row(${columns.map((column) => `${alias}.${q(column.name)}`).join(', ')})::text)`;
}

const excludableCache = new Map<string, boolean>();

/** Whether a record of this object can be refused for an exclusion flag, its own or an ancestor's. */
function canBeExcluded(object: CatalogObject): boolean {
  let known = excludableCache.get(object.name);
  if (known === undefined) {
    known = Boolean(object.exclusionFlag) || parentReferences(object).some((reference) => canBeExcluded(CATALOG.get(reference.parent)));
    excludableCache.set(object.name, known);
  }
  return known;
}

/** True for a district record that is not allowed to sync: state-excluded itself, or hanging from
 *  a record that is (a roster of a state-excluded enrollment cannot reach the state either). The
 *  benchmark's raw-copy baseline uses it to copy exactly the records a resync can land. */
export function notAllowed(schema: string, object: CatalogObject, alias: string, depth = 0): string {
  const conditions: string[] = [];
  if (object.exclusionFlag) conditions.push(`${alias}."state_excluded"`);
  for (const reference of parentReferences(object)) {
    const parent = CATALOG.get(reference.parent);
    if (!canBeExcluded(parent)) continue;
    const parentAlias = `p${depth}_${parent.table}`;
    conditions.push(`exists (select 1 from ${q(schema)}.${q(parent.table)} ${parentAlias}
      where ${parentAlias}."id" = ${alias}.${q(reference.column)} and (${notAllowed(schema, parent, parentAlias, depth + 1)}))`);
  }
  return conditions.length > 0 ? conditions.join(' or ') : 'false';
}

/** $1 school year (year-tied objects only). Rows: id, hash, excluded; ordered by id. */
export function districtSide(schema: string, object: CatalogObject): string {
  const yearFilter = object.yearTied ? 'where d."school_year" = $1' : '';
  return `select d."id", ${contentHash(object, 'd')} as hash, (${notAllowed(schema, object, 'd')}) as excluded
    from ${q(schema)}.${q(object.table)} d ${yearFilter} order by d."id"`;
}

/** $1 district, $2 school year (year-tied objects only). Rows: id, hash; ordered by id. */
export function stateSide(object: CatalogObject): string {
  const yearFilter = object.yearTied ? ' and s."school_year" = $2' : '';
  return `select s."id", ${contentHash(object, 's')} as hash
    from ${q(STATE_SCHEMA)}.${q(object.table)} s where s."source_district" = $1${yearFilter} order by s."id"`;
}

/** Both sides compared inside one database (district and state side by side): $1 district,
 *  $2 school year (year-tied objects only). One row of counts; nothing crosses to the client. */
export function compareInDatabase(schema: string, object: CatalogObject): string {
  const districtYear = object.yearTied ? 'where d."school_year" = $2' : '';
  const stateYear = object.yearTied ? ' and s."school_year" = $2' : '';
  return `select count(d.id)::int as district, count(s.id)::int as state,
      count(*) filter (where s.id is null and not d.excluded)::int as missing,
      count(*) filter (where s.id is null and d.excluded)::int as excluded,
      count(*) filter (where d.id is null or (s.id is not null and d.excluded))::int as extra,
      count(*) filter (where d.id is not null and s.id is not null and not d.excluded and d.hash <> s.hash)::int as differing
    from (select d."id", ${contentHash(object, 'd')} as hash, (${notAllowed(schema, object, 'd')}) as excluded
          from ${q(schema)}.${q(object.table)} d ${districtYear}) d
    full join (select s."id", ${contentHash(object, 's')} as hash
          from ${q(STATE_SCHEMA)}.${q(object.table)} s where s."source_district" = $1${stateYear}) s on s.id = d.id`;
}
