// The bench drives the system as its users do: through the API, with the state's token.
import { BENCH_TOKEN } from './stack';

const headers = { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface EndedBatch {
  seconds: number;
  batchId: string;
  status: string;
  processed: number;
  objects: { object: string; processed: number; inserted: number | null; updated: number | null; unchanged: number | null; deleted: number; sent: number }[];
}

async function post<T>(apiUrl: string, path: string, body: object): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (response.status !== 202) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

async function get<T>(apiUrl: string, path: string): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, { headers });
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

/** Starts a batch (POST `path` with `body`), waits for its end; the seconds run from the POST. */
export async function runBatch(apiUrl: string, path: string, body: object): Promise<EndedBatch> {
  const started = performance.now();
  const { batchId } = await post<{ batchId: string }>(apiUrl, path, body);
  for (;;) {
    const batch = await get<Omit<EndedBatch, 'seconds'>>(apiUrl, `/api/resyncs/${batchId}`);
    if (!['queued', 'running'].includes(batch.status)) return { ...batch, seconds: (performance.now() - started) / 1000 };
    await sleep(100);
  }
}

/** A full resync of one district (`method` copy or differential). */
export function fullResync(apiUrl: string, districtId: string, method: 'copy' | 'differential' = 'copy'): Promise<EndedBatch> {
  return runBatch(apiUrl, `/api/districts/${districtId}/resyncs`, { objects: 'all', method });
}

export interface EndedStateWide {
  seconds: number;
  districts: number;
  processed: number;
  statuses: Record<string, number>;
}

/** A state-wide resync of these districts through the API, waited for to its end. */
export async function stateWideResync(apiUrl: string, districts: readonly string[]): Promise<EndedStateWide> {
  const started = performance.now();
  const { requestId } = await post<{ requestId: string }>(apiUrl, '/api/state/resyncs', { districts, objects: 'all' });
  for (;;) {
    const progress = await get<{ phase: string; counts: Record<string, number>; records: { processed: number } }>(apiUrl, `/api/state/resyncs/${requestId}`);
    if (progress.phase === 'finished') {
      return { seconds: (performance.now() - started) / 1000, districts: districts.length, processed: progress.records.processed, statuses: progress.counts };
    }
    await sleep(250);
  }
}

/** Reads the object table with bounded concurrency until stopped; returns latencies in ms. */
export function readLoad(apiUrl: string, districtId: string, concurrency: number): { stop: () => Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${apiUrl}/api/districts/${districtId}/objects`, { headers });
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      // Bounded: a steady trickle of tool-page reads, not a flood.
      await sleep(20);
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return { stop: async () => { running = false; await Promise.all(loops); return latencies; } };
}
