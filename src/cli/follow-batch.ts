// `start --wait` and `status --watch`: poll the batch until it ends, showing progress on stderr.
import type { ApiClient } from './api-client';
import { formatBatch, isFinished, type BatchView } from './batch-view';
import { EXIT, exitCodeForBatch } from './exit-codes';
import { processedOf, progressSnapshot, type ProgressSample } from './progress/estimate';
import { progressReporter } from './progress/reporter';

/** How often the batch is read while it runs (RESYNC_POLL_MS overrides, in milliseconds). */
function pollInterval(): number {
  const configured = Number(process.env.RESYNC_POLL_MS);
  return Number.isFinite(configured) && configured >= 50 ? configured : 1000;
}

/** Samples older than this are dropped: the rate only looks at the recent past. */
const KEEP_SAMPLES_MS = 60_000;

/**
 * Reads GET /api/resyncs/:batch every second until the batch is no longer queued or running;
 * with `progress`, shows a bar (terminal) or plain lines (otherwise) on stderr. Ctrl-C stops
 * watching (exit 130) and leaves the batch running. → the batch as it ended.
 * @throws ApiError / Error from the API client (unknown batch, API unreachable).
 */
export async function followBatch(api: ApiClient, batchId: string, options: { progress: boolean }): Promise<BatchView> {
  const reporter = options.progress ? progressReporter(process.stderr) : undefined;
  const samples: ProgressSample[] = [];
  const interrupted = () => {
    reporter?.stop();
    process.stderr.write(`\nstopped watching; batch ${batchId} goes on (npx resync status ${batchId} --watch)\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    for (;;) {
      const batch = await api.get<BatchView>(`/api/resyncs/${encodeURIComponent(batchId)}`);
      if (reporter) {
        const snapshotAt = performance.now();
        samples.push({ atMs: snapshotAt, processed: processedOf(batch) });
        while (samples.length > 2 && snapshotAt - (samples[0]?.atMs ?? snapshotAt) > KEEP_SAMPLES_MS) samples.shift();
        reporter.update(progressSnapshot(batch, samples));
      }
      if (isFinished(batch)) {
        reporter?.stop();
        return batch;
      }
      await new Promise((resolve) => setTimeout(resolve, pollInterval()));
    }
  } finally {
    process.removeListener('SIGINT', interrupted);
  }
}

/**
 * What `start` and `select` do once the API accepted a batch: without `wait`, print its one-line
 * `summary` (or the API's answer with `json`) and exit 0; with `wait`, say the summary on stderr,
 * follow the batch to its end and print it (table or JSON), exiting with the batch's outcome code.
 */
export async function reportStarted(
  api: ApiClient, started: { batchId: string }, summary: string, options: { wait?: boolean; json?: boolean },
): Promise<void> {
  const out = (text: string): void => void process.stdout.write(`${text}\n`);
  if (!options.wait) {
    out(options.json ? JSON.stringify(started) : summary);
    process.exitCode = EXIT.OK;
    return;
  }
  if (!options.json) process.stderr.write(`${summary}\n`);
  const final = await followBatch(api, started.batchId, { progress: !options.json });
  if (options.json) out(JSON.stringify(final));
  else formatBatch(final).forEach((line) => out(line));
  process.exitCode = exitCodeForBatch(final);
}
