// The words of the alerts a batch's end raises (neutral for the district when the state asked),
// which ends raise one, the webhook events' types, and the signature a receiver checks.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { batchEndAlert, objectList, type EndedBatch } from '../../src/domain/alerts';
import { batchEndedEvent, batchEndType, stateRequestedEvent, type BatchFacts } from '../../src/notifications/events';
import { checkSignature, signatureOf } from '../../src/notifications/signature';

const batch: EndedBatch = {
  batchId: '20261128-153005-7f3a9c01b2d4', districtId: '1001', schoolYear: 2026, kind: 'partial', initiator: 'district',
  requestedBy: 'Jane Doe', status: 'completed', processed: 400, errors: 100, failure: null, redObjects: ['Enrollment'],
};

describe('the alert of a batch\'s end', () => {
  it('a red batch: "Resync Finished Red", naming its red objects, the same words for district and state', () => {
    const alert = batchEndAlert(batch);
    const message = 'The partial resync of district 1001 for 2026-27 (batch 20261128-153005-7f3a9c01b2d4, requested by Jane Doe) finished red: '
      + 'more than 1 % of the records of Enrollment did not reach the state (100 of 400 records did not reach the state).';
    expect(alert).toEqual({ category: 'Vertical Interoperability', title: 'Resync Finished Red', districtMessage: message, stateMessage: message });
  });

  it('a failed batch the state requested: the district\'s words name no object and no count', () => {
    const alert = batchEndAlert({
      ...batch, initiator: 'state', requestedBy: 'Ann Lee', status: 'failed', failure: '1 object(s) failed: PersonIdentity', redObjects: ['PersonIdentity', 'Test'],
    });
    expect(alert?.title).toBe('Resync Failed');
    expect(alert?.districtMessage).toBe('The resync the state requested of district 1001 for 2026-27 (batch 20261128-153005-7f3a9c01b2d4) failed.');
    expect(alert?.stateMessage).toBe('The partial resync of district 1001 for 2026-27 (batch 20261128-153005-7f3a9c01b2d4, requested by the state (Ann Lee)) failed: '
      + '1 object(s) failed: PersonIdentity. Red: PersonIdentity, Test. 100 of 400 records did not reach the state.');
    expect(batchEndAlert({ ...batch, initiator: 'state' })?.districtMessage)
      .toBe('The resync the state requested of district 1001 for 2026-27 (batch 20261128-153005-7f3a9c01b2d4) finished with errors.');
  });

  it('no alert for a green or yellow batch, nor for a cancelled one', () => {
    expect(batchEndAlert({ ...batch, redObjects: [] })).toBeUndefined();
    expect(batchEndAlert({ ...batch, status: 'cancelled' })).toBeUndefined();
  });

  it('names at most eight objects', () => {
    expect(objectList(['A', 'B'])).toBe('A, B');
    expect(objectList(Array.from({ length: 11 }, (_, i) => `O${i}`))).toBe('O0, O1, O2, O3, O4, O5, O6, O7 and 3 more');
  });
});

describe('webhook events', () => {
  const facts: BatchFacts & { status: 'completed' } = {
    batchId: batch.batchId, districtId: '1001', schoolYear: 2026, kind: 'partial', initiator: 'district', requestedBy: 'Jane Doe',
    requestedObjects: ['Enrollment'], checkDependencies: false, status: 'completed', requestedAt: new Date('2026-11-28T15:30:05Z'),
    finishedAt: new Date('2026-11-28T15:31:00Z'), processed: 400, errors: 100, sent: 300, deleted: 0, failure: null, cancelRequestedBy: null,
  };

  it('one type per batch end: failed, red, or finished', () => {
    expect(batchEndType('failed', ['X'])).toBe('batch.failed');
    expect(batchEndType('completed', ['X'])).toBe('batch.red');
    expect(batchEndType('completed', [])).toBe('batch.finished');
    expect(batchEndType('cancelled', ['X'])).toBe('batch.finished');
  });

  it('ids are stable per event, and the times come from the history', () => {
    const ended = batchEndedEvent(facts, ['Enrollment']);
    expect(ended).toMatchObject({ id: `${batch.batchId}:ended`, type: 'batch.red', occurredAt: '2026-11-28T15:31:00.000Z' });
    expect(ended.batch).toMatchObject({ schoolYearLabel: '2026-27', redObjects: ['Enrollment'], href: `/api/resyncs/${batch.batchId}` });
    expect(stateRequestedEvent({ ...facts, status: 'queued', finishedAt: null })).toMatchObject({
      id: `${batch.batchId}:state-requested`, type: 'state.resync-requested', occurredAt: '2026-11-28T15:30:05.000Z',
    });
  });
});

describe('the webhook signature', () => {
  const secret = 'whsec-test-0123456789';
  const body = '{"id":"x:ended"}';

  it('is v1=HMAC-SHA256(secret, "<timestamp>.<body>") in hex', () => {
    const expected = createHmac('sha256', secret).update(`1767225600.${body}`).digest('hex');
    expect(signatureOf(secret, 1767225600, body)).toBe(`v1=${expected}`);
  });

  it('checks: a good delivery passes; a changed body, another secret, an old or missing timestamp do not', () => {
    const signature = signatureOf(secret, 1767225600, body);
    const check = (changes: Partial<Parameters<typeof checkSignature>[0]>) => checkSignature({
      secret, body, timestamp: '1767225600', signature, nowSeconds: 1767225600 + 60, ...changes,
    });
    expect(check({})).toEqual({ valid: true });
    expect(check({ body: '{"id":"y:ended"}' })).toEqual({ valid: false, reason: 'the signature does not match' });
    expect(check({ secret: 'another-secret-0000' })).toEqual({ valid: false, reason: 'the signature does not match' });
    expect(check({ nowSeconds: 1767225600 + 301 })).toEqual({ valid: false, reason: 'the timestamp is too old or in the future' });
    expect(check({ timestamp: undefined })).toEqual({ valid: false, reason: 'no X-Resync-Timestamp' });
    expect(check({ signature: 'v1=00' })).toEqual({ valid: false, reason: 'the signature does not match' });
  });
});
