// Starts the delivery workflow of an outbound notification (the worker's NotificationStarter for
// activities). One workflow per event id: a second start — a retried activity — is refused by
// Temporal, also after the first delivery finished (REJECT_DUPLICATE), and ignored here.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { NotificationStarter } from '../activities/deps';
import { notificationWorkflowId, type ResyncEvent } from '../notifications/events';
import { deliverNotification } from '../workflows/deliver-notification';
import { DISTRICT_ID } from '../workflows/search-attributes';

export class Notifications implements NotificationStarter {
  constructor(private readonly client: Client, private readonly taskQueue: string) {}

  async start(event: ResyncEvent): Promise<void> {
    try {
      await this.client.workflow.start(deliverNotification, {
        workflowId: notificationWorkflowId(event.id),
        taskQueue: this.taskQueue,
        args: [{ event }],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Webhook: ${event.type} of batch ${event.batch.batchId} (district ${event.batch.districtId})`,
        typedSearchAttributes: [{ key: DISTRICT_ID, value: event.batch.districtId }],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw error;
    }
  }
}
