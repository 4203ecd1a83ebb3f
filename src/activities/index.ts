// All activities, built from their dependencies. The worker registers `createActivities(deps)`;
// workflows type their proxies with `Activities`.
import { createBatchActivities } from './batch';
import type { ActivityDeps } from './deps';
import { createLifecycleActivities } from './lifecycle';
import { createCopyActivities } from './copy';
import { createNotificationActivities } from './notifications';
import { createVerificationActivities } from './verification';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createBatchActivities(deps),
    ...createCopyActivities(deps),
    ...createVerificationActivities(deps),
    ...createLifecycleActivities(deps),
    ...createNotificationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps, LaneSubmitter, NotificationStarter } from './deps';
