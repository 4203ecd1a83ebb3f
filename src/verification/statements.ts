// SQL of the verification summary, built from the catalog (identifiers only; values are bind
// parameters). Both sides hash the synced columns the same way, so equal records hash equal; a
// district record counts as excluded by the rule the copy follows (data/schema/exclusion.ts).
import type { CatalogObject } from '../domain';
import { STATE_SCHEMA, syncedColumns } from '../data/schema/columns';
import { notAllowedCondition, type ExclusionBranches } from '../data/schema/exclusion';
import { quoteIdentifier as q } from '../data/schema/identifiers';

function rowText(object: CatalogObject, alias: string): string {
  const columns = syncedColumns(object).filter((column) => column.name !== 'id');
  return `row(${columns.map((column) => `${alias}.${q(column.name)}`).join(', ')})::text`;
}

function contentHash(object: CatalogObject, alias: string): string {
  return `md5(${rowText(object, alias)})`;
}

/** Ids per bucket (2^14): a bucket whose digests agree on both sides is in sync as a whole; only
 *  the others are compared record by record. */
export const BUCKET_BITS = 14;

function rowValues(object: CatalogObject, alias: string, withId: boolean): string {
  const columns = syncedColumns(object).filter((column) => withId || column.name !== 'id');
  return `row(${columns.map((column) => `${alias}.${q(column.name)}`).join(', ')})`;
}

/** A record's id and content as a 64-bit number: summed per bucket, equal sums mean equal
 *  buckets (a difference would have to cancel out exactly). PostgreSQL's record hash (14+) hashes
 *  each value with its type's hash, without printing it: 5× faster than md5 of the row's text,
 *  and the same for the district's types and the state's (text and varchar hash alike). Should
 *  two servers ever hash differently (it is not promised across versions and platforms), their
 *  buckets just disagree and are compared record by record, with md5. */
function recordDigest(object: CatalogObject, alias: string): string {
  return `hash_record_extended(${rowValues(object, alias, true)}, 0)`;
}

/** Content hash for comparing inside one database (one server: the same hash on both sides). */
function localHash(object: CatalogObject, alias: string): string {
  return `hash_record_extended(${rowValues(object, alias, false)}, 0)`;
}

/** An object's name (from the catalog) as a string literal, inner quotes doubled. */
const objectLiteral = (object: CatalogObject): string => `'${object.name.replace(/'/g, "''")}'`;

/** Several objects' bucket digests in one statement (one round trip, one connection, however
 *  many objects): each object's rows as `part` writes them, tagged with its name. */
function bucketsOf(objects: readonly CatalogObject[], part: (object: CatalogObject) => string): string {
  return objects.map((object) => `select ${objectLiteral(object)} as object, o.* from (${part(object)}) o`).join('\nunion all\n');
}

/** $1 school year (when any of `objects` is year-tied). Rows per object and bucket: object,
 *  bucket, district (records), excluded, allowed, digest (of the allowed records, as text). */
export function districtBuckets(schema: string, objects: readonly CatalogObject[], branches: ExclusionBranches): string {
  return bucketsOf(objects, (object) => {
    const yearFilter = object.yearTied ? 'where d."school_year" = $1' : '';
    return `select b.bucket, count(*)::int as district, count(*) filter (where b.excluded)::int as excluded,
        count(*) filter (where not b.excluded)::int as allowed, coalesce(sum(b.digest) filter (where not b.excluded), 0)::text as digest
      from (select d."id" >> ${BUCKET_BITS} as bucket, ${recordDigest(object, 'd')} as digest,
              (${notAllowedCondition(schema, object, 'd', branches)}) as excluded
            from ${q(schema)}.${q(object.table)} d ${yearFilter}) b
      group by b.bucket`;
  });
}

/** $1 district, $2 school year (when any of `objects` is year-tied). Rows per object and bucket:
 *  object, bucket, state, digest. */
export function stateBuckets(objects: readonly CatalogObject[]): string {
  return bucketsOf(objects, (object) => {
    const yearFilter = object.yearTied ? ' and s."school_year" = $2' : '';
    return `select s."id" >> ${BUCKET_BITS} as bucket, count(*)::int as state, coalesce(sum(${recordDigest(object, 's')}), 0)::text as digest
      from ${q(STATE_SCHEMA)}.${q(object.table)} s where s."source_district" = $1${yearFilter}
      group by 1`;
  });
}

/** $1 first id, $2 last id, $3 school year (year-tied objects only). Rows: id, hash, excluded;
 *  ordered by id. */
export function districtSide(schema: string, object: CatalogObject, branches: ExclusionBranches): string {
  const yearFilter = object.yearTied ? ' and d."school_year" = $3' : '';
  return `select d."id", ${contentHash(object, 'd')} as hash, (${notAllowedCondition(schema, object, 'd', branches)}) as excluded
    from ${q(schema)}.${q(object.table)} d where d."id" between $1::bigint and $2::bigint${yearFilter} order by d."id"`;
}

/** $1 district, $2 first id, $3 last id, $4 school year (year-tied objects only). Rows: id, hash;
 *  ordered by id. */
export function stateSide(object: CatalogObject): string {
  const yearFilter = object.yearTied ? ' and s."school_year" = $4' : '';
  return `select s."id", ${contentHash(object, 's')} as hash
    from ${q(STATE_SCHEMA)}.${q(object.table)} s where s."source_district" = $1 and s."id" between $2::bigint and $3::bigint${yearFilter}
    order by s."id"`;
}

/** Both sides compared inside one database (district and state side by side): $1 district,
 *  $2 school year (year-tied objects only). One row of counts; nothing crosses to the client. */
export function compareInDatabase(schema: string, object: CatalogObject, branches: ExclusionBranches): string {
  const districtYear = object.yearTied ? 'where d."school_year" = $2' : '';
  const stateYear = object.yearTied ? ' and s."school_year" = $2' : '';
  return `select count(d.id)::int as district, count(s.id)::int as state,
      count(*) filter (where s.id is null and not d.excluded)::int as missing,
      count(*) filter (where s.id is null and d.excluded)::int as excluded,
      count(*) filter (where d.id is null or (s.id is not null and d.excluded))::int as extra,
      count(*) filter (where d.id is not null and s.id is not null and not d.excluded and d.hash <> s.hash)::int as differing
    from (select d."id", ${localHash(object, 'd')} as hash, (${notAllowedCondition(schema, object, 'd', branches)}) as excluded
          from ${q(schema)}.${q(object.table)} d ${districtYear}) d
    full join (select s."id", ${localHash(object, 's')} as hash
          from ${q(STATE_SCHEMA)}.${q(object.table)} s where s."source_district" = $1${stateYear}) s on s.id = d.id`;
}
