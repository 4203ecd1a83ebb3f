// Outbound notifications: a webhook on loopback receives a signed JSON event per batch end (red,
// failed, finished) and per state request. While the receiver is down (connections refused, then
// 503) the deliveries are retried with backoff by their own workflows, holding up neither the
// batch nor its lane; once it is up, each event arrives exactly once with a valid signature.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifications } from '../../src/client/notifications';
import { newBatchId } from '../../src/client/resyncs';
import { notificationWorkflowId, type ResyncEvent } from '../../src/notifications/events';
import { checkSignature } from '../../src/notifications/signature';
import { freePort } from '../setup/ports';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer, waitForBatch } from './helpers';

const SECRET = 'whsec-loopback-test-0123456789';

interface Received {
  readonly eventId: string | undefined;
  readonly type: string | undefined;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly body: string;
  readonly receivedAt: number;
  answered: number;
}

let system: TestSystem;
let port: number;
let receiver: Server | undefined;
const received: Received[] = [];

/** While the receiver is "down" it drops every connection unanswered. It listens from the start
 *  (a port picked now and bound later could be taken meanwhile by another test's process). */
let up = false;

/** The receiver: the first attempt of each event is answered 503; later ones 200 when signed right. */
function listenReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: Received = {
        eventId: req.headers['x-resync-event-id'] as string | undefined, type: req.headers['x-resync-event-type'] as string | undefined,
        timestamp: req.headers['x-resync-timestamp'] as string | undefined, signature: req.headers['x-resync-signature'] as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'), receivedAt: Math.floor(Date.now() / 1000), answered: 0,
      };
      const seenBefore = received.some((earlier) => earlier.eventId === entry.eventId);
      const signed = checkSignature({ secret: SECRET, body: entry.body, timestamp: entry.timestamp, signature: entry.signature }).valid;
      entry.answered = !seenBefore ? 503 : signed ? 200 : 401;
      received.push(entry);
      res.writeHead(entry.answered).end();
    });
  });
  receiver.on('connection', (socket) => {
    if (!up) socket.destroy();
  });
  return new Promise((resolve) => receiver?.listen(port, '127.0.0.1', resolve));
}

function startReceiver(): void {
  up = true;
}

const handleOf = (eventId: string) => system.worker.client.workflow.getHandle(notificationWorkflowId(eventId));

/** Waits until the event's delivery has failed at least `failures` times; returns the last failure. */
async function failedAttempts(eventId: string, failures: number): Promise<{ attempt: number; failure: string; status: string }> {
  for (;;) {
    const description = await handleOf(eventId).describe().catch(() => undefined);
    const pending = description?.raw.pendingActivities?.[0];
    const attempt = pending?.attempt ?? 0;
    if (description && attempt > failures) {
      return { attempt, failure: pending?.lastFailure?.message ?? '', status: description.status.name };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  port = await freePort();
  await listenReceiver();
  system = await startTestSystem({ webhook: { url: `http://127.0.0.1:${port}/hooks/resync`, secret: SECRET } });
  await system.seed({ districtId: '2201', students: 40, excludedShare: 0 });
});

afterAll(async () => {
  await system?.stop();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
});

describe('the webhook', () => {
  const ids = { red: '', stateBatch: '', failed: '' };

  it('while the receiver is down, batches end and the lane moves on; deliveries retry', async () => {
    const red = await system.resyncs.submit({
      batchId: newBatchId(), districtId: '2201', yearChoice: 'current', schoolYear: 2026, objects: ['Enrollment'], checkDependencies: false,
      initiator: 'district', requestedBy: 'Jane Doe',
    });
    ids.red = red.batchId;
    expect((await waitForBatch(system, TOKENS.state, ids.red)).status).toBe('completed');
    const redDelivery = await failedAttempts(`${ids.red}:ended`, 2);
    expect(redDelivery.status).toBe('RUNNING');
    expect(redDelivery.failure).toMatch(new RegExp(`^the webhook at http://127\\.0\\.0\\.1:${port}/hooks/resync did not answer: (ECONNRESET|UND_ERR_SOCKET|other side closed)`));

    // The lane is not held up by the pending delivery: the state's request runs to its end.
    const stateRequest = await request(system.app).post('/api/state/districts/2201/resync-requests').set(bearer(TOKENS.state)).send({ objects: ['District'] });
    expect(stateRequest.status).toBe(202);
    ids.stateBatch = stateRequest.body.batchId as string;
    expect((await waitForBatch(system, TOKENS.state, ids.stateBatch)).status).toBe('completed');
    expect((await failedAttempts(`${ids.stateBatch}:state-requested`, 1)).status).toBe('RUNNING');
    expect(received).toEqual([]);
  });

  it('once the receiver is up (503 first), every event arrives exactly once, signed', async () => {
    startReceiver();
    await system.db.sql.unsafe(`create function fail_2201() returns trigger language plpgsql as $$
      begin if new.source_district = '2201' then raise exception 'state database rejected the write (test)'; end if; return new; end $$`);
    await system.db.sql.unsafe('create trigger fail_2201 before insert on state.person_identity for each row execute function fail_2201()');
    try {
      const failed = await system.resyncs.submit({
        batchId: newBatchId(), districtId: '2201', yearChoice: 'current', schoolYear: 2026, objects: ['PersonIdentity'], checkDependencies: true,
        initiator: 'district', requestedBy: 'Jane Doe', options: { copyAttempts: 2 },
      });
      ids.failed = failed.batchId;
      expect((await waitForBatch(system, TOKENS.state, ids.failed)).status).toBe('failed');
    } finally {
      await system.db.sql.unsafe('drop trigger fail_2201 on state.person_identity');
    }

    const events = [`${ids.red}:ended`, `${ids.stateBatch}:state-requested`, `${ids.stateBatch}:ended`, `${ids.failed}:ended`];
    for (const eventId of events) expect(await handleOf(eventId).result(), eventId).toEqual({ eventId, status: 200 });

    // Exactly one accepted delivery per event, after one 503; nothing else arrived.
    const accepted = received.filter((entry) => entry.answered === 200);
    expect(accepted.map((entry) => entry.eventId).sort()).toEqual([...events].sort());
    for (const eventId of events) expect(received.filter((entry) => entry.eventId === eventId).map((entry) => entry.answered), eventId).toEqual([503, 200]);

    // Every delivery is signed as documented: HMAC-SHA256 of "<timestamp>.<body>", a fresh timestamp.
    for (const entry of received) {
      const expected = `v1=${createHmac('sha256', SECRET).update(`${entry.timestamp}.${entry.body}`).digest('hex')}`;
      expect(entry.signature).toBe(expected);
      expect(Math.abs(entry.receivedAt - Number(entry.timestamp))).toBeLessThanOrEqual(300);
      const event = JSON.parse(entry.body) as ResyncEvent;
      expect({ id: event.id, type: event.type }).toEqual({ id: entry.eventId, type: entry.type });
    }

    const bodyOf = (eventId: string) => JSON.parse(accepted.find((entry) => entry.eventId === eventId)?.body ?? '{}') as ResyncEvent;
    expect(bodyOf(`${ids.red}:ended`)).toMatchObject({
      type: 'batch.red', batch: { batchId: ids.red, districtId: '2201', schoolYearLabel: '2026-27', status: 'completed', requestedBy: 'Jane Doe', redObjects: ['Enrollment'], errors: 40 },
    });
    expect(bodyOf(`${ids.stateBatch}:state-requested`)).toMatchObject({
      type: 'state.resync-requested', batch: { batchId: ids.stateBatch, initiator: 'state', requestedBy: 'state', requestedObjects: ['District'] },
    });
    expect(bodyOf(`${ids.stateBatch}:ended`)).toMatchObject({ type: 'batch.finished', batch: { batchId: ids.stateBatch, status: 'completed', redObjects: [] } });
    expect(bodyOf(`${ids.failed}:ended`)).toMatchObject({
      type: 'batch.failed', batch: { batchId: ids.failed, status: 'failed', failure: expect.stringContaining('PersonIdentity'), redObjects: ['PersonIdentity'] },
    });
  });

  it('an event is never delivered by a second workflow, also after the first has finished', async () => {
    const eventId = `${ids.red}:ended`;
    const first = await handleOf(eventId).describe();
    const before = received.length;
    const event = JSON.parse(received.find((entry) => entry.eventId === eventId)?.body ?? '{}') as ResyncEvent;
    await new Notifications(system.worker.client, system.worker.taskQueue).start(event);
    const after = await handleOf(eventId).describe();
    expect({ runId: after.runId, status: after.status.name }).toEqual({ runId: first.runId, status: 'COMPLETED' });
    expect(received.length).toBe(before);
  });
});
