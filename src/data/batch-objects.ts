// Per-object results of a batch (DESIGN §2.8): status, processed, errors, sent, removed, kept, and
// the post-run verification's verdict. The tool's table shows the latest result per object.
import { CATALOG, statusColour, type ObjectOutcome, type Plan, type ResyncMethod, type StatusColour } from '../domain';
import { STATE_SCHEMA } from './schema/columns';
import type { Queryable } from './db';
import type { StatementRunner } from './statement-runner';

export interface ObjectResult {
  readonly object: string;
  readonly level: number;
  readonly addedByCheckDependencies: boolean;
  readonly status: ObjectOutcome;
  readonly processed: number;
  readonly errors: number;
  readonly sent: number;
  readonly deleted: number;
  readonly kept: number;
  /** A differential copy: records written because the state lacked them, or held them otherwise,
   *  and records it left as they were. */
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly failure: string | null;
  readonly colour: StatusColour;
  /** The post-run verification's verdict for this object (null until verified). */
  readonly verifiedInSync: boolean | null;
}

interface ObjectRow {
  object: string; level: number; added_by_check_dependencies: boolean; status: ObjectOutcome; processed: number; errors: number;
  sent: number; deleted: number; kept: number; inserted: number; updated: number; unchanged: number; started_at: Date | null; finished_at: Date | null; failure: string | null;
  verified_in_sync: boolean | null;
}

export function toObjectResult(row: ObjectRow): ObjectResult {
  return {
    object: row.object, level: row.level, addedByCheckDependencies: row.added_by_check_dependencies, status: row.status,
    processed: row.processed, errors: row.errors, sent: row.sent, deleted: row.deleted, kept: row.kept,
    inserted: row.inserted, updated: row.updated, unchanged: row.unchanged,
    startedAt: row.started_at, finishedAt: row.finished_at, failure: row.failure,
    colour: statusColour(row.status, row), verifiedInSync: row.verified_in_sync,
  };
}

/** Creates the planned objects of a batch as pending (idempotent). */
export async function insertPlannedObjects(sql: Queryable, batchId: string, plan: Plan): Promise<number> {
  const objects = plan.levels.flatMap((level, index) => level.map((object) => ({
    batch_id: batchId, object, level: index + 1, status: 'pending',
    added_by_check_dependencies: plan.addedByCheckDependencies.includes(object),
  })));
  if (objects.length > 0) await sql`insert into resync.batch_object ${sql(objects)} on conflict do nothing`;
  return objects.length;
}

export async function markObjectRunning(sql: Queryable, batchId: string, object: string): Promise<void> {
  await sql`update resync.batch_object set status = 'running', started_at = coalesce(started_at, now())
    where batch_id = ${batchId} and object = ${object}`;
}

export async function markObjectsSkipped(sql: Queryable, batchId: string, skipped: readonly { object: string; reason: string }[]): Promise<void> {
  for (const { object, reason } of skipped) {
    await sql`update resync.batch_object set status = 'skipped', failure = ${reason}, finished_at = now()
      where batch_id = ${batchId} and object = ${object} and status = 'pending'`;
  }
}

/** Records a prune in its transaction: the records it deleted add to those the copy already
 *  removed (records found not allowed any longer); `kept` is what the prune left standing. */
export async function recordObjectPruned(sql: Queryable, batchId: string, object: string, result: { deleted: number; kept: number }): Promise<void> {
  await sql`update resync.batch_object set deleted = deleted + ${result.deleted}, kept = ${result.kept}
    where batch_id = ${batchId} and object = ${object}`;
}

/**
 * Adds records a page removed from the state (called in the page's transaction): each counts under
 * its own object where the batch includes that object, else under `object`, the object whose
 * not-allowed records they hung from (a partial resync of Enrollment removes the attendance of an
 * excluded enrollment too).
 * @param removed records removed per object name
 */
/** Adds what a differential page found (inserted, updated, unchanged) to its object. */
export async function addDifferentialCounts(tx: StatementRunner, batchId: string, object: string, counts: { inserted: number; updated: number; unchanged: number }): Promise<void> {
  await tx.run(`update resync.batch_object set inserted = inserted + $3, updated = updated + $4, unchanged = unchanged + $5
    where batch_id = $1 and object = $2`, [batchId, object, counts.inserted, counts.updated, counts.unchanged]);
}

export async function addRemovedCounts(tx: StatementRunner, batchId: string, object: string, removed: ReadonlyMap<string, number>): Promise<void> {
  const entries = [...removed].filter(([, count]) => count > 0);
  if (entries.length === 0) return;
  await tx.run(`with removed as (select * from unnest($3::text[], $4::int[]) as r(object, n)),
      placed as (select case when exists (select 1 from resync.batch_object o where o.batch_id = $1 and o.object = r.object)
        then r.object else $2 end as object, r.n from removed r)
    update resync.batch_object o set deleted = o.deleted + t.n
    from (select p.object, sum(p.n)::bigint as n from placed p group by p.object) t
    where o.batch_id = $1 and o.object = t.object`, [batchId, object, entries.map(([name]) => name), entries.map(([, count]) => count)]);
}

export async function finishObject(
  sql: Queryable, batchId: string, object: string, outcome: 'completed' | 'failed' | 'cancelled', failure: string | null,
): Promise<ObjectResult> {
  const [row] = await sql<ObjectRow[]>`update resync.batch_object set status = ${outcome}, failure = ${failure},
      finished_at = now(), started_at = coalesce(started_at, now())
    where batch_id = ${batchId} and object = ${object} returning *`;
  if (!row) throw new Error(`batch ${batchId} has no object ${object}`);
  return toObjectResult(row);
}

/** Objects that never started or never finished end with their batch, as cancelled. */
export async function cancelUnfinishedObjects(sql: Queryable, batchId: string): Promise<void> {
  await sql`update resync.batch_object set status = 'cancelled', finished_at = now()
    where batch_id = ${batchId} and status in ('pending', 'running')`;
}

/** The results of some objects of a batch, by object (objects the batch does not hold are absent). */
export async function objectResults(sql: Queryable, batchId: string, objects: readonly string[]): Promise<Map<string, ObjectResult>> {
  const rows = await sql<ObjectRow[]>`select * from resync.batch_object where batch_id = ${batchId} and object = any(${objects as string[]}::text[])`;
  return new Map(rows.map((row) => [row.object, toObjectResult(row)]));
}

export async function listBatchObjects(sql: Queryable, batchId: string): Promise<ObjectResult[]> {
  const rows = await sql<ObjectRow[]>`select * from resync.batch_object where batch_id = ${batchId} order by level, object`;
  return rows.map(toObjectResult);
}

export interface ObjectTableRow extends ObjectResult {
  readonly batchId: string;
  readonly lastResync: Date | null;
  /** How that batch wrote: only a differential batch's inserted/updated/unchanged mean anything. */
  readonly method: ResyncMethod;
  /** Records that failed in that batch and that later Selective Syncs resynced without an error
   *  (already taken off `errors`). */
  readonly resolvedSince: number;
  /** The result is a Selective Sync's (the object never had a whole result): some records only. */
  readonly selective: boolean;
}

/** The tool's table: per object, the result of the latest batch of the district and year that
 *  included it — unless that attempt was cancelled, or was a Selective Sync (a retry of failed
 *  records is one): neither replaces the object's last whole result (it shows only while there is
 *  none), since a few records say nothing of the whole object (a one-person Selective Sync's
 *  10 / 0 green would hide the 222 errors of the last full resync and mislead the warning about
 *  parents). What later Selective Syncs fixed does count: a record that failed in that result and
 *  that the latest completed selective batch to take it resynced without an error is no longer an error there
 *  (`resolvedSince`), so a retry that lands every failed record turns the row green. "Last
 *  Resync" is when the object itself started (the seed: "the last resync was started for the
 *  object"). District users do not see state-initiated batches' objects (DESIGN §2.6). */
export async function latestObjectResults(
  sql: Queryable, districtId: string, schoolYear: number, options: { includeStateBatches: boolean },
): Promise<Map<string, ObjectTableRow>> {
  const initiators = options.includeStateBatches ? ['district', 'state', 'schedule'] : ['district', 'schedule'];
  const rows = await sql<(ObjectRow & { batch_id: string; batch_kind: string; last_resync: Date | null; batch_method: ResyncMethod })[]>`
    select distinct on (o.object) o.*, coalesce(o.started_at, b.started_at) as last_resync, b.method as batch_method, b.kind as batch_kind
    from resync.batch_object o join resync.batch b using (batch_id)
    where b.district_id = ${districtId} and b.school_year = ${schoolYear} and b.initiator = any(${initiators})
      and b.started_at is not null
    order by o.object, (o.status = 'cancelled'), (b.kind = 'selective'), b.started_at desc, b.batch_id desc`;
  const withErrors = rows.filter((row) => row.batch_kind !== 'selective' && row.errors > 0);
  const resolved = await resolvedSince(sql, withErrors.map((row) => ({ batchId: row.batch_id, object: row.object })), initiators);
  return new Map(rows.map((row) => {
    const fixed = resolved.get(row.object) ?? 0;
    const counts = fixed === 0 ? row : { ...row, errors: row.errors - fixed, sent: Math.min(row.processed, row.sent + fixed) };
    return [row.object, {
      ...toObjectResult(counts), batchId: row.batch_id, lastResync: row.last_resync, method: row.batch_method, resolvedSince: fixed,
      selective: row.batch_kind === 'selective',
    }];
  }));
}

/**
 * Per object: how many of the records that failed in the given batch were resynced without an
 * error by the latest completed selective batch of the same district and year (by one of
 * `initiators`) that took them in its record set after it. The latest decides: a record a
 * Selective Sync landed and a later one refused again (or removed as no longer allowed) is an
 * error again. One statement; it looks only at the district's selective batches started after
 * each given batch.
 */
async function resolvedSince(
  sql: Queryable, failed: readonly { batchId: string; object: string }[], initiators: readonly string[],
): Promise<Map<string, number>> {
  const resolved = new Map<string, number>();
  // One statement per object with errors: the record must also be at the state now — a later
  // Selective Sync may have removed it as under a record no longer allowed without taking it in
  // its record set.
  for (const { batchId, object } of failed) {
    const table = `"${STATE_SCHEMA}"."${CATALOG.get(object).table}"`;
    const [row] = await sql.unsafe<{ resolved: number }[]>(`
      select count(*)::int as resolved
      from resync.batch wb
      join resync.sync_error e on e.batch_id = wb.batch_id and e.object = $2
      cross join lateral (
        select later.batch_id from resync.batch later
        join resync.batch_record r on r.batch_id = later.batch_id and r.object = e.object and r.record_id = e.record_id
        where later.district_id = wb.district_id and later.school_year = wb.school_year and later.kind = 'selective'
          and later.status = 'completed' and later.initiator = any($3::text[]) and later.started_at > wb.started_at
        order by later.started_at desc, later.batch_id desc limit 1) latest
      where wb.batch_id = $1
        and not exists (select 1 from resync.sync_error again
          where again.batch_id = latest.batch_id and again.object = e.object and again.record_id = e.record_id)
        and exists (select 1 from ${table} c where c."source_district" = wb.district_id and c."id" = e.record_id)`,
    [batchId, object, [...initiators]] as never[]);
    if (row && Number(row.resolved) > 0) resolved.set(object, Number(row.resolved));
  }
  return resolved;
}
