// Runs the real CLI (`bin/resync.js`) as a child process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): Promise<CliResult> {
  return startCli(args, env, timeoutMs).done;
}

/** A CLI process still running: what it has written to stderr so far, and its result when it ends. */
export interface RunningCli {
  stderrSoFar(): string;
  readonly done: Promise<CliResult>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): RunningCli {
  let stderr = '';
  const done = new Promise<CliResult>((resolve) => {
    const child = execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'resync.js'), ...args], {
      cwd: PROJECT_ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, finalStderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: finalStderr });
    });
    child.stderr?.on('data', (chunk: Buffer | string) => void (stderr += String(chunk)));
  });
  return { stderrSoFar: () => stderr, done };
}
