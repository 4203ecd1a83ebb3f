// The worker's workflowsPath: every workflow type the worker runs.
export { resyncLane } from './resync-lane';
export { resyncBatch } from './resync-batch';
export { syncObject } from './sync-object';
export { verifyThenResync } from './verify-then-resync';
export { yearRollover } from './year-rollover';
export { scheduledResync } from './scheduled-resync';
export { copyPermits } from './copy-permits';
export { stateWideResync } from './state-wide-resync';
export { deliverNotification } from './deliver-notification';
