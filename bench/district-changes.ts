// What a district does between two resyncs, at a chosen share of its records: edits a field of
// some records, and — in objects nothing references (leaves) — removes some and adds new ones. The
// differential resync's benchmark measures how fast the state catches up with it.
import type { Sql } from '../src/data/db';
import { parentReferences, SCHEMA_CATALOG, syncedColumns } from '../src/data/schema/columns';
import type { CatalogObject } from '../src/domain';

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

export interface DistrictChanges {
  readonly updated: number;
  readonly inserted: number;
  readonly deleted: number;
  /** Records of the scoped year (year-tied objects) and of the other objects before the changes. */
  readonly records: number;
}

/** An edit of one district-owned field that keeps its type and length (a state column's limit
 *  must not refuse the edited record). */
function edit(object: CatalogObject): string | null {
  const field = object.fields.find((candidate) => (candidate.owner ?? 'district') === 'district');
  if (!field) return null;
  const column = q(field.name);
  switch (field.type) {
    case 'text': return `${column} = case when coalesce(length(${column}), 0) = 0 then 'x' else left(${column}, length(${column}) - 1) || case when right(${column}, 1) = '~' then '^' else '~' end end`;
    case 'int': return `${column} = coalesce(${column}, 0) + 1`;
    case 'date': return `${column} = coalesce(${column}, date '2026-09-01') + 1`;
    case 'numeric': return `${column} = coalesce(${column}, 0) + 1`;
    case 'bool': return `${column} = not coalesce(${column}, false)`;
    default: return null;
  }
}

/**
 * Changes about `share` (0–1) of the district's records of `schoolYear`: half of it edited, and in
 * leaf objects a quarter removed and a quarter added (copies of existing records with new ids).
 * @returns what was changed, and how many records there were
 */
export async function changeDistrict(sql: Sql, schema: string, schoolYear: number, share: number): Promise<DistrictChanges> {
  const referenced = new Set(SCHEMA_CATALOG.objects.flatMap((object) => parentReferences(object).map((reference) => reference.parent)));
  const every = (fraction: number) => Math.max(1, Math.round(1 / (share * fraction)));
  let updated = 0;
  let inserted = 0;
  let deleted = 0;
  let records = 0;
  for (const object of SCHEMA_CATALOG.objects) {
    const table = `${q(schema)}.${q(object.table)}`;
    const year = object.yearTied ? ` and school_year = ${Number(schoolYear)}` : '';
    const [{ n }] = await sql.unsafe(`select count(*)::int as n from ${table} where true${year}`) as unknown as [{ n: number }];
    records += n;
    if (n === 0) continue;
    const leaf = !referenced.has(object.name);
    const change = edit(object);
    if (change) updated += (await sql.unsafe(`update ${table} set ${change} where id % ${every(leaf ? 0.5 : 1)} = 0${year}`)).count;
    if (!leaf) continue;
    const columns = syncedColumns(object).map((column) => q(column.name));
    const [{ max }] = await sql.unsafe(`select coalesce(max(id), 0)::bigint as max from ${table}`) as unknown as [{ max: string }];
    inserted += (await sql.unsafe(`insert into ${table} (${columns.join(', ')})
      select ${columns.map((column) => (column === '"id"' ? `id + ${BigInt(max)}` : column)).join(', ')} from ${table} where id % ${every(0.25)} = 2${year}`)).count;
    deleted += (await sql.unsafe(`delete from ${table} where id % ${every(0.25)} = 1 and id <= ${BigInt(max)}${year}`)).count;
  }
  return { updated, inserted, deleted, records };
}
