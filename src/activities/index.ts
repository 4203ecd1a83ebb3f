// All activities, built from their dependencies. The worker registers `createActivities(deps)`;
// workflows type their proxies with `Activities`.
import { createBatchActivities } from './batch';
import type { ActivityDeps } from './deps';
import { createSyncObjectActivities } from './sync-object';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createBatchActivities(deps),
    ...createSyncObjectActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
