// Finding a district's records by what a person knows of them (Selective Sync's "search ids"):
// a student or staff member by local number, state ID or name; a school by name or number; any
// record that belongs to a person by that person; any record by its id.
import { CATALOG, type CatalogObject } from '../domain';
import type { Queryable } from './db';
import type { District } from './district-registry';
import { parentReferences, STATE_SCHEMA } from './schema/columns';
import { quoteIdentifier as q } from './schema/identifiers';

export interface FoundRecord {
  readonly id: number;
  /** How a person knows it: "Doe, Jane (local 10234, state ID KY-88) — Enrollment 2131". */
  readonly label: string;
}

interface PersonRow { id: number; first_name: string | null; last_name: string | null; local_id: string | null }

function personLabel(person: PersonRow, stateId: string | null | undefined): string {
  const name = [person.last_name, person.first_name].filter(Boolean).join(', ') || `person ${person.id}`;
  const ids = [person.local_id ? `local ${person.local_id}` : null, stateId ? `state ID ${stateId}` : null].filter(Boolean).join(', ');
  return ids ? `${name} (${ids})` : name;
}

/** Persons matching `text`: by local number, name (any part), id, or — at the state — state ID. */
async function findPersons(source: Queryable, state: Queryable, district: District, text: string, limit: number): Promise<Map<number, string>> {
  const table = `${q(district.sourceSchema)}.${q(CATALOG.get('PersonIdentity').table)}`;
  const byStateId = await state.unsafe(`select id from ${q(STATE_SCHEMA)}.${q(CATALOG.get('PersonIdentity').table)}
    where source_district = $1 and state_id = $2 limit $3`, [district.districtId, text, limit] as never[]);
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await source.unsafe<PersonRow[]>(`select id, first_name, last_name, local_id from ${table} p
    where p.local_id = $1 or p.id::text = $1 or (coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')) ilike $2
      or (coalesce(p.last_name, '') || ', ' || coalesce(p.first_name, '')) ilike $2 or p.id = any($3::bigint[])
    order by p.last_name, p.first_name, p.id limit $4`, [text, pattern, byStateId.map((row) => Number(row.id)), limit] as never[]);
  const stateIds = await state.unsafe(`select id, state_id from ${q(STATE_SCHEMA)}.${q(CATALOG.get('PersonIdentity').table)}
    where source_district = $1 and id = any($2::bigint[])`, [district.districtId, rows.map((row) => row.id)] as never[]);
  const stateIdOf = new Map(stateIds.map((row) => [Number(row.id), row.state_id as string | null]));
  return new Map(rows.map((row) => [Number(row.id), personLabel(row, stateIdOf.get(Number(row.id)))]));
}

/**
 * Records of `objectName` at the district that `text` names, best first.
 * @param source the district's database; @param state the state's (state IDs live there)
 */
export async function searchRecords(
  source: Queryable, state: Queryable, district: District, objectName: string, text: string, limit: number, schoolYear: number,
): Promise<FoundRecord[]> {
  const object: CatalogObject = CATALOG.get(objectName);
  const table = `${q(district.sourceSchema)}.${q(object.table)}`;
  // A year-tied object's records of that school year only: a Selective Sync resyncs one year's.
  const ofYear = object.yearTied ? ` and "school_year" = ${Number(schoolYear)}` : '';
  if (object.name === 'PersonIdentity') {
    return [...(await findPersons(source, state, district, text, limit))].map(([id, label]) => ({ id, label }));
  }
  if (object.name === 'School') {
    const rows = await source.unsafe(`select id, name, school_number from ${table}
      where name ilike $1 or school_number = $2 or id::text = $2 order by name limit $3`, [`%${text}%`, text, limit] as never[]);
    return rows.map((row) => ({ id: Number(row.id), label: `${row.name as string} (school ${row.school_number as string})` }));
  }
  const byPerson = parentReferences(object).find((reference) => reference.parent === 'PersonIdentity');
  if (byPerson) {
    const persons = await findPersons(source, state, district, text, limit);
    const rows = await source.unsafe(`select id, ${q(byPerson.column)} as person from ${table}
      where (${q(byPerson.column)} = any($1::bigint[]) or id::text = $2)${ofYear} order by id limit $3`, [[...persons.keys()], text, limit] as never[]);
    return rows.map((row) => ({ id: Number(row.id), label: `${persons.get(Number(row.person)) ?? `person ${String(row.person)}`} — ${object.name} ${String(row.id)}` }));
  }
  const rows = await source.unsafe(`select id from ${table} where id::text = $1${ofYear} limit 1`, [text] as never[]);
  return rows.map((row) => ({ id: Number(row.id), label: `${object.name} ${String(row.id)}` }));
}
