// What the fault tests drive and check: seed a district, submit a full resync, watch its progress
// in resync.batch_object to pick the fault moment, and afterwards prove that nothing was lost or
// counted twice (history counts against the district's own records, the error log and the
// verification summary).
import { type Client } from '@temporalio/client';
import { expect } from 'vitest';
import { batchView } from '../../src/api/resyncs/views';
import { newBatchId } from '../../src/client/resyncs';
import { getBatch, type BatchRecord } from '../../src/data/batches';
import { createSql, type Sql } from '../../src/data/db';
import { getDistrict, type District } from '../../src/data/district-registry';
import { districtDatabase } from '../../src/services/databases';
import { CATALOG } from '../../src/domain';
import { seedDistrict } from '../../src/generator/seed-district';
import { verifiableObjects, verifyDistrict, type ObjectVerification } from '../../src/verification/summary';
import { batchWorkflowId, type ResyncRequest } from '../../src/workflows/types';
import { GiveUp, waitFor, type SystemHarness } from './harness';

export const SCHOOL_YEAR = 2026;
/** Students per seeded district: about 600 K records, a full resync of about 15 s on two cores
 *  (without faults); the fault moment is picked from progress, not from time. */
export const STUDENTS = Number(process.env.FAULT_TEST_STUDENTS ?? 15_000);
export const PAGE_SIZE = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// eslint-disable-next-line no-control-regex -- terminal colour codes in the SDK's log lines
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

export interface SeededDistrict {
  readonly district: District;
  /** Records per object, as the generator wrote them. */
  readonly records: ReadonlyMap<string, number>;
  readonly total: number;
}

/** The district's own database, on the districts' server. */
export function districtSql(h: SystemHarness, district: District): Sql {
  return h.districtSources.for(district);
}

export async function seed(h: SystemHarness, districtId: string, seed: number): Promise<SeededDistrict> {
  // In a database of its own on the districts' server, as in a State Edition.
  const target = await districtDatabase({ state: h.postgresUrl, district: h.districtPostgresUrl }, districtId, 'separate');
  const writer = createSql(target.url, { max: 2 });
  // No state-excluded records: a clean district resyncs without a single error, so any error or
  // count that does not match comes from the fault.
  const result = await seedDistrict(h.sql, writer, {
    districtId, students: STUDENTS, scopedYear: SCHOOL_YEAR, state: null, reportingEntity: false, seed, excludedShare: 0, sourceUrl: target.sourceUrl,
  }).finally(() => writer.end({ timeout: 5 }));
  h.note(`seeded ${districtId} in its database ${new URL(target.url).pathname.slice(1)}: ${result.total} records in ${result.seconds.toFixed(1)} s`);
  return { district: result.district, records: new Map(result.records.map((entry) => [entry.object, entry.records])), total: result.total };
}

export interface Submitted {
  readonly batchId: string;
  readonly workflowId: string;
  readonly submittedAt: number;
}

export async function submitFullResync(h: SystemHarness, districtId: string): Promise<Submitted> {
  const request: ResyncRequest = {
    batchId: newBatchId(), districtId, yearChoice: 'current', schoolYear: SCHOOL_YEAR, objects: 'all',
    checkDependencies: false, initiator: 'district', requestedBy: 'fault-tests', options: { pageSize: PAGE_SIZE },
  };
  const submittedAt = Date.now();
  const result = await h.resyncs.submit(request);
  h.note(`submitted batch ${result.batchId}`);
  return { batchId: result.batchId, workflowId: batchWorkflowId(districtId, SCHOOL_YEAR, result.batchId), submittedAt };
}

export interface ObjectRow {
  object: string;
  level: number;
  status: string;
  processed: number;
  errors: number;
  sent: number;
}

export async function objectRows(h: SystemHarness, batchId: string): Promise<ObjectRow[]> {
  return h.sql<ObjectRow[]>`select object, level, status, processed, errors, sent from resync.batch_object
    where batch_id = ${batchId} order by level, object`;
}

/** Watches the batch's objects until `ready` picks the moment; fails if the batch ends first. */
export async function waitForMoment(
  h: SystemHarness, batchId: string, what: string, ready: (objects: ObjectRow[]) => boolean, timeoutMs = 120_000,
): Promise<ObjectRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [batch] = await h.sql<{ status: string }[]>`select status from resync.batch where batch_id = ${batchId}`;
    const objects = await objectRows(h, batchId);
    if (ready(objects)) {
      h.note(`moment reached: ${what} (${describeProgress(objects)})`);
      return objects;
    }
    if (batch && !['queued', 'running'].includes(batch.status)) {
      throw new Error(`the batch ended (${batch.status}) before the moment "${what}": make the district bigger (FAULT_TEST_STUDENTS)`);
    }
    if (Date.now() > deadline) throw new Error(`the moment "${what}" did not come within ${timeoutMs} ms: ${describeProgress(objects)}`);
    await sleep(100);
  }
}

export function describeProgress(objects: readonly ObjectRow[]): string {
  const completed = objects.filter((object) => object.status === 'completed').length;
  const running = objects.filter((object) => object.status === 'running').map((object) => `${object.object} ${object.processed}`);
  return `${completed}/${objects.length} completed; running: ${running.join(', ') || 'none'}`;
}

/** A big object in the middle of its copy, after some objects have completed. */
export function midObject(object: string, total: number, from = 0.1, to = 0.6) {
  return (objects: ObjectRow[]): boolean => {
    const row = objects.find((candidate) => candidate.object === object);
    const completed = objects.filter((candidate) => candidate.status === 'completed').length;
    return completed >= 5 && row?.status === 'running' && row.processed >= total * from && row.processed < total * to;
  };
}

/** The largest object of a level (the one that runs longest). */
export function largestObject(seeded: SeededDistrict, level: number, objects: readonly ObjectRow[]): { object: string; records: number } {
  const candidates = objects.filter((row) => row.level === level)
    .map((row) => ({ object: row.object, records: seeded.records.get(row.object) ?? 0 }))
    .sort((a, b) => b.records - a.records);
  const [largest] = candidates;
  if (!largest) throw new Error(`level ${level} has no objects`);
  return largest;
}

/** Waits until the batch has ended (polling the history: it survives Temporal restarts). */
export async function waitForBatchEnd(h: SystemHarness, batchId: string, timeoutMs = 300_000): Promise<BatchRecord> {
  let batch: BatchRecord | undefined;
  let workerSeen = Date.now();
  await waitFor(`batch ${batchId} ends`, async () => {
    if (h.runningWorkers > 0) workerSeen = Date.now();
    else if (Date.now() - workerSeen > 60_000) throw new GiveUp(`batch ${batchId} cannot end: no worker has been running for a minute`);
    batch = await getBatch(h.sql, batchId);
    return batch !== undefined && !['queued', 'running'].includes(batch.status);
  }, timeoutMs, 250);
  if (!batch) throw new Error(`batch ${batchId} vanished`);
  h.note(`batch ${batchId} ended: ${batch.status}`);
  return batch;
}

export interface Retry {
  readonly workflow: string;
  readonly activity: string;
  readonly attempt: number;
  readonly lastFailure: string;
}

/** Activities of the batch and its object workflows that needed more than one attempt. Small
 *  objects have no workflow of their own (the batch copies them with `copyObjects`, which it
 *  calls again for the objects an attempt did not finish): a failed or timed-out call counts. */
export async function retriedActivities(client: Client, workflowId: string, objects: readonly string[]): Promise<Retry[]> {
  const retries: Retry[] = [];
  for (const id of [workflowId, ...objects.map((object) => `${workflowId}/${object}`)]) {
    let history;
    try {
      history = await client.workflow.getHandle(id).fetchHistory();
    } catch (error) {
      if ((error as { code?: number }).code === 5 || (error as Error).name === 'WorkflowNotFoundError') continue;
      throw error;
    }
    const types = new Map<string, string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const ended = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
      if (ended && types.get(String(ended.scheduledEventId)) === 'copyObjects') {
        retries.push({ workflow: 'batch', activity: 'copyObjects', attempt: 1, lastFailure: (ended.failure?.message ?? '').slice(0, 160) });
      }
      const started = event.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) {
        retries.push({
          workflow: id === workflowId ? 'batch' : id.slice(workflowId.length + 1),
          activity: types.get(String(started.scheduledEventId)) ?? '?',
          attempt: started.attempt ?? 1,
          lastFailure: (started.lastFailure?.message ?? '').slice(0, 160),
        });
      }
    }
  }
  return retries;
}

export interface RangeSample {
  readonly at: number;
  readonly rangeIndex: number;
  readonly cursor: number | null;
  readonly processed: number;
  /** District records the range holds up to its cursor: what `processed` must say. */
  readonly covered: number;
}

export interface RangeWatch {
  readonly object: string;
  readonly samples: RangeSample[];
  stop(): Promise<void>;
  /** Moments where a range's committed progress contradicts its cursor, or its cursor went back. */
  anomalies(): string[];
}

/** Samples an object's key ranges every 100 ms: each page commits its records, the range's
 *  cursor and its counts together, so `processed` must always equal the district records up to
 *  the cursor, and the cursor never goes back. A page committed twice breaks both. */
export function watchRanges(h: SystemHarness, seeded: SeededDistrict, batchId: string, object: string): RangeWatch {
  const catalogObject = CATALOG.get(object);
  const samples: RangeSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        // A range's cursor and counts are read together (one row, committed with its page); the
        // district records they cover are counted on the district's server afterwards (its
        // records do not move during a scenario).
        const rows = await h.sql<{ range_index: number; low_exclusive: number | null; cursor: number | null; processed: number }[]>`
          select r.range_index, r.low_exclusive, r.cursor, r.processed
          from resync.batch_range r where r.batch_id = ${batchId} and r.object = ${object} order by r.range_index`;
        const at = Date.now();
        const source = districtSql(h, seeded.district);
        const table = source`${source(seeded.district.sourceSchema)}.${source(catalogObject.table)}`;
        const year = catalogObject.yearTied ? source`and d.school_year = ${SCHOOL_YEAR}` : source``;
        for (const row of rows) {
          const [count] = row.cursor === null ? [{ covered: 0 }] : await source<{ covered: number }[]>`select count(*)::int as covered from ${table} d
            where d.id > ${row.low_exclusive ?? Number.MIN_SAFE_INTEGER} and d.id <= ${row.cursor} ${year}`;
          samples.push({ at, rangeIndex: row.range_index, cursor: row.cursor, processed: row.processed, covered: count?.covered ?? 0 });
        }
      } catch {
        // PostgreSQL may be restarting.
      }
      await sleep(100);
    }
  })();
  const watch: RangeWatch = {
    object,
    samples,
    stop: async () => {
      running = false;
      active.delete(watch);
      await loop;
    },
    anomalies: () => {
      const found: string[] = [];
      const last = new Map<number, RangeSample>();
      for (const sample of samples) {
        const previous = last.get(sample.rangeIndex);
        const when = h.elapsed(sample.at);
        if (sample.processed !== sample.covered) {
          found.push(`${when} ${object} range ${sample.rangeIndex}: cursor ${sample.cursor} covers ${sample.covered} records, processed says ${sample.processed}`);
        }
        if (previous && previous.cursor !== null && (sample.cursor === null || sample.cursor < previous.cursor)) {
          found.push(`${when} ${object} range ${sample.rangeIndex}: cursor went back from ${previous.cursor} to ${sample.cursor} (processed ${previous.processed} → ${sample.processed})`);
        }
        last.set(sample.rangeIndex, sample);
      }
      // Consecutive samples repeat the same contradiction: keep the first ones and the last.
      return found.length > 12 ? [...found.slice(0, 10), `… ${found.length - 11} more …`, found.at(-1) ?? ''] : found;
    },
  };
  active.add(watch);
  return watch;
}

const active = new Set<RangeWatch>();

/** Stops every range watch still sampling (after a failed scenario). */
export async function stopWatches(): Promise<void> {
  await Promise.all([...active].map((watch) => watch.stop()));
}

export interface Expectations {
  /** Records of one object made invalid: the state must refuse exactly these. */
  readonly invalid?: { object: string; ids: readonly number[] };
  /** A range watch on the object the fault hit: its samples must show no page counted twice. */
  readonly watch?: RangeWatch;
}

export interface Outcome {
  readonly batch: BatchRecord;
  readonly outcome: string;
  readonly verification: readonly ObjectVerification[];
  readonly retries: readonly Retry[];
}

/** Every check of "nothing lost, nothing duplicated" for a finished full resync. */
export async function checkNothingLostOrDuplicated(
  h: SystemHarness, seeded: SeededDistrict, submitted: Submitted, expectations: Expectations = {},
): Promise<Outcome> {
  const { districtId } = seeded.district;
  const batch = await waitForBatchEnd(h, submitted.batchId);
  const outcome = batchView({ temporalUi: { url: null, namespace: 'default' } }, { role: 'state', name: 'fault-tests', rights: ['read'] }, batch).outcome;
  const invalidCount = expectations.invalid?.ids.length ?? 0;
  expect({ status: batch.status, failure: batch.failure, outcome }).toEqual({
    status: 'completed', failure: null, outcome: invalidCount > 0 ? 'completed with errors' : 'completed',
  });

  // Every planned object reached a final status, and the history's counts are the district's.
  const district = await getDistrict(h.sql, districtId);
  const planned = (batch.plan?.levels ?? []).flat();
  const objects = await objectRows(h, submitted.batchId);
  expect(objects.map((row) => row.object).sort()).toEqual([...planned].sort());
  expect(batch.plannedObjects).toBe(planned.length);
  expect(objects.filter((row) => row.status !== 'completed').map((row) => `${row.object}: ${row.status}`)).toEqual([]);
  const unfinishedRanges = await h.sql`select object, range_index from resync.batch_range where batch_id = ${submitted.batchId} and not done`;
  expect(unfinishedRanges).toEqual([]);

  const verification = await verifyDistrict({ state: h.sql, districtSources: h.districtSources }, district, SCHOOL_YEAR,
    verifiableObjects(district, 'current'));
  const verified = new Map(verification.map((entry) => [entry.object, entry]));
  const logged = new Map((await h.sql<{ object: string; entries: number; refused: number }[]>`
    select object, count(*)::int as entries, count(*) filter (where reason_code = 'refused')::int as refused
    from resync.sync_error where batch_id = ${submitted.batchId} group by object`).map((row) => [row.object, row]));

  const problems: string[] = [];
  for (const row of objects) {
    const v = verified.get(row.object);
    if (!v) {
      problems.push(`${row.object}: planned but not verifiable`);
      continue;
    }
    const invalidHere = expectations.invalid?.object === row.object ? invalidCount : 0;
    const log = logged.get(row.object) ?? { entries: 0, refused: 0 };
    // A page copied twice, or a page lost, shows here: processed counts each district record once.
    if (row.processed !== v.district) problems.push(`${row.object}: processed ${row.processed} but the district holds ${v.district} (${(row.processed - v.district) / PAGE_SIZE} page(s) of ${PAGE_SIZE} off)`);
    if (row.sent + row.errors !== row.processed) problems.push(`${row.object}: sent ${row.sent} + errors ${row.errors} ≠ processed ${row.processed}`);
    if (v.state > v.district) problems.push(`${row.object}: the state holds ${v.state} records, the district ${v.district}`);
    if (log.entries !== row.errors) problems.push(`${row.object}: ${row.errors} error(s) counted, ${log.entries} in the error log`);
    if (row.errors !== invalidHere || log.refused !== invalidHere) problems.push(`${row.object}: ${row.errors} error(s), ${log.refused} refused; expected ${invalidHere} refused`);
    const expectedVerification = invalidHere > 0
      ? { missing: invalidHere, extra: 0, differing: 0, excluded: 0, inSync: false, state: v.district - invalidHere }
      : { missing: 0, extra: 0, differing: 0, excluded: 0, inSync: true, state: v.district };
    const actualVerification = { missing: v.missing, extra: v.extra, differing: v.differing, excluded: v.excluded, inSync: v.inSync, state: v.state };
    if (JSON.stringify(actualVerification) !== JSON.stringify(expectedVerification)) {
      problems.push(`${row.object}: verification ${JSON.stringify(actualVerification)}, expected ${JSON.stringify(expectedVerification)}`);
    }
    if ((seeded.records.get(row.object) ?? -1) !== v.district) problems.push(`${row.object}: the district holds ${v.district}, the generator wrote ${seeded.records.get(row.object)}`);
  }
  const outOfPlan = verification.filter((entry) => !planned.includes(entry.object) && entry.district > 0).map((entry) => entry.object);
  if (outOfPlan.length > 0) problems.push(`objects with records that were not planned: ${outOfPlan.join(', ')}`);
  if (batch.processed !== seeded.total) problems.push(`the batch processed ${batch.processed} records, the district holds ${seeded.total}`);
  if (batch.errors !== invalidCount) problems.push(`the batch counted ${batch.errors} error(s), expected ${invalidCount}`);

  if (expectations.invalid) {
    // The refused records are exactly the invalid ones, and every other record of their pages landed.
    const { object, ids } = expectations.invalid;
    const refusedIds = (await h.sql<{ record_id: number }[]>`select record_id from resync.sync_error
      where batch_id = ${submitted.batchId} and object = ${object} and reason_code = 'refused' order by record_id`).map((row) => row.record_id);
    if (JSON.stringify(refusedIds) !== JSON.stringify([...ids].sort((a, b) => a - b))) {
      problems.push(`${object}: refused ${JSON.stringify(refusedIds)}, made invalid ${JSON.stringify(ids)}`);
    }
    const table = CATALOG.get(object).table;
    const source = districtSql(h, district);
    const atState = new Set((await h.sql<{ id: number }[]>`select id from state.${h.sql(table)} where source_district = ${districtId}`).map((row) => row.id));
    const absent = (await source<{ id: number }[]>`select id from ${source(district.sourceSchema)}.${source(table)} order by id`)
      .map((row) => row.id).filter((id) => !atState.has(id));
    if (JSON.stringify(absent) !== JSON.stringify(refusedIds)) problems.push(`${object}: records absent from the state ${JSON.stringify(absent)}, refused ${JSON.stringify(refusedIds)}`);
  }

  if (expectations.watch) {
    await expectations.watch.stop();
    const anomalies = expectations.watch.anomalies();
    if (anomalies.length > 0) problems.push(`${expectations.watch.object}'s committed progress while it ran:`, ...anomalies.map((line) => `    ${line}`));
    else if (expectations.watch.samples.length === 0) problems.push(`${expectations.watch.object}: no range progress was sampled`);
  }

  for (const crash of h.crashes) {
    problems.push(`worker ${crash.index} (pid ${crash.pid}) CRASHED at ${h.elapsed(crash.at)} (exit code ${crash.code}, signal ${crash.signal}); `
      + 'the harness replaced it as a supervisor would, otherwise the batch would never have finished. Its last output:',
    ...crash.lastLines.map((line) => `      ${stripAnsi(line)}`));
  }

  const retries = await retriedActivities(h.client, submitted.workflowId, planned);
  if (problems.length > 0) {
    throw new Error([
      `nothing lost, nothing duplicated, no crash: ${problems.filter((problem) => !problem.startsWith(' ')).length} problem(s) in batch ${submitted.batchId} of district ${districtId}:`,
      ...problems.map((problem) => `  - ${problem}`),
      'retried activities:', ...retries.map((retry) => `  - ${retry.workflow} ${retry.activity} attempt ${retry.attempt}: ${retry.lastFailure}`),
      'events:', ...h.eventLog().map((line) => `  ${line}`),
    ].join('\n'));
  }
  return { batch, outcome, verification, retries };
}

/** One line per scenario for the test output: duration, fault moment and what was retried. */
export function report(h: SystemHarness, scenario: string, submitted: Submitted, outcome: Outcome): void {
  const seconds = ((outcome.batch.finishedAt?.getTime() ?? Date.now()) - submitted.submittedAt) / 1000;
  const byActivity = new Map<string, number>();
  for (const retry of outcome.retries) byActivity.set(`${retry.activity}`, (byActivity.get(retry.activity) ?? 0) + 1);
  const lines = [
    `[${scenario}] batch ${outcome.batch.batchId}: ${outcome.outcome} in ${seconds.toFixed(1)} s, ${outcome.batch.processed} processed, `
      + `${outcome.batch.errors} error(s), ${outcome.retries.length} activity(ies) retried`
      + (byActivity.size > 0 ? ` (${[...byActivity].map(([activity, count]) => `${activity} ×${count}`).join(', ')})` : ''),
    ...outcome.retries.map((retry) => `    ${retry.workflow} ${retry.activity} attempt ${retry.attempt}: ${retry.lastFailure}`),
    ...h.eventLog().map((line) => `    ${line}`),
  ];
  console.log(lines.join('\n'));
}
