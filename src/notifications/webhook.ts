// Sends one event to the webhook: a POST of the event as JSON, signed (signature.ts). Any answer
// but 2xx, or no answer, is an error: the delivery activity is retried with backoff until the
// receiver takes it.
import type { ResyncEvent } from './events';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureOf, TIMESTAMP_HEADER } from './signature';

export interface WebhookTarget {
  /** RESYNC_WEBHOOK_URL */
  readonly url: string;
  /** RESYNC_WEBHOOK_SECRET */
  readonly secret: string;
}

/** How long one attempt waits for the receiver's answer. */
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface WebhookDelivery {
  readonly eventId: string;
  /** The receiver's HTTP status (2xx). */
  readonly status: number;
}

/**
 * Posts the event once.
 * @throws Error when the receiver does not answer, or answers other than 2xx (the message says which)
 */
export async function postEvent(target: WebhookTarget, event: ResyncEvent, now: Date = new Date()): Promise<WebhookDelivery> {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(now.getTime() / 1000);
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'state-resync-webhook/1',
        [EVENT_ID_HEADER]: event.id,
        [EVENT_TYPE_HEADER]: event.type,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signatureOf(target.secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`the webhook at ${target.url} did not answer: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  // The answer's body is not read beyond draining it: receivers say what they need with the status.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`the webhook at ${target.url} answered ${response.status} ${response.statusText}`.trim());
  }
  return { eventId: event.id, status: response.status };
}
