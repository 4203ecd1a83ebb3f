// Delivers one outbound notification (a webhook event): one small workflow per event, started by
// the activity that records a batch's end (or accepts a state request), never a child of the batch,
// so a receiver that is down holds up neither the batch nor its lane. The delivery activity is
// retried with backoff for up to three days; its workflow id (notify/<event id>) is never reused,
// so each event is delivered by one workflow only.

import { proxyActivities, setCurrentDetails, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ResyncEvent } from '../notifications/events';
import type { WebhookDelivery } from '../notifications/webhook';

// ─── Types ──────────────────────────────────────────────────────────────────────────────────────

export interface DeliverNotificationInput {
  readonly event: ResyncEvent;
}

// ─── Helpers ────────────────────────────────────────────────────────────────────────────────────

/** 1 s, doubling, at most 10 minutes between attempts, for three days: a receiver down over a long
 *  weekend still gets every event. */
const DELIVERING: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
};

const delivery = proxyActivities<Activities>(DELIVERING);

// ─── Workflows ──────────────────────────────────────────────────────────────────────────────────

export async function deliverNotification(input: DeliverNotificationInput): Promise<WebhookDelivery> {
  setCurrentDetails(`Delivering ${input.event.type} ${input.event.id} to the webhook.`);
  const delivered = await delivery.deliverWebhook({ event: input.event });
  setCurrentDetails(`Delivered ${input.event.type} ${input.event.id} (HTTP ${delivered.status}).`);
  return delivered;
}
