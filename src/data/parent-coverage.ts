// What the district and the state hold of some objects (the parents a plan leaves out), for the
// warning before a resync whose records would fail for them (src/domain/missing-parents.ts).
// Counts only, on both sides, plus the objects' last results and what those could not send.
import type { ParentCoverage } from '../domain';
import { latestObjectResults } from './batch-objects';
import type { Queryable } from './db';
import type { District } from './district-registry';
import { countExcludedRecords, countRecords, countStateRecords } from './district-records';

/** Not-allowed records logged per object in the given batches (one statement). */
async function notAllowedLogged(state: Queryable, latest: readonly { batchId: string; object: string }[]): Promise<Map<string, number>> {
  if (latest.length === 0) return new Map();
  const rows = await state<{ object: string; count: number }[]>`select e.object, count(*)::int as count
    from resync.sync_error e join unnest(${latest.map((l) => l.batchId)}::text[], ${latest.map((l) => l.object)}::text[]) as l(batch_id, object)
      on e.batch_id = l.batch_id and e.object = l.object
    where e.reason_code = 'not-allowed' group by e.object`;
  return new Map(rows.map((row) => [row.object, Number(row.count)]));
}

/**
 * Coverage of `objects` for a district and school year (without `notOfferedBecause`, which the
 * caller knows). `includeStateBatches`: whether the reader may see the results of state requests
 * (a district user may not, DESIGN §2.6: for them an object only the state resynced was "never
 * resynced", though its records count at the state all the same).
 */
export async function parentCoverage(
  state: Queryable, source: Queryable, district: Pick<District, 'districtId' | 'sourceSchema'>, schoolYear: number,
  objects: readonly string[], options: { includeStateBatches: boolean },
): Promise<Map<string, ParentCoverage>> {
  if (objects.length === 0) return new Map();
  // A Selective Sync's result holds some records only: what it logged says nothing of how many of
  // the object's records may not be sent; those are counted at the district as for an object never
  // resynced.
  const latest = new Map([...await latestObjectResults(state, district.districtId, schoolYear, options)]
    .filter(([, result]) => !result.selective));
  const lastOf = objects.flatMap((object) => {
    const result = latest.get(object);
    return result ? [{ object, batchId: result.batchId }] : [];
  });
  const [logged, counts] = await Promise.all([
    notAllowedLogged(state, lastOf),
    Promise.all(objects.map(async (object) => {
      const result = latest.get(object);
      const [districtRecords, stateRecords, flagged] = await Promise.all([
        countRecords(source, district.sourceSchema, object, schoolYear),
        countStateRecords(state, district.districtId, object, schoolYear),
        result ? Promise.resolve(0) : countExcludedRecords(source, district.sourceSchema, object, schoolYear),
      ]);
      return { object, districtRecords, stateRecords, flagged };
    })),
  ]);
  return new Map(counts.map(({ object, districtRecords, stateRecords, flagged }) => {
    const result = latest.get(object);
    const coverage: ParentCoverage = {
      object, districtRecords, stateRecords,
      notAllowed: result ? logged.get(object) ?? 0 : flagged,
      lastResync: result ? { at: (result.lastResync ?? result.startedAt ?? new Date(0)).toISOString(), colour: result.colour, status: result.status } : null,
    };
    return [object, coverage];
  }));
}
