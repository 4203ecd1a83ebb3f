// The API process as `npm start` runs it (startApi, from the environment): it binds loopback unless
// API_HOST says otherwise, and its Prometheus metrics, which count every district's batches, are
// served only on a separate loopback port, never on the public app.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/api/server';
import { readEnv } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../setup/database';
import { freePort } from '../setup/ports';

let db: TestDatabase;
const running: RunningApi[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const api of running) await api.stop();
  await db?.drop();
});

async function start(extra: Record<string, string> = {}): Promise<{ api: RunningApi; port: number; metricsPort: number }> {
  const port = await freePort();
  const metricsPort = await freePort();
  const api = await startApi(readEnv({
    DATABASE_URL: db.url, RESYNC_API_TOKENS: 'server-test-state-token=state', LOG_LEVEL: 'silent',
    // Never contacted by these tests: the client connects lazily.
    TEMPORAL_ADDRESS: '127.0.0.1:9',
    PORT: String(port), API_METRICS_PORT: String(metricsPort), ...extra,
  }));
  running.push(api);
  return { api, port, metricsPort };
}

const addressOf = (server: Server) => {
  const { address, port } = server.address() as AddressInfo;
  return { address, port };
};

describe('the API process', () => {
  it('binds loopback by default, with its metrics on their own loopback port and not on the public app', async () => {
    const { api, port, metricsPort } = await start();
    expect(addressOf(api.server)).toEqual({ address: '127.0.0.1', port });
    expect(addressOf(api.metricsServer)).toEqual({ address: '127.0.0.1', port: metricsPort });

    const me = await fetch(`http://127.0.0.1:${port}/api/me`, { headers: { authorization: 'Bearer server-test-state-token' } });
    expect({ status: me.status, body: await me.json() }).toEqual({ status: 200, body: { role: 'state', name: 'state', rights: ['read', 'write'] } });
    const publicMetrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(publicMetrics.status).toBe(404);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await scraped.text()).toContain('resync_api_requests_total{method="GET",route="/api/me",status="200"} 1');
  });

  it('binds the host API_HOST names; the metrics stay on loopback', async () => {
    const { api, port, metricsPort } = await start({ API_HOST: '0.0.0.0' });
    expect(addressOf(api.server)).toEqual({ address: '0.0.0.0', port });
    expect(addressOf(api.metricsServer)).toEqual({ address: '127.0.0.1', port: metricsPort });
  });
});
