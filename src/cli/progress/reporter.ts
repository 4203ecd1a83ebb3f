// Shows a batch's progress while the CLI waits for it: a progress bar on a terminal, plain lines
// (one per change, no carriage returns) when stderr is a file or a pipe, so logs stay readable.
// Progress goes to stderr: stdout keeps the final table (or JSON) for whoever reads it.
import { Presets, SingleBar } from 'cli-progress';
import { formatCount, formatDuration, type ProgressSnapshot } from './estimate';

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  /** Leaves the terminal clean (bar finished, cursor back) before the final table. */
  stop(): void;
}

/** Plain output repeats a line whose only news is the record count at most this often. */
export const PLAIN_RECORDS_INTERVAL_MS = 10_000;

function stage(snapshot: ProgressSnapshot): string {
  return snapshot.phase && snapshot.status === 'running' ? `${snapshot.status} (${snapshot.phase})` : snapshot.status;
}

/** "running (syncing): 3/12 objects done, 12,345 records processed, 2,100 records/s, ETA 1m 05s; copying Enrollment" */
export function progressLine(snapshot: ProgressSnapshot): string {
  const objects = snapshot.objectsTotal > 0 ? `${snapshot.objectsDone}/${snapshot.objectsTotal} objects done, ` : '';
  const copying = snapshot.running.length > 0 ? `; copying ${snapshot.running.join(', ')}` : '';
  return `${stage(snapshot)}: ${objects}${formatCount(snapshot.processed)} records processed, `
    + `${formatCount(snapshot.recordsPerSecond)} records/s, ETA ${formatDuration(snapshot.etaSeconds)}${copying}`;
}

/** One line per change of status, phase or objects done; record counts alone every 10 s at most. */
export function plainReporter(write: (text: string) => void, now: () => number = () => performance.now()): ProgressReporter {
  let lastKey: string | undefined;
  let lastProcessed = -1;
  let lastAt = -Infinity;
  return {
    update(snapshot) {
      const key = `${snapshot.status}|${snapshot.phase ?? ''}|${snapshot.objectsDone}|${snapshot.objectsTotal}|${snapshot.running.join(',')}`;
      const recordsMoved = snapshot.processed !== lastProcessed && now() - lastAt >= PLAIN_RECORDS_INTERVAL_MS;
      if (key === lastKey && !recordsMoved) return;
      lastKey = key;
      lastProcessed = snapshot.processed;
      lastAt = now();
      write(`${progressLine(snapshot)}\n`);
    },
    stop() {},
  };
}

/** A cli-progress bar over the objects, with records, rate, ETA and phase beside it. */
export function barReporter(stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new SingleBar({
    stream,
    format: ' {bar} {value}/{total} objects | {records} records | {rate} records/s | ETA {remaining} | {stage}',
    hideCursor: true,
    barsize: 24,
    // The bar is redrawn when the follower polls; no timer of its own.
    noTTYOutput: false,
    etaBuffer: 1,
  }, Presets.shades_classic);
  let started = false;
  const payload = (snapshot: ProgressSnapshot) => ({
    records: formatCount(snapshot.processed),
    rate: formatCount(snapshot.recordsPerSecond),
    remaining: formatDuration(snapshot.etaSeconds),
    stage: `${stage(snapshot)}${snapshot.running.length > 0 ? `: ${snapshot.running.join(', ')}` : ''}`,
  });
  return {
    update(snapshot) {
      const total = Math.max(snapshot.objectsTotal, 1);
      if (!started) {
        bar.start(total, snapshot.objectsDone, payload(snapshot));
        started = true;
        return;
      }
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(snapshot.objectsDone, payload(snapshot));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** The bar on a terminal, plain lines otherwise. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  return stream.isTTY ? barReporter(stream) : plainReporter((text) => void stream.write(text));
}
