// The webhook delivery activity: posts one event, signed. Retried with backoff by its workflow
// (deliverNotification) until the receiver takes it, so no event is lost while it is down.
import { log } from '@temporalio/activity';
import type { ResyncEvent } from '../notifications/events';
import { postEvent, type WebhookDelivery } from '../notifications/webhook';
import type { ActivityDeps } from './deps';

export interface DeliverWebhookInput {
  readonly event: ResyncEvent;
}

export function createNotificationActivities(deps: ActivityDeps) {
  return {
    /** @throws Error when the receiver does not take the event (retried), or this worker has no webhook configured */
    async deliverWebhook(input: DeliverWebhookInput): Promise<WebhookDelivery> {
      // Another worker of the task queue may have it: fail this attempt, the retry goes elsewhere.
      if (!deps.webhook) throw new Error('this worker has no RESYNC_WEBHOOK_URL and RESYNC_WEBHOOK_SECRET: it cannot deliver webhook events');
      const delivery = await postEvent(deps.webhook, input.event);
      log.info('webhook event delivered', { eventId: input.event.id, type: input.event.type, status: delivery.status });
      return delivery;
    },
  };
}
