// Names records the way an administrator knows them: the person (name, local ID, state ID), the
// school (name and number), the calendar, and a few of the record's own values — read from the
// district's source data (and the state-owned state ID from the state), for a page of error-log
// entries at a time. Batched: one statement per object and ancestor level, never one per record.
import { CATALOG } from '../domain';
import type { Queryable } from './db';
import { parentReferences, STATE_SCHEMA, syncedColumns } from './schema/columns';

export interface RecordRef {
  readonly object: string;
  readonly recordId: number;
}

/** A record as a person reads it. */
export interface RecordName {
  /** One line: "Ava Lopez (local ID 100042) · Elementary School 1 (school 101) · 2026-27 Regular". */
  readonly label: string;
  /** The record's own values, e.g. "grade 05, start date 2026-08-20" (null: none to show). */
  readonly summary: string | null;
  readonly person: { readonly name: string; readonly localId: string | null; readonly stateId: string | null } | null;
  readonly school: { readonly name: string; readonly number: string | null } | null;
  readonly calendar: { readonly name: string } | null;
  /** False when the district no longer holds the record (deleted since the batch ran). */
  readonly atDistrict: boolean;
}

type Row = Readonly<Record<string, string | null>>;

const PERSON_OBJECTS = ['PersonIdentity', 'PersonIdentityNoStateIDOnly'];
/** Values already said by the person, school or calendar part, or internal. */
const NOT_IN_SUMMARY = new Set(['id', 'school_year', 'first_name', 'last_name', 'local_id', 'birth_date', 'name', 'school_number']);
const SUMMARY_VALUES = 2;

export const recordKey = (ref: RecordRef): string => `${ref.object}:${ref.recordId}`;

/** The rows of some records of one object, every synced column as text. */
async function readRows(source: Queryable, schema: string, object: string, ids: readonly number[]): Promise<Map<number, Row>> {
  const catalogObject = CATALOG.get(object);
  const columns = syncedColumns(catalogObject).map((column) => column.name);
  const select = columns.map((column) => source`${source(column)}::text as ${source(column)}`);
  const list = select.reduce((all, part, index) => (index === 0 ? part : source`${all}, ${part}`));
  const rows = await source<Row[]>`select ${list} from ${source(schema)}.${source(catalogObject.table)} where id = any(${[...ids]}::bigint[])`;
  return new Map(rows.map((row) => [Number(row.id), row]));
}

/** Reads the records and, level by level, every ancestor they reference. */
async function readWithAncestors(source: Queryable, schema: string, refs: readonly RecordRef[]): Promise<Map<string, Row>> {
  const found = new Map<string, Row>();
  const asked = new Set<string>();
  let wanted = refs;
  while (wanted.length > 0) {
    const byObject = new Map<string, number[]>();
    for (const ref of wanted) {
      const key = recordKey(ref);
      if (asked.has(key) || !CATALOG.has(ref.object)) continue;
      asked.add(key);
      byObject.set(ref.object, [...(byObject.get(ref.object) ?? []), ref.recordId]);
    }
    const read = await Promise.all([...byObject].map(async ([object, ids]) => ({ object, rows: await readRows(source, schema, object, ids) })));
    const next: RecordRef[] = [];
    for (const { object, rows } of read) {
      const references = parentReferences(CATALOG.get(object));
      for (const [id, row] of rows) {
        found.set(recordKey({ object, recordId: id }), row);
        for (const reference of references) {
          const parentId = row[reference.column];
          if (parentId !== null && parentId !== undefined) next.push({ object: reference.parent, recordId: Number(parentId) });
        }
      }
    }
    wanted = next;
  }
  return found;
}

/** The nearest ancestor (or the record itself) of each object kind, following references. */
function ancestors(ref: RecordRef, rows: ReadonlyMap<string, Row>): Map<string, Row> {
  const nearest = new Map<string, Row>();
  const queue: RecordRef[] = [ref];
  const seen = new Set<string>();
  for (let current = queue.shift(); current; current = queue.shift()) {
    const key = recordKey(current);
    if (seen.has(key)) continue;
    seen.add(key);
    const row = rows.get(key);
    if (!row) continue;
    if (!nearest.has(current.object)) nearest.set(current.object, row);
    for (const reference of parentReferences(CATALOG.get(current.object))) {
      const parentId = row[reference.column];
      if (parentId !== null && parentId !== undefined) queue.push({ object: reference.parent, recordId: Number(parentId) });
    }
  }
  return nearest;
}

const words = (column: string) => column.replace(/_/g, ' ');

function summaryOf(object: string, row: Row): string | null {
  if (PERSON_OBJECTS.includes(object)) return null;
  const references = new Set(parentReferences(CATALOG.get(object)).map((reference) => reference.column));
  const values = Object.entries(row).filter(([column, value]) => value !== null && value !== '' && !references.has(column) && !NOT_IN_SUMMARY.has(column));
  const shown = values.slice(0, SUMMARY_VALUES).map(([column, value]) => `${words(column)} ${value ?? ''}`);
  const name = row.name && !['School', 'Calendar'].includes(object) ? [`${row.name}`] : [];
  const parts = [...name, ...shown];
  return parts.length > 0 ? parts.join(', ') : null;
}

function nameOf(ref: RecordRef, rows: ReadonlyMap<string, Row>, stateIds: ReadonlyMap<number, string | null>): RecordName {
  const own = rows.get(recordKey(ref));
  const nearest = ancestors(ref, rows);
  const personObject = PERSON_OBJECTS.find((object) => nearest.has(object));
  const personRow = personObject ? nearest.get(personObject) : undefined;
  const person = personRow
    ? {
      name: [personRow.first_name, personRow.last_name].filter(Boolean).join(' ') || `${personObject} ${personRow.id}`,
      localId: personRow.local_id ?? null,
      stateId: personObject === 'PersonIdentity' ? stateIds.get(Number(personRow.id)) ?? null : null,
    }
    : null;
  const schoolRow = nearest.get('School');
  const school = schoolRow ? { name: schoolRow.name ?? `School ${schoolRow.id}`, number: schoolRow.school_number ?? null } : null;
  const calendarRow = nearest.get('Calendar');
  const calendar = calendarRow ? { name: calendarRow.name ?? `Calendar ${calendarRow.id}` } : null;
  const summary = own ? summaryOf(ref.object, own) : null;
  const parts = [
    person ? `${person.name} (${[person.localId && `local ID ${person.localId}`, person.stateId && `state ID ${person.stateId}`].filter(Boolean).join(', ') || 'no local ID'})` : null,
    school ? `${school.name}${school.number ? ` (school ${school.number})` : ''}` : null,
    calendar && ref.object !== 'School' ? calendar.name : null,
  ].filter((part): part is string => part !== null);
  const label = !own ? `${ref.object} ${ref.recordId} (no longer at the district)`
    : parts.length > 0 ? parts.join(' · ')
      : summary ?? `${ref.object} ${ref.recordId}`;
  return { label, summary, person, school, calendar, atDistrict: own !== undefined };
}

/**
 * Names records of one district. `source` is the district's database (`schema` its schema),
 * `state` the state's (for state IDs, a state-owned field). Records the district no longer holds
 * get a label saying so. Statements: one per object kind per ancestor level, plus one for state IDs.
 */
export async function nameRecords(
  source: Queryable, schema: string, state: Queryable, districtId: string, refs: readonly RecordRef[],
): Promise<Map<string, RecordName>> {
  if (refs.length === 0) return new Map();
  const rows = await readWithAncestors(source, schema, refs);
  const personIds = [...rows.keys()].filter((key) => key.startsWith('PersonIdentity:')).map((key) => Number(key.slice('PersonIdentity:'.length)));
  const stateIds = new Map<number, string | null>();
  if (personIds.length > 0) {
    const table = state`${state(STATE_SCHEMA)}.${state(CATALOG.get('PersonIdentity').table)}`;
    const found = await state<{ id: number; state_id: string | null }[]>`select id, state_id from ${table}
      where source_district = ${districtId} and id = any(${personIds}::bigint[])`;
    for (const row of found) stateIds.set(Number(row.id), row.state_id);
  }
  return new Map(refs.map((ref) => [recordKey(ref), nameOf(ref, rows, stateIds)]));
}
