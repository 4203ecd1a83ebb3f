// The record set of a selective batch, built at the district: its seeds — the chosen records, or
// the records that failed in earlier batches — every record below the chosen ones (with
// includeDependents: one person → enrollments, attendance, rosters, test scores; one school →
// everything of that school) and the parent records the set references (with includeParents,
// transitively). The closure is computed inside the district's database, in a temporary table, one
// statement per object and direction; only ids cross between the servers, streamed in chunks.
// Memory stays bounded however large the set.
import { addRecordIds, clearRecordSet, recordSetCounts } from './batch-records';
import { getBatch } from './batches';
import type { Queryable, Sql, Tx } from './db';
import { getDistrict, type District } from './district-registry';
import type { DistrictSources } from './district-sources';
import { parentReferences, SCHEMA_CATALOG, STATE_SCHEMA } from './schema/columns';
import { parentFirstObjects } from './schema/ddl';
import {
  InvalidPlanRequestError, isRetry, offers, UnknownBatchError, type CatalogObject, type RecordSelection, type RecordSetRequest,
  type SchoolYearChoice,
} from '../domain';
import { quoteIdentifier as q } from './schema/identifiers';

export interface BuildRecordSetInput {
  readonly batchId: string;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly yearChoice: SchoolYearChoice;
}

export interface RecordSetBuilt {
  /** Records in the set, per object (seeds the district no longer has included). */
  readonly counts: Readonly<Record<string, number>>;
}

/** Ids moved between the servers per round trip. */
const CHUNK = 10_000;

/** The objects a set may hold records of: those offered to the district for the year, parent-first. */
function offeredObjects(district: District, yearChoice: SchoolYearChoice): CatalogObject[] {
  const offered = new Set(offers(district.profile, yearChoice).filter((offer) => !offer.notOfferedBecause).map((offer) => offer.object.name));
  return parentFirstObjects().filter((object) => offered.has(object.name));
}

interface Expansion {
  readonly includeParents: boolean;
  readonly includeDependents: boolean;
}

/** A catalog object's name as an SQL string literal (catalog names are letters and digits). */
const literal = (name: string) => `'${name.replace(/'/g, "''")}'`;

/** Grows the transaction's temporary `record_set` (seeded) into its closure: one statement per
 *  object and reference, sent as one script (one round trip, not a hundred). */
async function expand(tx: Tx, schema: string, objects: readonly CatalogObject[], expansion: Expansion, schoolYear: number): Promise<void> {
  const offered = new Set(objects.map((object) => object.name));
  const year = Number(schoolYear);
  if (!Number.isSafeInteger(year)) throw new Error(`not a school year: ${schoolYear}`);
  const script: string[] = [];
  if (expansion.includeDependents) {
    // Parents first: when an object's turn comes, the sets of all its parents are complete.
    for (const object of objects) {
      for (const reference of parentReferences(object).filter((ref) => offered.has(ref.parent))) {
        script.push(`insert into record_set select ${literal(object.name)}, d."id" from ${q(schema)}.${q(object.table)} d
          where d.${q(reference.column)} in (select s.id from record_set s where s.object = ${literal(reference.parent)})${object.yearTied ? ` and d."school_year" = ${year}` : ''}
          on conflict do nothing`);
      }
    }
  }
  if (expansion.includeParents) {
    // Children first: a parent added here has its own parents added on its turn.
    for (const object of [...objects].reverse()) {
      for (const reference of parentReferences(object).filter((ref) => offered.has(ref.parent))) {
        script.push(`insert into record_set select ${literal(reference.parent)}, d.${q(reference.column)} from ${q(schema)}.${q(object.table)} d
          join record_set s on s.object = ${literal(object.name)} and s.id = d."id" where d.${q(reference.column)} is not null on conflict do nothing`);
      }
    }
  }
  if (script.length > 0) await tx.unsafe(script.join(';\n'));
}

/** Adds to the batch's `batch_record` every record the state holds of the district below the
 *  set's records (transitively, year-tied ones of the school year), parents first. */
async function addStateDependents(state: Queryable, batchId: string, districtId: string, objects: readonly CatalogObject[], schoolYear: number): Promise<void> {
  const offered = new Set(objects.map((object) => object.name));
  const year = Number(schoolYear);
  if (!Number.isSafeInteger(year)) throw new Error(`not a school year: ${schoolYear}`);
  // Batch and district ids have the domain's forms (letters, digits, dashes): checked, then inlined
  // so the statements travel as one script.
  if (!/^[A-Za-z0-9_-]+$/.test(batchId) || !/^[A-Za-z0-9_-]+$/.test(districtId)) throw new Error('unexpected batch or district id');
  const script: string[] = [];
  for (const object of objects) {
    for (const reference of parentReferences(object).filter((ref) => offered.has(ref.parent))) {
      script.push(`insert into resync.batch_record (batch_id, object, record_id)
        select '${batchId}', ${literal(object.name)}, c."id" from ${q(STATE_SCHEMA)}.${q(object.table)} c
        join resync.batch_record s on s.batch_id = '${batchId}' and s.object = ${literal(reference.parent)} and s.record_id = c.${q(reference.column)}
        where c."source_district" = '${districtId}'${object.yearTied ? ` and c."school_year" = ${year}` : ''} on conflict do nothing`);
    }
  }
  if (script.length > 0) await state.unsafe(script.join(';\n'));
}

async function createRecordSet(tx: Tx): Promise<void> {
  await tx.unsafe('create temporary table record_set (object text not null, id bigint not null, primary key (object, id)) on commit drop');
}

/**
 * Chosen ids of a year-tied object that the district holds for another school year than
 * `schoolYear`. A Selective Sync resyncs one school year's records: those ids are refused when it
 * is requested and left out of its record set (a batch of 2026-27 must not send 2025-26 records).
 * @returns the ids, ascending; [] for an object not tied to a year
 */
export async function chosenOfOtherYears(
  source: Queryable, schema: string, object: CatalogObject, ids: readonly number[], schoolYear: number,
): Promise<number[]> {
  if (!object.yearTied || ids.length === 0) return [];
  const rows = await source.unsafe(`select d."id" from ${q(schema)}.${q(object.table)} d
    where d."id" = any($1::bigint[]) and d."school_year" <> $2 order by d."id"`, [[...ids], schoolYear] as never[]);
  return rows.map((row) => Number(row.id));
}

/** Seeds a chosen selection: the chosen ids the district holds. */
async function seedChosen(tx: Tx, schema: string, object: CatalogObject, ids: readonly number[]): Promise<void> {
  await tx.unsafe(`insert into record_set select $1, d."id" from ${q(schema)}.${q(object.table)} d where d."id" = any($2::bigint[])`,
    [object.name, [...ids]] as never[]);
}

/** Puts a retry's seeds in the state's `batch_record`: records that failed in the earlier batches
 *  for a missing parent or a refusal, and, for the former, the missing parent (`onlyDeferred`:
 *  only failures for a parent the state now holds, without the parents). */
async function seedFailed(state: Queryable, batchId: string, districtId: string, request: Extract<RecordSetRequest, { retryOf: unknown }>): Promise<void> {
  const batches = [...request.retryOf];
  if (!request.onlyDeferred) {
    await state`insert into resync.batch_record (batch_id, object, record_id)
      select ${batchId}, e.object, e.record_id from resync.sync_error e
      where e.batch_id = any(${batches}) and e.reason_code in ('parent-missing', 'refused')
      union select ${batchId}, e.cause_object, e.cause_record_id from resync.sync_error e
      where e.batch_id = any(${batches}) and e.reason_code = 'parent-missing' and e.cause_object is not null
      on conflict do nothing`;
    return;
  }
  for (const child of SCHEMA_CATALOG.objects) {
    for (const reference of parentReferences(child)) {
      await state.unsafe(`insert into resync.batch_record (batch_id, object, record_id)
        select $1, e.object, e.record_id from resync.sync_error e
        join ${q(STATE_SCHEMA)}.${q(reference.parentTable)} p on p."source_district" = $2 and p."id" = e.cause_record_id
        where e.batch_id = any($3::text[]) and e.reason_code = 'parent-missing' and e.cause_object = $4 and e.object = $5
          and not exists (select 1 from ${q(STATE_SCHEMA)}.${q(child.table)} c where c."source_district" = $2 and c."id" = e.record_id)
        on conflict do nothing`, [batchId, districtId, batches, reference.parent, child.name] as never[]);
    }
  }
}

/** Copies the state's `batch_record` of the batch into the district's temporary `record_set`. */
async function seedFromState(state: Queryable, tx: Tx, batchId: string): Promise<void> {
  for await (const rows of state.unsafe('select object, record_id from resync.batch_record where batch_id = $1', [batchId] as never[]).cursor(CHUNK)) {
    await tx.unsafe('insert into record_set select unnest($1::text[]), unnest($2::bigint[]) on conflict do nothing',
      [rows.map((row) => row.object as string), rows.map((row) => Number(row.record_id))] as never[]);
  }
}

/** Streams the district's `record_set` into the state's `batch_record` of the batch. */
async function storeFromDistrict(state: Queryable, tx: Tx, batchId: string): Promise<void> {
  for await (const rows of tx.unsafe('select object, id from record_set order by object, id').cursor(CHUNK)) {
    const byObject = new Map<string, number[]>();
    for (const row of rows) {
      const list = byObject.get(row.object as string) ?? [];
      list.push(Number(row.id));
      byObject.set(row.object as string, list);
    }
    for (const [object, ids] of byObject) await addRecordIds(state, batchId, object, ids);
  }
}

function chosenObject(objects: readonly CatalogObject[], district: District, selection: RecordSelection, yearChoice: SchoolYearChoice): CatalogObject {
  const chosen = objects.find((object) => object.name === selection.object);
  if (!chosen) throw new InvalidPlanRequestError(`${selection.object} is not offered to district ${district.districtId} for the ${yearChoice} school year`);
  return chosen;
}

export interface RecordSetPreview {
  /** Records per object the set would hold at the district. */
  readonly counts: Readonly<Record<string, number>>;
  /** Chosen ids the district does not hold: removed from the state if it holds them, else unknown. */
  readonly notAtDistrict: readonly number[];
  /** Chosen ids the district holds for another school year: left out (see chosenOfOtherYears). */
  readonly otherYears: readonly number[];
}

/** What a chosen selection would resync, storing nothing (the page's preview, the plan route). */
export async function previewRecordSet(
  sources: DistrictSources, district: District, selection: RecordSelection, yearChoice: SchoolYearChoice, schoolYear: number,
): Promise<RecordSetPreview> {
  const objects = offeredObjects(district, yearChoice);
  const chosen = chosenObject(objects, district, selection, yearChoice);
  return sources.for(district).begin(async (tx) => {
    await createRecordSet(tx);
    await seedChosen(tx, district.sourceSchema, chosen, selection.ids);
    const found = new Set((await tx.unsafe('select id from record_set').values()).map((row) => Number(row[0])));
    const otherYears = await chosenOfOtherYears(tx, district.sourceSchema, chosen, selection.ids, schoolYear);
    if (otherYears.length > 0) await tx.unsafe('delete from record_set where id = any($1::bigint[])', [otherYears] as never[]);
    await expand(tx, district.sourceSchema, objects, selection, schoolYear);
    const rows = await tx.unsafe('select object, count(*)::int as records from record_set group by object');
    return {
      counts: Object.fromEntries(rows.map((row) => [row.object as string, Number(row.records)])),
      notAtDistrict: selection.ids.filter((id) => !found.has(id)),
      otherYears,
    };
  }) as Promise<RecordSetPreview>;
}

/**
 * Builds (or rebuilds: a retried activity starts afresh) the batch's record set in
 * `resync.batch_record`.
 * @throws UnknownBatchError when the batch asks for no record set
 */
export async function buildRecordSet(deps: { state: Sql; districtSources: DistrictSources }, input: BuildRecordSetInput): Promise<RecordSetBuilt> {
  const request = (await getBatch(deps.state, input.batchId))?.selection;
  if (!request) throw new UnknownBatchError(input.batchId);
  const district = await getDistrict(deps.state, input.districtId);
  const objects = offeredObjects(district, input.yearChoice);
  const schema = district.sourceSchema;
  await clearRecordSet(deps.state, input.batchId);
  // Seeds go to the state first: one the district no longer holds stays in the set, for the copy
  // to remove from the state (or report, when the state holds none either).
  if (isRetry(request)) await seedFailed(deps.state, input.batchId, input.districtId, request);
  else {
    // Refused when requested; a record moved to another year since is left out all the same.
    const chosen = chosenObject(objects, district, request, input.yearChoice);
    const otherYears = new Set(await chosenOfOtherYears(deps.districtSources.for(district), schema, chosen, request.ids, input.schoolYear));
    await addRecordIds(deps.state, input.batchId, chosen.name, request.ids.filter((id) => !otherYears.has(id)));
  }
  const expansion: Expansion = isRetry(request)
    ? { includeParents: !request.onlyDeferred, includeDependents: false }
    : request;
  // Removals apply within the set: what the state holds below the chosen records joins it, for
  // the copy to remove what the district no longer has (before parents are added: only below
  // the chosen records).
  if (expansion.includeDependents) await addStateDependents(deps.state, input.batchId, input.districtId, objects, input.schoolYear);
  await deps.districtSources.for(district).begin(async (tx) => {
    await createRecordSet(tx);
    await seedFromState(deps.state, tx, input.batchId);
    await expand(tx, schema, objects, expansion, input.schoolYear);
    await storeFromDistrict(deps.state, tx, input.batchId);
  });
  return { counts: await recordSetCounts(deps.state, input.batchId) };
}
