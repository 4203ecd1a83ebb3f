// Fault tests (DESIGN §4: a full resync "survives a worker crash, a database outage and a server
// restart without losing or duplicating a record"). Each scenario seeds its own district, starts
// a full resync with small pages, injects one fault in the middle of a big object, and then checks
// that the batch completed with every record counted exactly once. They run on the real topology
// against dedicated services: two PostgreSQL servers (the state's; the districts', each district
// in its own database), a Temporal dev server (persistent) and worker processes: see harness.ts.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/domain';
import {
  checkNothingLostOrDuplicated, describeProgress, districtSql, largestObject, midObject, objectRows, report, seed, submitFullResync,
  stopWatches, waitForMoment, watchRanges,
} from './checks';
import { SystemHarness, waitFor } from './harness';

let h: SystemHarness | undefined;

function harness(): SystemHarness {
  if (!h) throw new Error('the system harness did not start');
  return h;
}

beforeAll(async () => {
  h = await SystemHarness.start();
  await h.startWorker();
});

afterAll(async () => {
  await h?.stop();
});

beforeEach(async () => {
  // A scenario starts on a healthy system, whatever the previous one left behind.
  const system = harness();
  system.resetEvents();
  if (system.runningWorkers === 0) await system.startWorker();
});

afterEach(async (context) => {
  await stopWatches();
  if (context.task.result?.state === 'fail' && h) {
    console.error(['events:', ...h.eventLog().map((line) => `  ${line}`)].join('\n'));
    console.error(h.workerLogTail(undefined, 25));
  }
});

describe('a full resync under faults loses and duplicates nothing', () => {
  it('a worker killed with SIGKILL mid-object: a new worker takes over and the batch completes', async () => {
    const system = harness();
    const seeded = await seed(system, 'fault_kill', 101);
    const submitted = await submitFullResync(system, 'fault_kill');
    // VaccineShot, the biggest object of level 6, runs for a few seconds after most objects are done.
    const target = largestObject(seeded, 6, await waitForMoment(system, submitted.batchId, 'planned', (objects) => objects.length > 0));
    const watch = watchRanges(system, seeded, submitted.batchId, target.object);
    const moment = await waitForMoment(system, submitted.batchId, `${target.object} mid-copy`, midObject(target.object, target.records));

    await system.killWorker('SIGKILL');
    // Nothing moves without a worker; the killed worker's range attempt is retried once its
    // heartbeat times out (30 s), on the new worker, from the last committed page.
    await system.startWorker();

    const outcome = await checkNothingLostOrDuplicated(system, seeded, submitted, { watch });
    report(system, 'worker SIGKILL', submitted, outcome);
    const before = moment.find((row) => row.object === target.object)?.processed ?? 0;
    expect(before).toBeLessThan(target.records);
    // The killed attempt was retried: the fault hit a running copy.
    expect(outcome.retries.filter((retry) => retry.workflow === target.object).map((retry) => retry.lastFailure))
      .toContain('activity Heartbeat timeout');
  });

  it('the state\'s PostgreSQL restarted mid-object: activities fail, retry and the batch completes', async () => {
    const system = harness();
    const seeded = await seed(system, 'fault_pg', 202);
    const submitted = await submitFullResync(system, 'fault_pg');
    // Level 7: the biggest object runs side by side with others, so several copies are cut at once.
    const target = largestObject(seeded, 7, await waitForMoment(system, submitted.batchId, 'planned', (objects) => objects.length > 0));
    const watch = watchRanges(system, seeded, submitted.batchId, target.object);
    const moment = await waitForMoment(system, submitted.batchId, `${target.object} mid-copy`, midObject(target.object, target.records));

    await system.restartPostgres({ server: 'state' });

    const outcome = await checkNothingLostOrDuplicated(system, seeded, submitted, { watch });
    report(system, 'state PostgreSQL restart', submitted, outcome);
    expect(moment.find((row) => row.object === target.object)?.processed ?? 0).toBeLessThan(target.records);
    expect(outcome.retries.length).toBeGreaterThan(0);
  });

  it('the district\'s PostgreSQL restarted mid-object: reads fail, the copies retry from their last page and the batch completes', async () => {
    const system = harness();
    const seeded = await seed(system, 'fault_district_pg', 606);
    const submitted = await submitFullResync(system, 'fault_district_pg');
    const target = largestObject(seeded, 7, await waitForMoment(system, submitted.batchId, 'planned', (objects) => objects.length > 0));
    const watch = watchRanges(system, seeded, submitted.batchId, target.object);
    const moment = await waitForMoment(system, submitted.batchId, `${target.object} mid-copy`, midObject(target.object, target.records));

    await system.restartPostgres({ server: 'district' });

    const outcome = await checkNothingLostOrDuplicated(system, seeded, submitted, { watch });
    report(system, 'district PostgreSQL restart', submitted, outcome);
    expect(moment.find((row) => row.object === target.object)?.processed ?? 0).toBeLessThan(target.records);
    // Copies reading from the district while it was down failed and were retried.
    expect(outcome.retries.length).toBeGreaterThan(0);
  });

  it('the Temporal server restarted mid-object (persistent db): the batch completes', async () => {
    const system = harness();
    const seeded = await seed(system, 'fault_temporal', 303);
    const submitted = await submitFullResync(system, 'fault_temporal');
    const target = largestObject(seeded, 6, await waitForMoment(system, submitted.batchId, 'planned', (objects) => objects.length > 0));
    const watch = watchRanges(system, seeded, submitted.batchId, target.object);
    const moment = await waitForMoment(system, submitted.batchId, `${target.object} mid-copy`, midObject(target.object, target.records));

    await system.restartTemporal();

    const outcome = await checkNothingLostOrDuplicated(system, seeded, submitted, { watch });
    report(system, 'Temporal restart', submitted, outcome);
    expect(moment.find((row) => row.object === target.object)?.processed ?? 0).toBeLessThan(target.records);
    // The worker outlived the server's restart: nobody restarted it.
    expect(system.runningWorkers).toBe(1);
  });

  it('records made invalid mid-run are refused, isolated and logged; the rest of their pages lands', async () => {
    const system = harness();
    const seeded = await seed(system, 'fault_invalid', 404);
    const object = 'TestScore';
    const table = CATALOG.get(object).table;
    const schema = seeded.district.sourceSchema;
    const submitted = await submitFullResync(system, 'fault_invalid');
    // Some objects are done, TestScore (level 7) has not started.
    await waitForMoment(system, submitted.batchId, `some objects done, ${object} pending`, (objects) =>
      objects.filter((row) => row.status === 'completed').length >= 3 && objects.find((row) => row.object === object)?.status === 'pending');

    // The state keeps text in varchar(100): 101 characters cannot land. Spread over many pages,
    // plus three neighbours on one page.
    const source = districtSql(system, seeded.district);
    const updated = await source<{ id: number }[]>`update ${source(schema)}.${source(table)} set result = repeat('x', 101)
      where id % 2500 = 17 or id between 30001 and 30003 returning id`;
    const ids = updated.map((entry) => entry.id).sort((a, b) => a - b);
    // Still pending once the change committed at the district: the copy reads it afterwards.
    const [row] = await system.sql<{ status: string }[]>`select status from resync.batch_object
      where batch_id = ${submitted.batchId} and object = ${object}`;
    if (row?.status !== 'pending') throw new Error(`${object} already ${row?.status} when its records were made invalid`);
    system.note(`made ${ids.length} ${object} records invalid (${describeProgress(await objectRows(system, submitted.batchId))})`);
    expect(ids.length).toBeGreaterThan(10);

    const outcome = await checkNothingLostOrDuplicated(system, seeded, submitted, { invalid: { object, ids } });
    report(system, 'invalid records', submitted, outcome);
    const verified = outcome.verification.find((entry) => entry.object === object);
    expect(verified).toMatchObject({ missing: ids.length, inSync: false });
  });

  it('a worker stalled past its heartbeat timeout wakes up after its range was retried elsewhere: nothing is counted twice', async () => {
    // A stalled process (GC pause, frozen VM, network partition): the server gives its attempt
    // up after the heartbeat timeout and another worker resumes the range from the last
    // committed page. When the stalled worker runs again it still holds its old attempt and
    // cursor; it must not commit pages the new attempt has already counted.
    const system = harness();
    const seeded = await seed(system, 'fault_stall', 505);
    const submitted = await submitFullResync(system, 'fault_stall');
    const target = largestObject(seeded, 6, await waitForMoment(system, submitted.batchId, 'planned', (objects) => objects.length > 0));
    const watch = watchRanges(system, seeded, submitted.batchId, target.object);
    await waitForMoment(system, submitted.batchId, `${target.object} mid-copy`, midObject(target.object, target.records));

    const stalled = system.freezeWorker();
    // Wait for the server to time the attempt out (heartbeat timeout 30 s) and schedule a retry.
    const objectWorkflow = system.client.workflow.getHandle(`${submitted.workflowId}/${target.object}`);
    await waitFor('the stalled attempt is retried', async () => {
      const pending = (await objectWorkflow.describe()).raw.pendingActivities ?? [];
      return pending.some((activity) => (activity.attempt ?? 1) >= 2);
    }, 90_000, 500);
    system.note(`the server retries ${target.object}'s range`);
    // The retry may first go to the frozen worker (its long poll was already waiting at the
    // server); that attempt times out too, and the next one reaches the new worker.
    const { pid } = await system.startWorker();
    await waitFor('the new worker runs the retried range', async () => {
      const pending = (await objectWorkflow.describe()).raw.pendingActivities ?? [];
      return pending.length === 0 || pending.some((activity) => (activity.lastWorkerIdentity ?? '').startsWith(`${pid}@`));
    }, 90_000, 200);
    system.note(`the new worker (pid ${pid}) took the range over`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    system.thawWorker(stalled);

    const outcome = await checkNothingLostOrDuplicated(system, seeded, submitted, { watch });
    report(system, 'stalled worker', submitted, outcome);
  });
});
