// How a webhook delivery is signed, and how a receiver checks it (README, "Webhook").
//   X-Resync-Timestamp: 1767225600                      (seconds since the epoch, at sending)
//   X-Resync-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
// A receiver recomputes the HMAC over the raw body, compares in constant time, refuses a
// timestamp more than five minutes away from its clock (a replayed delivery), and dedupes on
// X-Resync-Event-Id (a retry after a lost answer delivers the same event again).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const EVENT_ID_HEADER = 'X-Resync-Event-Id';
export const EVENT_TYPE_HEADER = 'X-Resync-Event-Type';
export const TIMESTAMP_HEADER = 'X-Resync-Timestamp';
export const SIGNATURE_HEADER = 'X-Resync-Signature';

/** How far a delivery's timestamp may be from the receiver's clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `v1=<hex>`: the HMAC-SHA256 of "<timestamp>.<body>" under the shared secret. */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type SignatureCheck = { readonly valid: true } | { readonly valid: false; readonly reason: string };

/** What a receiver does with a delivery's headers and raw body. @param nowSeconds the receiver's clock */
export function checkSignature(options: {
  secret: string; body: string; timestamp: string | undefined; signature: string | undefined; nowSeconds?: number; toleranceSeconds?: number;
}): SignatureCheck {
  const timestamp = Number(options.timestamp);
  if (!options.timestamp || !/^[0-9]{1,12}$/.test(options.timestamp)) return { valid: false, reason: `no ${TIMESTAMP_HEADER}` };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return { valid: false, reason: 'the timestamp is too old or in the future' };
  const expected = Buffer.from(signatureOf(options.secret, timestamp, options.body));
  const given = Buffer.from(options.signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'the signature does not match' };
  return { valid: true };
}
