// A second worker on one machine (or one started beside `npm start`) needs a metrics port of its
// own. The SDK says only "Address already in use"; the worker names the port and the setting, and
// exits 1 before it touches a database or Temporal.
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config';

describe('a worker whose metrics port is taken', () => {
  it('exits 1 naming the port and WORKER_METRICS_PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const ended = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'worker.ts')], {
          cwd: PROJECT_ROOT, env: { ...process.env, WORKER_METRICS_PORT: String(port), LOG_LEVEL: 'error' }, timeout: 60_000,
        }, (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr: String(stderr) }));
      });
      expect(ended.code).toBe(1);
      expect(ended.stderr).toContain(`the worker's metrics port 127.0.0.1:${port} is in use (another worker on this machine?): give each worker its own WORKER_METRICS_PORT`);
    } finally {
      taken.close();
    }
  });
});
