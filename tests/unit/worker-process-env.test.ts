// The environment every launcher gives a worker process: two malloc arenas and a 512 MB heap limit
// unless the operator chose otherwise (the worker's peak memory on a year-end run:
// src/services/worker-process.ts). Checked in real processes: what V8 and glibc read at start.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKER_MALLOC_ARENAS, WORKER_OLD_SPACE_MB, workerProcessEnv } from '../../src/services/worker-process';

/** What a process started with `env` reads: its heap limit (MB, old generation plus young) and MALLOC_ARENA_MAX. */
const PROBE = `const v8 = require('node:v8'); console.log(JSON.stringify({ heapMb: v8.getHeapStatistics().heap_size_limit / 1048576, arenas: process.env.MALLOC_ARENA_MAX }))`;
const probe = (env: NodeJS.ProcessEnv) => JSON.parse(execFileSync(process.execPath, ['-e', PROBE], { env, encoding: 'utf8' })) as { heapMb: number; arenas: string };
/** `npm run worker`'s script run by the shell, with the probe in place of the worker. */
const probeScript = (env: NodeJS.ProcessEnv) => {
  const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const script = scripts.worker ?? '';
  expect(script.endsWith(' tsx src/worker.ts')).toBe(true);
  const command = `${script.slice(0, -' tsx src/worker.ts'.length)} "${process.execPath}" -e "$PROBE"`;
  return JSON.parse(execFileSync('sh', ['-c', command], { env: { ...env, PROBE }, encoding: 'utf8' })) as { heapMb: number; arenas: string };
};
// The heap limit V8 reports is the old generation's plus the young generation's (tens of MB).
const YOUNG_MB = 100;

describe('workerProcessEnv', () => {
  it('caps glibc at two malloc arenas and the heap at 512 MB, and keeps the rest of the environment', () => {
    expect(workerProcessEnv({ STATE_DATABASE_URL: 'postgres://x', LOG_LEVEL: 'info' }))
      .toEqual({ STATE_DATABASE_URL: 'postgres://x', LOG_LEVEL: 'info', MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-old-space-size=512' });
    const started = probe(workerProcessEnv({ PATH: process.env.PATH }));
    expect(started.arenas).toBe(WORKER_MALLOC_ARENAS);
    expect(started.heapMb).toBeGreaterThanOrEqual(WORKER_OLD_SPACE_MB);
    expect(started.heapMb).toBeLessThan(WORKER_OLD_SPACE_MB + YOUNG_MB);
  });

  it("keeps an operator's own MALLOC_ARENA_MAX and heap limit, and reads an empty MALLOC_ARENA_MAX as unset (as npm run worker does)", () => {
    expect(workerProcessEnv({ MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4');
    expect(workerProcessEnv({ MALLOC_ARENA_MAX: '' }).MALLOC_ARENA_MAX).toBe('2');
    expect(workerProcessEnv({ NODE_OPTIONS: '--enable-source-maps' }).NODE_OPTIONS).toBe('--max-old-space-size=512 --enable-source-maps');
    const own = probe(workerProcessEnv({ PATH: process.env.PATH, NODE_OPTIONS: '--max-old-space-size=1024' }));
    expect(own.heapMb).toBeGreaterThanOrEqual(1024);
  });

  it('is what `npm run worker` sets too, an operator\'s own settings winning', () => {
    const plain = probeScript({ PATH: process.env.PATH });
    expect(plain.arenas).toBe(WORKER_MALLOC_ARENAS);
    expect(plain.heapMb).toBeGreaterThanOrEqual(WORKER_OLD_SPACE_MB);
    expect(plain.heapMb).toBeLessThan(WORKER_OLD_SPACE_MB + YOUNG_MB);
    const own = probeScript({ PATH: process.env.PATH, MALLOC_ARENA_MAX: '4', NODE_OPTIONS: '--max-old-space-size=1024' });
    expect(own.arenas).toBe('4');
    expect(own.heapMb).toBeGreaterThanOrEqual(1024);
  });
});
