// Makes Temporal hold exactly the schedules of the file: creates what is new, updates what
// changed (a fingerprint of the entry travels in the action's memo), deletes our schedules the
// file no longer names, and leaves everything else alone. Applying twice changes nothing.
import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, type Client, type ScheduleOptions } from '@temporalio/client';
import { resyncAttributes } from '../workflows/search-attributes';
import type { ScheduledResyncInput } from '../workflows/scheduled-resync';
import type { ScheduleEntry } from './config';

/** Schedules we manage carry this prefix; others in the namespace are not ours to delete. */
export const SCHEDULE_PREFIX = 'resync-schedule/';

export type ApplyOutcome = 'created' | 'updated' | 'unchanged' | 'deleted';

/** Bumped whenever the action built from an entry changes shape, so applying updates schedules
 *  made by an earlier release (2: district targets carry DistrictId). */
const ACTION_VERSION = 2;

export function fingerprint(entry: ScheduleEntry, taskQueue: string): string {
  return createHash('sha256').update(JSON.stringify({ entry, taskQueue, version: ACTION_VERSION })).digest('hex').slice(0, 16);
}

function targetLabel(entry: ScheduleEntry): string {
  return 'districtId' in entry.target ? `district ${entry.target.districtId}` : `every ${entry.target.state} district`;
}

export function scheduleOptions(entry: ScheduleEntry, taskQueue: string): ScheduleOptions {
  const input: ScheduledResyncInput = { scenario: entry.scenario, target: entry.target };
  return {
    scheduleId: `${SCHEDULE_PREFIX}${entry.id}`,
    spec: { calendars: [{ comment: `${entry.scenario} resync`, ...entry.calendar } as never], timezone: entry.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledResync',
      workflowId: `resync-scheduled/${entry.id}`,
      taskQueue,
      args: [input],
      memo: { fingerprint: fingerprint(entry, taskQueue) },
      staticSummary: `Scheduled ${entry.scenario} full resync of ${targetLabel(entry)}`,
      typedSearchAttributes: resyncAttributes({
        ...('districtId' in entry.target ? { districtId: entry.target.districtId } : {}), kind: 'full', initiator: 'schedule',
      }),
    },
    policies: { overlap: entry.overlap as never, catchupWindow: '1 day' },
    state: { paused: entry.paused, note: `Managed by temporal/schedules.json: ${entry.scenario} full resync of ${targetLabel(entry)}.` },
  };
}

async function existingFingerprint(client: Client, scheduleId: string): Promise<string | null | undefined> {
  try {
    const description = await client.schedule.getHandle(scheduleId).describe();
    const memo = (description.action as { memo?: Record<string, unknown> }).memo;
    return typeof memo?.fingerprint === 'string' ? memo.fingerprint : null;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

export async function applySchedules(client: Client, entries: readonly ScheduleEntry[], taskQueue: string): Promise<{ id: string; outcome: ApplyOutcome }[]> {
  const results: { id: string; outcome: ApplyOutcome }[] = [];
  const wanted = new Set(entries.map((entry) => `${SCHEDULE_PREFIX}${entry.id}`));
  for (const entry of entries) {
    const options = scheduleOptions(entry, taskQueue);
    const current = await existingFingerprint(client, options.scheduleId);
    if (current === undefined) {
      await client.schedule.create(options);
      results.push({ id: options.scheduleId, outcome: 'created' });
    } else if (current !== fingerprint(entry, taskQueue)) {
      await client.schedule.getHandle(options.scheduleId).update((previous) => ({
        ...previous, spec: options.spec, action: options.action, policies: { ...previous.policies, ...options.policies },
        state: { ...previous.state, paused: entry.paused, note: options.state?.note },
      }) as never);
      results.push({ id: options.scheduleId, outcome: 'updated' });
    } else {
      results.push({ id: options.scheduleId, outcome: 'unchanged' });
    }
  }
  for await (const summary of client.schedule.list()) {
    if (summary.scheduleId.startsWith(SCHEDULE_PREFIX) && !wanted.has(summary.scheduleId)) {
      try {
        await client.schedule.getHandle(summary.scheduleId).delete();
        results.push({ id: summary.scheduleId, outcome: 'deleted' });
      } catch (error) {
        // Listing is eventually consistent: it may still show a schedule deleted moments ago.
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
    }
  }
  return results;
}

/** Runs a schedule's action now, under the schedule's own overlap policy (the SDK's trigger
 *  defaults to ALLOW_ALL, which would start a second full resync beside a running one). */
export async function triggerSchedule(client: Client, scheduleId: string): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  const description = await handle.describe();
  await handle.trigger(description.policies.overlap);
}
