// The record set of a selective batch, built at the district: the chosen records, every record
// below them (with includeDependents: e.g. one person → enrollments, attendance, rosters, test
// scores; one school → everything of that school) and the parent records the set references (with
// includeParents, transitively). The closure is computed inside the district's database, in a
// temporary table, one statement per object and direction; only ids leave it, streamed in chunks
// into `resync.batch_record` at the state. Memory stays bounded however large the set.
import { addRecordIds, clearRecordSet, recordSetCounts } from './batch-records';
import { getBatch } from './batches';
import type { Sql, Tx } from './db';
import { getDistrict, type District } from './district-registry';
import type { DistrictSources } from './district-sources';
import { parentReferences } from './schema/columns';
import { parentFirstObjects } from './schema/ddl';
import {
  InvalidPlanRequestError, offers, UnknownBatchError, type CatalogObject, type RecordSelection, type SchoolYearChoice,
} from '../domain';

export interface BuildRecordSetInput {
  readonly batchId: string;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly yearChoice: SchoolYearChoice;
}

export interface RecordSetBuilt {
  /** Records in the set, per object (chosen records the district no longer has included). */
  readonly counts: Readonly<Record<string, number>>;
}

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Ids read out of the district per round trip. */
const CHUNK = 10_000;

interface Closure {
  readonly schema: string;
  readonly objects: readonly CatalogObject[];
  readonly chosen: CatalogObject;
  readonly offered: ReadonlySet<string>;
}

function closureOf(district: District, selection: RecordSelection, yearChoice: SchoolYearChoice): Closure {
  const offered = new Set(offers(district.profile, yearChoice).filter((offer) => !offer.notOfferedBecause).map((offer) => offer.object.name));
  const objects = parentFirstObjects().filter((object) => offered.has(object.name));
  const chosen = objects.find((object) => object.name === selection.object);
  if (!chosen) throw new InvalidPlanRequestError(`${selection.object} is not offered to district ${district.districtId} for the ${yearChoice} school year`);
  return { schema: district.sourceSchema, objects, chosen, offered };
}

/** Fills the transaction's temporary `record_set` with the closure of the selection. */
async function fillRecordSet(tx: Tx, closure: Closure, selection: RecordSelection, schoolYear: number): Promise<void> {
  const { schema, objects, chosen, offered } = closure;
  await tx.unsafe('create temporary table record_set (object text not null, id bigint not null, primary key (object, id)) on commit drop');
  await tx.unsafe(`insert into record_set select $1, d."id" from ${q(schema)}.${q(chosen.table)} d where d."id" = any($2::bigint[])`,
    [chosen.name, [...selection.ids]] as never[]);
  if (selection.includeDependents) {
    // Parents first: when an object's turn comes, the sets of all its parents are complete.
    for (const object of objects.slice(objects.indexOf(chosen) + 1)) {
      for (const reference of parentReferences(object).filter((ref) => offered.has(ref.parent))) {
        const year = object.yearTied ? ' and d."school_year" = $3' : '';
        await tx.unsafe(`insert into record_set select $1, d."id" from ${q(schema)}.${q(object.table)} d
          where d.${q(reference.column)} in (select s.id from record_set s where s.object = $2)${year} on conflict do nothing`,
        (object.yearTied ? [object.name, reference.parent, schoolYear] : [object.name, reference.parent]) as never[]);
      }
    }
  }
  if (selection.includeParents) {
    // Children first: a parent added here has its own parents added on its turn.
    for (const object of [...objects].reverse()) {
      for (const reference of parentReferences(object).filter((ref) => offered.has(ref.parent))) {
        await tx.unsafe(`insert into record_set select $1, d.${q(reference.column)} from ${q(schema)}.${q(object.table)} d
          join record_set s on s.object = $2 and s.id = d."id" where d.${q(reference.column)} is not null on conflict do nothing`,
        [reference.parent, object.name] as never[]);
      }
    }
  }
}

export interface RecordSetPreview {
  /** Records per object the set would hold at the district. */
  readonly counts: Readonly<Record<string, number>>;
  /** Chosen ids the district does not hold: removed from the state if it holds them, else unknown. */
  readonly notAtDistrict: readonly number[];
}

/** What a selection would resync, without storing anything (the page's preview, the plan route). */
export async function previewRecordSet(
  sources: DistrictSources, district: District, selection: RecordSelection, yearChoice: SchoolYearChoice, schoolYear: number,
): Promise<RecordSetPreview> {
  const closure = closureOf(district, selection, yearChoice);
  return sources.for(district).begin(async (tx) => {
    await fillRecordSet(tx, closure, selection, schoolYear);
    const rows = await tx.unsafe('select object, count(*)::int as records from record_set group by object');
    const found = new Set((await tx.unsafe('select id from record_set where object = $1', [closure.chosen.name] as never[])).map((row) => Number(row.id)));
    return {
      counts: Object.fromEntries(rows.map((row) => [row.object as string, Number(row.records)])),
      notAtDistrict: selection.ids.filter((id) => !found.has(id)),
    };
  }) as Promise<RecordSetPreview>;
}

/**
 * Builds (or rebuilds: a retried activity starts afresh) the batch's record set.
 * @throws UnknownBatchError when the batch has no selection
 */
export async function buildRecordSet(deps: { state: Sql; districtSources: DistrictSources }, input: BuildRecordSetInput): Promise<RecordSetBuilt> {
  const batch = await getBatch(deps.state, input.batchId);
  const selection = batch?.selection;
  if (!selection) throw new UnknownBatchError(input.batchId);
  const district = await getDistrict(deps.state, input.districtId);
  const closure = closureOf(district, selection, input.yearChoice);
  await clearRecordSet(deps.state, input.batchId);
  // Chosen ids the district does not hold stay in the set: the copy removes or reports them.
  await addRecordIds(deps.state, input.batchId, closure.chosen.name, selection.ids);
  await deps.districtSources.for(district).begin(async (tx) => {
    await fillRecordSet(tx, closure, selection, input.schoolYear);
    for await (const rows of tx.unsafe('select object, id from record_set order by object, id').cursor(CHUNK)) {
      const byObject = new Map<string, number[]>();
      for (const row of rows) {
        const list = byObject.get(row.object as string) ?? [];
        list.push(Number(row.id));
        byObject.set(row.object as string, list);
      }
      for (const [object, ids] of byObject) await addRecordIds(deps.state, input.batchId, object, ids);
    }
  });
  return { counts: await recordSetCounts(deps.state, input.batchId) };
}
