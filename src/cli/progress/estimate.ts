// Progress of a running batch from what GET /api/resyncs/:batch exposes while it runs: per object
// its status and records processed so far. Pure: the follower feeds it samples, the reporters
// print what it returns.
//
// The batch resource does not expose the records planned per object (the batch counts them when
// it starts, but keeps the counts to itself), so the ETA is an estimate from what is there:
// the records still to come are guessed from the records per finished object so far times the
// objects left, and divided by the recent record rate. Small parent objects finish first, so
// early ETAs run short; the estimate firms up as large objects finish. Should the resource ever
// carry `records` per object, the ETA uses the exact remainder instead.
import type { BatchView } from '../batch-view';

/** Object statuses that will not change any more. */
const DONE = new Set(['completed', 'failed', 'skipped', 'cancelled']);

/** One observation of the batch: when (ms, any monotonic clock) and records processed by then. */
export interface ProgressSample {
  readonly atMs: number;
  readonly processed: number;
}

export interface ProgressSnapshot {
  readonly status: string;
  readonly phase: string | null;
  readonly objectsDone: number;
  /** Objects planned; 0 while the batch is queued (not yet planned) or its objects are hidden. */
  readonly objectsTotal: number;
  readonly processed: number;
  readonly errors: number;
  /** Objects being copied right now. */
  readonly running: readonly string[];
  /** Records per second over the recent samples; null until two samples are apart in time. */
  readonly recordsPerSecond: number | null;
  /** Seconds left, estimated; null while there is nothing to base it on. */
  readonly etaSeconds: number | null;
}

/** How far back the rate looks: long enough to smooth page bursts, short enough to follow changes. */
export const RATE_WINDOW_MS = 15_000;

/** Records processed so far over the batch's objects. */
export function processedOf(batch: Pick<BatchView, 'objects' | 'processed' | 'status'>): number {
  const objects = batch.objects ?? [];
  if (objects.length > 0) return objects.reduce((sum, object) => sum + object.processed, 0);
  return batch.processed ?? 0;
}

/**
 * Records per second between the oldest sample inside the window and the newest one.
 * samples: in time order. → null with fewer than two samples or no time between them.
 */
export function recordRate(samples: readonly ProgressSample[], windowMs = RATE_WINDOW_MS): number | null {
  const last = samples[samples.length - 1];
  if (!last) return null;
  const first = samples.find((sample) => last.atMs - sample.atMs <= windowMs) ?? last;
  const seconds = (last.atMs - first.atMs) / 1000;
  if (seconds <= 0) return null;
  return Math.max(0, (last.processed - first.processed) / seconds);
}

/** The progress of a batch given its latest view and the samples taken so far (latest last). */
export function progressSnapshot(batch: BatchView, samples: readonly ProgressSample[]): ProgressSnapshot {
  const objects = batch.objects ?? [];
  const objectsTotal = objects.length > 0 ? objects.length : batch.plan?.levels.flat().length ?? 0;
  const done = objects.filter((object) => DONE.has(object.status));
  const processed = processedOf(batch);
  const rate = recordRate(samples);
  return {
    status: batch.status,
    phase: batch.phase ?? null,
    objectsDone: done.length,
    objectsTotal,
    processed,
    errors: objects.reduce((sum, object) => sum + object.errors, 0),
    running: objects.filter((object) => object.status === 'running').map((object) => object.object),
    recordsPerSecond: rate,
    etaSeconds: estimateSecondsLeft(batch, rate),
  };
}

function estimateSecondsLeft(batch: BatchView, rate: number | null): number | null {
  if (batch.status !== 'running') return batch.status === 'queued' ? null : 0;
  const objects = batch.objects ?? [];
  if (objects.length === 0 || !rate || rate <= 0) return null;
  const left = objects.filter((object) => !DONE.has(object.status));
  if (left.length === 0) return 0;
  if (objects.every((object) => object.records !== undefined)) {
    const remaining = left.reduce((sum, object) => sum + Math.max(0, (object.records ?? 0) - object.processed), 0);
    return remaining / rate;
  }
  const done = objects.filter((object) => DONE.has(object.status));
  if (done.length === 0) return null;
  const perDoneObject = done.reduce((sum, object) => sum + object.processed, 0) / done.length;
  const alreadyInLeft = left.reduce((sum, object) => sum + object.processed, 0);
  const remaining = Math.max(0, perDoneObject * left.length - alreadyInLeft);
  return remaining / rate;
}

/** 3725.4 → "1h 02m"; 65 → "1m 05s"; 7 → "7s"; null → "–". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** 12345.6 → "12,346"; null → "–". */
export function formatCount(value: number | null): string {
  return value === null ? '–' : Math.round(value).toLocaleString('en-US');
}
