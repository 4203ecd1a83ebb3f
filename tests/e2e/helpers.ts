// Helpers for end-to-end tests through the API.
import request from 'supertest';
import type { TestSystem } from '../setup/system';

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export interface BatchBody {
  batchId: string;
  status: string;
  objectsHidden?: boolean;
  objects?: { object: string; status: string; colour: string; processed: number; errors: number; sent: number; deleted: number; inserted: number | null; updated: number | null; unchanged: number | null; failure: string | null }[];
  [key: string]: unknown;
}

/** Polls a batch through the API until it has ended. */
export async function waitForBatch(system: TestSystem, token: string, batchId: string, timeoutMs = 120_000): Promise<BatchBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await request(system.app).get(`/api/resyncs/${batchId}`).set(bearer(token));
    if (response.status !== 200) throw new Error(`GET batch ${batchId}: ${response.status} ${JSON.stringify(response.body)}`);
    const body = response.body as BatchBody;
    if (!['queued', 'running'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Polls until a batch reaches a status (e.g. running). */
export async function waitForStatus(system: TestSystem, token: string, batchId: string, status: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await request(system.app).get(`/api/resyncs/${batchId}`).set(bearer(token));
    if ((response.body as BatchBody).status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`batch ${batchId} never reached ${status}`);
}
