// Reading a workflow's history the way an operator reads it in the Temporal UI: which activities
// it scheduled, and which ran as local activities (recorded as markers in the workflow task).
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The activity types the history scheduled as (normal) activities, in order. */
export function scheduledActivities(events: readonly HistoryEvent[] | null | undefined): string[] {
  return (events ?? []).map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name).filter((name): name is string => Boolean(name));
}

interface LocalActivityMarker { activity_type?: string; attempt?: number }

/** What each local activity's marker says, in order. */
function localActivityMarkers(events: readonly HistoryEvent[] | null | undefined): LocalActivityMarker[] {
  const markers: LocalActivityMarker[] = [];
  for (const event of events ?? []) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') continue;
    const payload = marker.details?.data?.payloads?.[0]?.data;
    if (payload) markers.push(JSON.parse(Buffer.from(payload).toString('utf8')) as LocalActivityMarker);
  }
  return markers;
}

/** The activity types the history ran as local activities, in order (their markers' data). */
export function localActivities(events: readonly HistoryEvent[] | null | undefined): string[] {
  return localActivityMarkers(events).map((marker) => marker.activity_type ?? '?');
}

/** The attempt each recorded run of this local activity ended on, in order. */
export function localActivityAttempts(events: readonly HistoryEvent[] | null | undefined, activityType: string): number[] {
  return localActivityMarkers(events).filter((marker) => marker.activity_type === activityType).map((marker) => marker.attempt ?? 1);
}
