// Alerts that reach people: a batch that ends red or failed raises a process alert for the
// district and the state (neutral for the district when the state requested it, DESIGN §2.6);
// the state has one inbox across every district; each user marks alerts read for themselves, a
// district user only its district's. No webhook is configured here: nothing is delivered.
import { WorkflowNotFoundError } from '@temporalio/client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { parseTokens } from '../../src/api/auth';
import { newBatchId } from '../../src/client/resyncs';
import { alertsOfBatch } from '../../src/data/alerts';
import { notificationWorkflowId } from '../../src/notifications/events';
import { startTestSystem, type TestSystem } from '../setup/system';
import { bearer, waitForBatch } from './helpers';

const T = {
  jane: 'alerts-jane-token', sam: 'alerts-sam-token', dee: 'alerts-dee-token', ann: 'alerts-ann-token', bob: 'alerts-bob-token',
} as const;

let system: TestSystem;
let app: ReturnType<typeof buildApp>;
const batches = { red: '', green: '', failed: '' };

interface AlertBody { alertId: number; districtId: string; title: string; message: string; batchId: string | null; read: boolean; readAt: string | null }
interface InboxBody { total: number; unread: number; alerts: AlertBody[] }

const inbox = async (token: string, query = ''): Promise<InboxBody> => {
  const answer = await request(app).get(`/api/alerts${query}`).set(bearer(token));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as InboxBody;
};
const markRead = (token: string, alertId: number | string) => request(app).post(`/api/alerts/${alertId}/read`).set(bearer(token));

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '2101', students: 60, excludedShare: 0 });
  await system.seed({ districtId: '2102', students: 40, excludedShare: 0, seed: 2 });
  app = buildApp({
    ...system.deps,
    tokens: parseTokens(`${T.jane}=district:2101:Jane Doe;${T.sam}=district:2101:Sam Reader/read;${T.dee}=district:2102:Dee Dunn;`
      + `${T.ann}=state:Ann Lee;${T.bob}=state:Bob Viewer/read`),
  });
  const withApp = { ...system, app };

  // Red: enrollments without their parents at the state all fail (parent-missing).
  const red = await request(app).post('/api/districts/2101/resyncs').set(bearer(T.jane)).send({ objects: ['Enrollment'] });
  batches.red = red.body.batchId as string;
  expect((await waitForBatch(withApp, T.jane, batches.red)).objects?.[0]?.colour).toBe('red');
  // Green: no alert.
  const green = await request(app).post('/api/districts/2101/resyncs').set(bearer(T.jane)).send({ objects: ['District'] });
  batches.green = green.body.batchId as string;
  expect((await waitForBatch(withApp, T.jane, batches.green)).status).toBe('completed');

  // Failed, requested by the state: the state database refuses 2102's persons.
  await system.db.sql.unsafe(`create function fail_2102() returns trigger language plpgsql as $$
    begin if new.source_district = '2102' then raise exception 'state database rejected the write (test)'; end if; return new; end $$`);
  await system.db.sql.unsafe('create trigger fail_2102 before insert on state.person_identity for each row execute function fail_2102()');
  try {
    const failed = await system.resyncs.submit({
      batchId: newBatchId(), districtId: '2102', yearChoice: 'current', schoolYear: 2026, objects: ['PersonIdentity'], checkDependencies: true,
      initiator: 'state', requestedBy: 'Ann Lee', options: { copyAttempts: 2 },
    });
    batches.failed = failed.batchId;
    expect((await waitForBatch(withApp, T.ann, batches.failed)).status).toBe('failed');
  } finally {
    await system.db.sql.unsafe('drop trigger fail_2102 on state.person_identity');
  }
});

afterAll(async () => {
  await system?.stop();
});

describe('a batch that ends red or failed raises alerts', () => {
  it('red, requested by the district: one alert for the district and the state, naming the red objects', async () => {
    const alerts = await alertsOfBatch(system.db.sql, batches.red);
    expect(alerts.map(({ title, audience, category }) => ({ title, audience, category })))
      .toEqual([{ title: 'Resync Finished Red', audience: 'all', category: 'Vertical Interoperability' }]);
    expect(alerts[0]?.message).toBe(`The partial resync of district 2101 for 2026-27 (batch ${batches.red}, requested by Jane Doe) finished red: `
      + 'more than 1 % of the records of Enrollment did not reach the state (60 of 60 records did not reach the state).');
  });

  it('green: none', async () => {
    expect(await alertsOfBatch(system.db.sql, batches.green)).toEqual([]);
  });

  it('failed, requested by the state: the district\'s alert is neutral, the state\'s names the objects', async () => {
    const alerts = await alertsOfBatch(system.db.sql, batches.failed);
    expect(alerts.map(({ title, audience }) => ({ title, audience }))).toEqual([
      { title: 'State Resync Requested', audience: 'all' },
      { title: 'Resync Failed', audience: 'district' },
      { title: 'Resync Failed', audience: 'state' },
    ]);
    expect(alerts[1]?.message).toBe(`The resync the state requested of district 2102 for 2026-27 (batch ${batches.failed}) failed.`);
    expect(alerts[2]?.message).toMatch(new RegExp(`^The partial resync of district 2102 for 2026-27 \\(batch ${batches.failed}, requested by the state \\(Ann Lee\\)\\) failed: 1 object\\(s\\) failed: PersonIdentity\\. Red: PersonIdentity\\.`));

    const district = await inbox(T.dee);
    expect(district.alerts.map((a) => a.title).sort()).toEqual(['Resync Failed', 'State Resync Requested']);
    expect(JSON.stringify(district)).not.toContain('PersonIdentity');
    expect(district.alerts.find((a) => a.title === 'Resync Failed')?.message).toBe(alerts[1]?.message);
  });

  it('starts no webhook delivery when no webhook is configured', async () => {
    for (const batchId of Object.values(batches)) {
      await expect(system.worker.client.workflow.getHandle(notificationWorkflowId(`${batchId}:ended`)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    await expect(system.worker.client.workflow.getHandle(notificationWorkflowId(`${batches.failed}:state-requested`)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('inboxes', () => {
  it('the state has one inbox across every district, narrowed by district', async () => {
    const all = await inbox(T.ann);
    expect(all.alerts.map((a) => [a.districtId, a.title]).sort()).toEqual([
      ['2101', 'Resync Finished Red'], ['2102', 'Resync Failed'], ['2102', 'State Resync Requested'],
    ]);
    expect(all.alerts.find((a) => a.title === 'Resync Failed')?.message).toContain('PersonIdentity');
    expect({ total: all.total, unread: all.unread }).toEqual({ total: 3, unread: 3 });
    const narrowed = await inbox(T.ann, '?district=2102');
    expect(narrowed.alerts.map((a) => a.districtId)).toEqual(['2102', '2102']);
    const district = await inbox(T.jane);
    expect(district.alerts.map((a) => [a.districtId, a.title])).toEqual([['2101', 'Resync Finished Red']]);
  });

  it('marks read per user; unread first; marking again keeps the first time', async () => {
    const newest = (await inbox(T.ann)).alerts[0];
    if (!newest) throw new Error('no alert');
    const marked = await markRead(T.ann, newest.alertId);
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ alertId: newest.alertId, read: true, readAt: expect.any(String) });
    expect((await markRead(T.ann, newest.alertId)).body.readAt).toBe(marked.body.readAt);

    const ann = await inbox(T.ann);
    expect(ann.alerts.map((a) => a.read)).toEqual([false, false, true]);
    expect(ann.alerts[2]?.alertId).toBe(newest.alertId);
    expect({ total: ann.total, unread: ann.unread }).toEqual({ total: 3, unread: 2 });
    const unreadOnly = await inbox(T.ann, '?unread=true');
    expect(unreadOnly.alerts.map((a) => a.alertId)).not.toContain(newest.alertId);
    expect(unreadOnly.total).toBe(2);
    // Another state user has read nothing; a Read-only user may mark alerts read too.
    expect((await inbox(T.bob)).unread).toBe(3);
    expect((await markRead(T.bob, newest.alertId)).status).toBe(200);
    expect((await inbox(T.bob)).unread).toBe(2);
  });

  it('a district user marks only its district\'s alerts; another district\'s, or the state\'s version, is not found', async () => {
    const red = (await inbox(T.jane)).alerts[0];
    if (!red) throw new Error('no alert');
    expect((await markRead(T.jane, red.alertId)).body).toMatchObject({ read: true });
    expect((await inbox(T.sam)).alerts[0]).toMatchObject({ alertId: red.alertId, read: false });
    expect((await markRead(T.sam, red.alertId)).status).toBe(200);

    const [, districtVersion, stateVersion] = await alertsOfBatch(system.db.sql, batches.failed);
    for (const [token, alertId] of [[T.jane, districtVersion?.alertId], [T.dee, stateVersion?.alertId], [T.dee, 99_999_999]] as const) {
      const answer = await markRead(token, alertId ?? 0);
      expect({ status: answer.status, type: answer.type, detail: answer.body.detail }).toEqual({ status: 404, type: 'application/problem+json', detail: `no alert ${alertId}` });
    }
    expect((await request(app).get('/api/alerts?district=2102').set(bearer(T.jane))).status).toBe(403);
    expect((await markRead(T.dee, 'x')).status).toBe(400);
  });
});
