// Record-level figures at one large district (issue 13): a differential resync after a small share
// of the district changed (against the raw COPY of the whole district), a differential resync into
// an empty state (against the copy method, both run here back to back), and a Selective Sync of one
// student with everything below them (against the full resync of an empty district).
import { createSql } from '../src/data/db';
import { fullResync, runBatch } from './api-calls';
import { changeDistrict } from './district-changes';
import { log, truncateState, type Services, type Stack } from './stack';

export interface DifferentialRun {
  /** Share of the district's records changed before the resync (0–1; 1 = an empty state). */
  changedShare: number;
  seconds: number;
  /** What it is measured against: the raw COPY of the whole district (a small share), or the
   *  copy method's full resync into the same empty state (1). */
  baselineSeconds: number;
  baseline: 'raw COPY of the district' | 'copy method';
  /** baselineSeconds / seconds. */
  speedupOverBaseline: number;
  written: number;
}

export interface SelectiveRun {
  records: number;
  seconds: number;
  emptyResyncSeconds: number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const written = (batch: { objects: { inserted: number | null; updated: number | null; deleted: number }[] }) =>
  batch.objects.reduce((sum, object) => sum + (object.inserted ?? 0) + (object.updated ?? 0) + object.deleted, 0);

/**
 * Runs the record-level measures on a district the state already holds in sync.
 * @param baselineSeconds the raw COPY of the district, measured in this run
 */
export async function measureRecordLevel(
  stack: Stack, services: Services, target: { districtId: string; url: string; schema: string; schoolYear: number },
  baselineSeconds: number, emptyResyncSeconds: number, share: number,
): Promise<{ differential: DifferentialRun[]; selective: SelectiveRun }> {
  const { districtId } = target;
  const districtSql = createSql(target.url, { max: 1 });
  try {
    // A student with dependents, chosen before the changes (whichever student: the first).
    const [student] = await districtSql.unsafe(`select person_identity_id as id from "${target.schema}".enrollment
      where school_year = ${target.schoolYear} order by id limit 1`);
    const selective = await runBatch(services.apiUrl, `/api/districts/${districtId}/selective-syncs`, {
      object: 'PersonIdentity', ids: [Number(student!.id)], includeParents: true, includeDependents: true,
    });
    if (selective.status !== 'completed') throw new Error(`the selective sync ended ${selective.status}`);
    log(`selective sync of one student: ${selective.processed} records in ${selective.seconds.toFixed(2)} s`);

    const changes = await changeDistrict(districtSql, target.schema, target.schoolYear, share);
    const changed = changes.updated + changes.inserted + changes.deleted;
    log(`changed ${changed} of ${changes.records} records (${changes.updated} edited, ${changes.inserted} added, ${changes.deleted} removed)`);
    const small = await fullResync(services.apiUrl, districtId, 'differential');
    if (small.status !== 'completed') throw new Error(`the differential resync ended ${small.status}`);
    log(`differential after ${(100 * changed / changes.records).toFixed(2)} % changed: ${small.seconds.toFixed(2)} s, ${written(small)} written`);

    await truncateState(stack.sql);
    const copy = await fullResync(services.apiUrl, districtId, 'copy');
    await truncateState(stack.sql);
    const whole = await fullResync(services.apiUrl, districtId, 'differential');
    if (copy.status !== 'completed' || whole.status !== 'completed') throw new Error(`into an empty state: copy ${copy.status}, differential ${whole.status}`);
    log(`into an empty state: copy ${copy.seconds.toFixed(2)} s, differential ${whole.seconds.toFixed(2)} s`);
    return {
      differential: [
        {
          changedShare: round(changed / changes.records, 4), seconds: round(small.seconds), baselineSeconds: round(baselineSeconds),
          baseline: 'raw COPY of the district', speedupOverBaseline: round(baselineSeconds / small.seconds), written: written(small),
        },
        {
          changedShare: 1, seconds: round(whole.seconds), baselineSeconds: round(copy.seconds), baseline: 'copy method',
          speedupOverBaseline: round(copy.seconds / whole.seconds), written: written(whole),
        },
      ],
      selective: { records: selective.processed, seconds: round(selective.seconds), emptyResyncSeconds: round(emptyResyncSeconds) },
    };
  } finally {
    await districtSql.end({ timeout: 5 });
  }
}
