// The school-year lifecycle on real Temporal and PostgreSQL: schedules applied from the file, the
// year rollover (and its red-year-end block), previous/next-year resyncs, "verify, then resync".
import { inject } from 'vitest';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloverWorkflowId, startYearRollover } from '../../src/client/lifecycle';
import { getDistrict } from '../../src/data/district-registry';
import { enrollmentsRolledForwardSignal, operatorDecisionSignal, rolloverQuery, type RolloverState } from '../../src/workflows/year-rollover';
import type { VerifyThenResyncResult } from '../../src/workflows/verify-then-resync';
import { runCli } from '../setup/cli';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer, waitForBatch } from './helpers';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await system?.stop();
});

async function waitForRollover(workflowId: string, predicate: (state: RolloverState) => boolean, timeoutMs = 120_000): Promise<RolloverState> {
  const handle = system.worker.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(rolloverQuery);
    if (predicate(state)) return state;
    if (Date.now() > deadline) throw new Error(`rollover stuck in "${state.phase}"`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function batchRow(batchId: string) {
  const [row] = await system.db.sql`select batch_id, school_year, kind, initiator, status from resync.batch where batch_id = ${batchId}`;
  return row;
}

describe('schedules', () => {
  it('lists none at first (saying how to create them), applies the example file idempotently, lists, pauses and triggers a scheduled full resync', async () => {
    await system.seed({ districtId: '1001', students: 40, excludedShare: 0 });
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: system.worker.namespace, TEMPORAL_TASK_QUEUE: system.worker.taskQueue };
    try {
      const none = await runCli(['schedules', 'list'], env);
      expect(none).toEqual({
        code: 0, stderr: '',
        stdout: `no schedules in Temporal namespace ${system.worker.namespace}: npx resync schedules apply creates those of temporal/schedules.json\n`,
      });
      expect(await runCli(['schedules', 'list', '--json'], env)).toEqual({ code: 0, stderr: '', stdout: '{"schedules":[]}\n' });

      const first = await runCli(['schedules', 'apply', '--json'], env);
      expect(first.stderr).toBe('');
      expect(JSON.parse(first.stdout).schedules).toEqual([
        { id: 'resync-schedule/year-end/1001', outcome: 'created' },
        { id: 'resync-schedule/year-start/1001', outcome: 'created' },
        { id: 'resync-schedule/year-end/state-KY', outcome: 'created' },
      ]);
      const second = JSON.parse((await runCli(['schedules', 'apply', '--json'], env)).stdout) as { schedules: { outcome: string }[] };
      expect(second.schedules.map((s) => s.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);

      const listed = JSON.parse((await runCli(['schedules', 'list', '--json'], env)).stdout) as { schedules: { id: string; paused: boolean; nextRuns: string[] }[] };
      expect(listed.schedules.map((s) => s.id)).toEqual(expect.arrayContaining(['resync-schedule/year-end/1001', 'resync-schedule/year-start/1001']));
      expect(listed.schedules.every((s) => s.nextRuns.length > 0)).toBe(true);

      expect((await runCli(['schedules', 'pause', 'year-end/1001'], env)).stdout).toMatch(/paused/);
      const description = await system.worker.client.schedule.getHandle('resync-schedule/year-end/1001').describe();
      expect(description.state.paused).toBe(true);
      await runCli(['schedules', 'unpause', 'year-end/1001'], env);

      expect((await runCli(['schedules', 'trigger', 'year-start/1001'], env)).code).toBe(0);
      let batchId: string | undefined;
      const deadline = Date.now() + 60_000;
      while (!batchId && Date.now() < deadline) {
        const [row] = await system.db.sql`select batch_id from resync.batch where district_id = '1001' and initiator = 'schedule'`;
        batchId = row?.batch_id as string | undefined;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(batchId).toBeDefined();
      const batch = await waitForBatch(system, TOKENS.state, batchId as string);
      expect(batch).toMatchObject({ status: 'completed', initiator: 'schedule', kind: 'full' });
    } finally {
      const { applySchedules } = await import('../../src/schedules/apply');
      await applySchedules(system.worker.client, [], system.worker.taskQueue);
    }
  });
});

describe('a schedule\'s overlap policy', () => {
  it('SKIP: a second firing while the first run\'s batch is still running starts nothing', async () => {
    await system.seed({ districtId: '1101', students: 80, excludedShare: 0, seed: 11 });
    const { applySchedules, triggerSchedule } = await import('../../src/schedules/apply');
    const entry = {
      id: 'year-end/1101', scenario: 'year-end' as const, target: { districtId: '1101' },
      calendar: { month: 'JUNE', dayOfMonth: 30, hour: 18, minute: 0 }, timeZone: 'UTC', overlap: 'SKIP' as const, paused: true,
    };
    // Slow the state down so that the first firing's batch is still running at the second.
    await system.db.sql.unsafe(`create or replace function slow_1101() returns trigger language plpgsql as $$ begin perform pg_sleep(1); return null; end $$`);
    await system.db.sql.unsafe('create trigger slow_1101 after insert on state.vaccine_shot for each statement execute function slow_1101()');
    try {
      await applySchedules(system.worker.client, [entry as never], system.worker.taskQueue);
      const scheduleId = 'resync-schedule/year-end/1101';
      await triggerSchedule(system.worker.client, scheduleId);
      let batchId: string | undefined;
      for (const deadline = Date.now() + 60_000; !batchId && Date.now() < deadline;) {
        const [row] = await system.db.sql`select batch_id from resync.batch where district_id = '1101' and status = 'running'`;
        batchId = row?.batch_id as string | undefined;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(batchId).toBeDefined();
      // The scheduled run is still going: it waits for its batch.
      expect((await system.worker.client.schedule.getHandle(scheduleId).describe()).info.runningActions).toHaveLength(1);
      await triggerSchedule(system.worker.client, scheduleId);
      const batch = await waitForBatch(system, TOKENS.state, batchId as string);
      expect(batch).toMatchObject({ status: 'completed', initiator: 'schedule', kind: 'full' });
      const [count] = await system.db.sql`select count(*)::int as n from resync.batch where district_id = '1101'`;
      expect(count?.n).toBe(1);
      const description = await system.worker.client.schedule.getHandle(scheduleId).describe();
      expect(description.info.numActionsSkippedOverlap).toBe(1);
    } finally {
      await system.db.sql.unsafe('drop trigger if exists slow_1101 on state.vaccine_shot');
      await applySchedules(system.worker.client, [], system.worker.taskQueue);
    }
  });
});

describe('year rollover', () => {
  it('refuses an ending year other than the scoped year, before anything moves', async () => {
    await system.seed({ districtId: '2004', students: 30, excludedShare: 0, years: [2026, 2027], seed: 9 });
    const message = 'district 2004 is scoped to 2026-27; a rollover ends the scoped year, so its ending year is 2026-27, not 2027-28';
    await expect(startYearRollover(system.worker.client, system.worker.taskQueue, { districtId: '2004', endingYear: 2027 }, system.db.sql))
      .rejects.toThrow(message);
    await expect(system.worker.client.workflow.getHandle(rolloverWorkflowId('2004', 2027)).describe()).rejects.toThrow();
    // Started past the check (another client), the workflow refuses it first thing.
    const { yearRollover } = await import('../../src/workflows/year-rollover');
    const handle = await system.worker.client.workflow.start(yearRollover, {
      taskQueue: system.worker.taskQueue, workflowId: `rollover-by-hand/2004/2027`, args: [{ districtId: '2004', endingYear: 2027 }],
    });
    await expect(handle.result()).rejects.toMatchObject({ cause: { message } });
    const [batches] = await system.db.sql`select count(*)::int as n from resync.batch where district_id = '2004'`;
    expect(batches?.n).toBe(0);
    expect((await getDistrict(system.db.sql, '2004')).scopedYear).toBe(2026);
  });


  it('resyncs the ending year, switches the scoped year, reminds while enrollments are not rolled forward, then resyncs the new year', async () => {
    await system.seed({ districtId: '2001', students: 40, excludedShare: 0, years: [2026, 2027], seed: 5 });
    const workflowId = await startYearRollover(system.worker.client, system.worker.taskQueue, { districtId: '2001', endingYear: 2026, reminderEvery: '1 second' }, system.db.sql);
    // A reminder is counted, then its alert raised: the third reminder means two alerts are in.
    const waiting = await waitForRollover(workflowId, (s) => s.phase === 'waiting for enrollments to be rolled forward' && s.reminders >= 3);
    expect((await getDistrict(system.db.sql, '2001')).scopedYear).toBe(2027);
    const alerts = await request(system.app).get('/api/alerts').set(bearer(TOKENS.state)).query({ district: '2001' });
    expect(alerts.body.alerts.filter((a: { title: string }) => a.title === 'Year Rollover Waiting').length).toBeGreaterThanOrEqual(2);

    await system.worker.client.workflow.getHandle(workflowId).signal(enrollmentsRolledForwardSignal);
    const result = await system.worker.client.workflow.getHandle(workflowId).result() as RolloverState;
    expect(result.phase).toBe('finished');
    expect(await batchRow(waiting.yearEndBatches[0] ?? '')).toMatchObject({ school_year: 2026, kind: 'full', status: 'completed' });
    expect(await batchRow(result.yearStartBatch ?? '')).toMatchObject({ school_year: 2027, kind: 'full', status: 'completed' });
  });

  it('refuses to switch after a year-end resync the state refused records of, until an operator retries or overrides', async () => {
    await system.seed({ districtId: '2002', students: 40, excludedShare: 0, years: [2026, 2027], seed: 6 });
    // Every tenth test score holds a result the state cannot store (varchar(100)): refused, fixable.
    await system.district.sql`update district_2002.test_score set result = repeat('x', 101) where id % 10 = 0`;
    const workflowId = await startYearRollover(system.worker.client, system.worker.taskQueue, { districtId: '2002', endingYear: 2026, reminderEvery: '1 hour' }, system.db.sql);
    const blocked = await waitForRollover(workflowId, (s) => s.phase.startsWith('blocked'));
    expect(blocked.blockedBy).toEqual(['TestScore']);
    expect((await getDistrict(system.db.sql, '2002')).scopedYear).toBe(2026);
    // The phase turns blocked, then the alert is raised: wait for it.
    await expect.poll(async () => {
      const alerts = await request(system.app).get('/api/alerts').set(bearer(TOKENS.state)).query({ district: '2002' });
      return alerts.body.alerts.map((a: { title: string }) => a.title);
    }, { timeout: 30_000, interval: 200 }).toContain('Year Rollover Blocked');

    const handle = system.worker.client.workflow.getHandle(rolloverWorkflowId('2002', 2026));
    await handle.signal(operatorDecisionSignal, 'retry');
    const blockedAgain = await waitForRollover(workflowId, (s) => s.phase.startsWith('blocked') && s.yearEndBatches.length === 2);
    expect(blockedAgain.yearEndBatches).toHaveLength(2);
    await handle.signal(operatorDecisionSignal, 'override');
    await waitForRollover(workflowId, (s) => s.phase === 'waiting for enrollments to be rolled forward');
    expect((await getDistrict(system.db.sql, '2002')).scopedYear).toBe(2027);
    await handle.signal(enrollmentsRolledForwardSignal);
    expect((await handle.result() as RolloverState).overridden).toBe(true);
  });

  it('is not blocked by records the state excludes on purpose: they are reported, the year switches', async () => {
    await system.seed({ districtId: '2003', students: 40, excludedShare: 0.3, years: [2026, 2027], seed: 8 });
    const workflowId = await startYearRollover(system.worker.client, system.worker.taskQueue, { districtId: '2003', endingYear: 2026, reminderEvery: '1 hour' }, system.db.sql);
    const waiting = await waitForRollover(workflowId, (s) => s.phase === 'waiting for enrollments to be rolled forward');
    expect(waiting).toMatchObject({ blockedBy: [], overridden: false });
    expect(waiting.yearEndBatches).toHaveLength(1);
    expect((await getDistrict(system.db.sql, '2003')).scopedYear).toBe(2027);
    // The year-end batch did report them: red objects whose every error is a state exclusion.
    const errors = await system.db.sql<{ reason_code: string }[]>`select distinct reason_code from resync.sync_error where batch_id = ${waiting.yearEndBatches[0] ?? ''}`;
    expect(errors.map((row) => row.reason_code)).toEqual(['not-allowed']);
    const red = await system.db.sql`select object from resync.batch_object where batch_id = ${waiting.yearEndBatches[0] ?? ''} and errors > processed * 0.01`;
    expect(red.length).toBeGreaterThan(0);
    await system.worker.client.workflow.getHandle(workflowId).signal(enrollmentsRolledForwardSignal);
    expect((await system.worker.client.workflow.getHandle(workflowId).result() as RolloverState).phase).toBe('finished');
  });
});

describe('previous and next school years', () => {
  it('offers only year-tied, configured objects for the previous year, refuses the rest with a reason, and syncs that year', async () => {
    await system.seed({ districtId: '3001', students: 40, excludedShare: 0, years: [2025, 2026], seed: 7 });
    const offered = await request(system.app).get('/api/districts/3001/objects?year=previous').set(bearer(TOKENS.state));
    expect(offered.body.schoolYear).toBe(2025);
    const names = (offered.body.objects as { object: string }[]).map((o) => o.object);
    expect(names).toContain('Enrollment');
    expect(names).not.toContain('PersonIdentity');
    expect(offered.body.notOffered).toEqual(expect.arrayContaining([{ object: 'PersonIdentity', reason: 'not tied to a school year: resynced only with the current year' }]));

    const refused = await request(system.app).post('/api/districts/3001/resyncs').set(bearer(TOKENS.state)).send({ objects: ['PersonIdentity'], year: 'previous' });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toBe('PersonIdentity: not tied to a school year: resynced only with the current year');

    // The current year first (persons live there), then the previous year's enrollments.
    const current = await request(system.app).post('/api/districts/3001/resyncs').set(bearer(TOKENS.state)).send({ objects: 'all' });
    await waitForBatch(system, TOKENS.state, current.body.batchId as string);
    const previous = await request(system.app).post('/api/districts/3001/resyncs').set(bearer(TOKENS.state))
      .send({ objects: ['Roster'], checkDependencies: true, year: 'previous' });
    expect(previous.status).toBe(202);
    expect(previous.body.schoolYear).toBe(2025);
    expect(previous.body.plan.excluded.map((e: { object: string }) => e.object)).toEqual(expect.arrayContaining(['District', 'School', 'PersonIdentity']));
    const batch = await waitForBatch(system, TOKENS.state, previous.body.batchId as string);
    expect(batch.status).toBe('completed');
    expect(batch.objects?.every((o) => o.colour === 'green')).toBe(true);
    const verification = await request(system.app).get('/api/districts/3001/verification?year=previous&objects=Calendar,Enrollment,Roster').set(bearer(TOKENS.state));
    expect(verification.body).toMatchObject({ schoolYear: 2025, inSync: true });
  });
});

describe('verify, then resync', () => {
  it('resyncs only the objects changed directly in the database (plus parents) and ends in sync', async () => {
    await system.seed({ districtId: '4001', students: 60, excludedShare: 0, seed: 8 });
    const full = await request(system.app).post('/api/districts/4001/resyncs').set(bearer(TOKENS.state)).send({ objects: 'all' });
    const fullBatch = await waitForBatch(system, TOKENS.state, full.body.batchId as string);
    expect(fullBatch.status).toBe('completed');
    const fullView = await request(system.app).get(`/api/resyncs/${full.body.batchId as string}`).set(bearer(TOKENS.state));
    expect(fullView.body.verifications).toEqual([expect.objectContaining({ purpose: 'post-run', inSync: true })]);
    expect(fullView.body.objects.every((o: { verifiedInSync: boolean }) => o.verifiedInSync)).toBe(true);

    const schema = 'district_4001';
    await system.district.sql.unsafe(`update ${schema}.school set name = 'Edited in the database' where id = 2`);
    await system.district.sql.unsafe(`update ${schema}.enrollment set grade = '12' where id in (select id from ${schema}.enrollment order by id limit 3)`);
    await system.district.sql.unsafe(`delete from ${schema}.vaccine_shot where id in (select id from ${schema}.vaccine_shot order by id limit 2)`);

    const started = await request(system.app).post('/api/districts/4001/verify-and-resync').set(bearer(TOKENS.state)).send({ year: 'current' });
    expect(started.status).toBe(202);
    const result = await system.worker.client.workflow.getHandle(started.body.workflowId as string).result() as VerifyThenResyncResult;
    expect([...result.resynced].sort()).toEqual(['Enrollment', 'School', 'VaccineShot']);
    expect(result.inSyncAfter).toBe(true);

    const batch = await request(system.app).get(`/api/resyncs/${result.batchId}`).set(bearer(TOKENS.state));
    expect(batch.body.kind).toBe('partial');
    expect([...(batch.body.requestedObjects as string[])].sort()).toEqual(['Enrollment', 'School', 'VaccineShot']);
    expect(batch.body.plan.addedByCheckDependencies).toEqual(expect.arrayContaining(['District', 'Calendar', 'ScheduleStructure', 'PersonIdentity']));
    expect(batch.body.objects.find((o: { object: string }) => o.object === 'VaccineShot').deleted).toBe(2);
    expect(batch.body.verifications.map((v: { purpose: string; inSync: boolean }) => [v.purpose, v.inSync])).toEqual(expect.arrayContaining([['before', false], ['after', true], ['post-run', true]]));
    const verification = await request(system.app).get('/api/districts/4001/verification').set(bearer(TOKENS.state));
    expect(verification.body.inSync).toBe(true);
  });

  it('runs one verify-then-resync per district and year: a second request while it runs is refused naming it, a later one starts again', async () => {
    // Never resynced: the first run verifies, resyncs everything, verifies again (seconds).
    await system.seed({ districtId: '4002', students: 40, excludedShare: 0, seed: 9 });
    const workflowId = 'verify-resync/4002/2026';
    const first = await request(system.app).post('/api/districts/4002/verify-and-resync').set(bearer(TOKENS.state)).send({});
    expect({ status: first.status, workflowId: first.body.workflowId }).toEqual({ status: 202, workflowId });
    const second = await request(system.app).post('/api/districts/4002/verify-and-resync').set(bearer(TOKENS.state)).send({ year: 'current' });
    expect({ status: second.status, type: second.type, body: second.body }).toEqual({
      status: 409, type: 'application/problem+json',
      body: {
        type: 'https://state-resync.example/problems/verify-then-resync-already-running', title: 'Verify-Then-Resync Already Running', status: 409,
        detail: `a verify-then-resync of district 4002 for 2026-27 is already running (workflow ${workflowId})`,
        instance: '/api/districts/4002/verify-and-resync', runningWorkflowId: workflowId,
      },
    });
    const firstResult = await system.worker.client.workflow.getHandle(workflowId).result() as VerifyThenResyncResult;
    expect(firstResult.inSyncAfter).toBe(true);

    const again = await request(system.app).post('/api/districts/4002/verify-and-resync').set(bearer(TOKENS.state)).send({});
    expect({ status: again.status, workflowId: again.body.workflowId }).toEqual({ status: 202, workflowId });
    const againResult = await system.worker.client.workflow.getHandle(workflowId).result() as VerifyThenResyncResult;
    expect(againResult).toEqual({ batchId: null, resynced: [], inSyncAfter: true });
    // Visibility lags a little behind: wait for the listing to catch up, then compare exactly.
    let runs = 0;
    for (const deadline = Date.now() + 15_000; runs < 2 && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 300))) {
      runs = 0;
      for await (const _run of system.worker.client.workflow.list({ query: `WorkflowId="${workflowId}"` })) runs++;
    }
    expect(runs).toBe(2);
  });
});
