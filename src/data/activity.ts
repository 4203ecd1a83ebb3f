// What is happening in a district right now, for the tool page's live view: its queued and
// running batches (with the objects of the running ones), and marks that change whenever the
// history or the process alerts do. Read by the API's activity feed once per change, not per page.
import { UnknownDistrictError } from '../domain';
import { listActiveBatches, type BatchRecord } from './batches';
import { toObjectResult, type ObjectResult } from './batch-objects';
import type { Queryable } from './db';

export interface DistrictActivity {
  readonly districtId: string;
  /** Queued and running batches, every school year, oldest request first. */
  readonly active: readonly BatchRecord[];
  /** The objects of each running batch (a queued batch has none yet), by batch id. */
  readonly objects: ReadonlyMap<string, readonly ObjectResult[]>;
  /** Batches in the district's history: grows when a batch is queued. */
  readonly batches: number;
  /** When the district's latest batch ended (null: none has). */
  readonly lastFinishedAt: Date | null;
  /** The district's newest process alert (null: none). */
  readonly lastAlertId: number | null;
}

/** Reads a district's activity: three small statements, run side by side.
 *  @throws UnknownDistrictError when the district is not registered */
export async function readDistrictActivity(sql: Queryable, districtId: string): Promise<DistrictActivity> {
  const [active, objectRows, [marks]] = await Promise.all([
    listActiveBatches(sql, districtId),
    sql<(Parameters<typeof toObjectResult>[0] & { batch_id: string })[]>`select o.* from resync.batch_object o
      where o.batch_id in (select batch_id from resync.batch where district_id = ${districtId} and status = 'running')
      order by o.batch_id, o.level, o.object`,
    sql<{ known: boolean; batches: number; last_finished_at: Date | null; last_alert_id: number | null }[]>`select
      exists (select 1 from resync.district where district_id = ${districtId}) as known,
      (select count(*)::int from resync.batch where district_id = ${districtId}) as batches,
      (select max(finished_at) from resync.batch where district_id = ${districtId}) as last_finished_at,
      (select max(alert_id) from resync.alert where district_id = ${districtId}) as last_alert_id`,
  ]);
  if (!marks?.known) throw new UnknownDistrictError(districtId);
  const objects = new Map<string, ObjectResult[]>();
  for (const row of objectRows) objects.set(row.batch_id, [...(objects.get(row.batch_id) ?? []), toObjectResult(row)]);
  return {
    districtId, active, objects,
    batches: Number(marks?.batches ?? 0),
    lastFinishedAt: marks?.last_finished_at ?? null,
    lastAlertId: marks?.last_alert_id === null || marks?.last_alert_id === undefined ? null : Number(marks.last_alert_id),
  };
}
