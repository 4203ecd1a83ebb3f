// The environment every launcher gives a worker process: two malloc arenas unless the operator
// chose a number (the worker's peak memory on a year-end run: src/services/worker-process.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKER_MALLOC_ARENAS, workerProcessEnv } from '../../src/services/worker-process';

describe('workerProcessEnv', () => {
  it('caps glibc at two malloc arenas and keeps the rest of the environment', () => {
    expect(workerProcessEnv({ STATE_DATABASE_URL: 'postgres://x', LOG_LEVEL: 'info' }))
      .toEqual({ STATE_DATABASE_URL: 'postgres://x', LOG_LEVEL: 'info', MALLOC_ARENA_MAX: '2' });
  });

  it("keeps an operator's own MALLOC_ARENA_MAX, and reads an empty one as unset (as npm run worker does)", () => {
    expect(workerProcessEnv({ MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4');
    expect(workerProcessEnv({ MALLOC_ARENA_MAX: '' }).MALLOC_ARENA_MAX).toBe('2');
  });

  it('is what `npm run worker` sets too', () => {
    const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.worker).toBe(`MALLOC_ARENA_MAX=\${MALLOC_ARENA_MAX:-${WORKER_MALLOC_ARENAS}} tsx src/worker.ts`);
  });
});
