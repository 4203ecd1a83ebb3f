// The API's activity feed on real PostgreSQL: a district's activity is read once and then served
// from memory until the bookkeeping NOTIFYs a change of that district; many readers share one
// read; a lost LISTEN connection is listened on again. The feed here never expires an entry by
// age, so every re-read it makes is one a notification (or a reconnection) asked for.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityFeed } from '../../src/api/activity/feed';
import { raiseAlert } from '../../src/data/alerts';
import { finishObject, markObjectRunning } from '../../src/data/batch-objects';
import { insertQueuedBatch, markBatchRunning } from '../../src/data/batches';
import type { DistrictActivity } from '../../src/data/activity';
import { registerDistrict } from '../../src/data/district-registry';
import { createLogger } from '../../src/logging';
import { createTestDatabase, type TestDatabase } from '../setup/database';

let db: TestDatabase;
let feed: ActivityFeed;

beforeAll(async () => {
  db = await createTestDatabase();
  for (const districtId of ['7101', '7102', '7103']) {
    await registerDistrict(db.sql, { districtId, name: `District ${districtId}`, state: null, reportingEntity: false, scopedYear: 2026 });
  }
  feed = new ActivityFeed(db.sql, createLogger('test', 'silent'), new Registry(), { idleTtlMs: 3_600_000, runningTtlMs: 3_600_000 });
});

afterAll(async () => {
  await db?.drop();
});

const read = async (districtId: string): Promise<DistrictActivity> =>
  JSON.parse((await feed.rendered(districtId, 'test', (activity) => ({ ...activity, objects: [...activity.objects] }))).body) as DistrictActivity;

/** Reads the district until `until` holds (the notification arrives asynchronously). */
async function readUntil(districtId: string, until: (activity: DistrictActivity) => boolean): Promise<DistrictActivity> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const activity = await read(districtId);
    if (until(activity)) return activity;
    if (Date.now() > deadline) throw new Error(`district ${districtId} never showed the change: ${JSON.stringify(activity)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const alert = (districtId: string) => raiseAlert(db.sql, { districtId, category: 'Test', title: 'Test alert', message: 'a change' });

async function listenerPid(): Promise<number | null> {
  const [row] = await db.sql<{ pid: number }[]>`select pid from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen %'`;
  return row ? Number(row.pid) : null;
}

describe('the activity feed', () => {
  it('reads a district once, shares that read among concurrent readers, and reads again only after a change of that district', async () => {
    const before = feed.readCount;
    const all = await Promise.all(Array.from({ length: 20 }, () => read('7101')));
    expect(feed.readCount).toBe(before + 1);
    expect(all.every((activity) => activity.lastAlertId === null && activity.batches === 0)).toBe(true);
    for (let i = 0; i < 5; i++) await read('7101');
    expect(feed.readCount).toBe(before + 1);

    const raised = await alert('7101');
    expect((await readUntil('7101', (activity) => activity.lastAlertId === raised.alertId)).lastAlertId).toBe(raised.alertId);
    const afterChange = feed.readCount;

    // Another district's change does not make this one read again.
    await read('7102');
    const other = await alert('7102');
    await readUntil('7102', (activity) => activity.lastAlertId === other.alertId);
    const settled = feed.readCount;
    await read('7101');
    expect(feed.readCount).toBe(settled);
    expect(settled).toBeGreaterThan(afterChange);
  });

  it('sees a batch queued (the bookkeeping notifies for batches as for alerts)', async () => {
    await insertQueuedBatch(db.sql, {
      batchId: '20261130-000000-feed01', districtId: '7101', schoolYear: 2026, yearChoice: 'current', kind: 'partial', initiator: 'district',
      requestedBy: 'district:7101', checkDependencies: false, requestedObjects: ['District'], workflowId: 'resync/7101/2026/20261130-000000-feed01',
    });
    const activity = await readUntil('7101', (a) => a.active.length === 1);
    expect(activity.active[0]).toMatchObject({ batchId: '20261130-000000-feed01', status: 'queued' });
    expect(activity.batches).toBe(1);
  });

  it('hears no notification when an object of a running batch starts or finishes, and still shows it within the running re-read', async () => {
    // PostgreSQL serializes the commits of notifying transactions (one database-wide lock until
    // the commit is on disk): the copy's per-object bookkeeping must not notify (migration 0010).
    const heard: string[] = [];
    const listener = await db.sql.listen('resync_activity', (districtId) => heard.push(districtId));
    const batchId = '20261201-000000-feed03';
    await insertQueuedBatch(db.sql, {
      batchId, districtId: '7103', schoolYear: 2026, yearChoice: 'current', kind: 'partial', initiator: 'district',
      requestedBy: 'district:7103', checkDependencies: false, requestedObjects: ['District'], workflowId: `resync/7103/2026/${batchId}`,
    });
    await markBatchRunning(db.sql, batchId, { kind: 'partial', levels: [['District']], excluded: [], addedByCheckDependencies: [] });
    // A batch queued and started notifies: wait until both are heard.
    for (const deadline = Date.now() + 20_000; heard.filter((districtId) => districtId === '7103').length < 2;) {
      if (Date.now() > deadline) throw new Error(`the batch's start was not heard: ${JSON.stringify(heard)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const running = new ActivityFeed(db.sql, createLogger('test', 'silent'), new Registry(), { idleTtlMs: 3_600_000, runningTtlMs: 300 });
    const districtStatus = async () => (JSON.parse((await running.rendered('7103', 'test', (activity) => activity.objects.get(batchId) ?? [])).body) as { object: string; status: string }[])
      .find((object) => object.object === 'District')?.status;
    expect(await districtStatus()).toBe('pending');

    await markObjectRunning(db.sql, batchId, 'District');
    await finishObject(db.sql, batchId, 'District', 'completed', null);
    // Notifications arrive in commit order: once the alert raised after them is heard, any
    // notification of the object's changes would have been heard before it.
    await alert('7102');
    for (const deadline = Date.now() + 20_000; !heard.includes('7102');) {
      if (Date.now() > deadline) throw new Error('the alert was not heard');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(heard).toEqual(['7103', '7103', '7102']);
    await listener.unlisten();

    // Not notified, yet shown: a district with a running batch is read again after runningTtlMs.
    const deadline = Date.now() + 20_000;
    let status = await districtStatus();
    while (status !== 'completed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await districtStatus();
    }
    expect(status).toBe('completed');
  });

  it('listens again after its connection is lost, and hears changes from then on', async () => {
    await read('7101');
    const lost = await listenerPid();
    expect(lost).not.toBeNull();
    await db.sql`select pg_terminate_backend(${lost})`;
    for (let pid = await listenerPid(); pid === null || pid === lost; pid = await listenerPid()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await read('7101'); // what happened while it was away was read afresh on listening again
    const raised = await alert('7101');
    expect((await readUntil('7101', (activity) => activity.lastAlertId === raised.alertId)).lastAlertId).toBe(raised.alertId);
  });
});
