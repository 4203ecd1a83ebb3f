// What `npm test` does about Chromium on each kind of machine (the decision, without uninstalling
// anything), and how it finds the one a machine has.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumPlan, findChromium } from '../../src/services/chromium';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('chromiumPlan', () => {
  it('uses the Chromium found, whoever we are', () => {
    for (const isRoot of [true, false]) {
      for (const hasAptGet of [true, false]) {
        expect(chromiumPlan({ found: '/usr/bin/chromium', isRoot, hasAptGet })).toEqual({ action: 'use', path: '/usr/bin/chromium' });
      }
    }
  });

  it('installs Debian\'s chromium when it is missing and we are root with apt-get', () => {
    expect(chromiumPlan({ found: null, isRoot: true, hasAptGet: true })).toEqual({
      action: 'install',
      commands: [['apt-get', 'update'], ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium']],
    });
  });

  it('says what to install when it is missing and we may not install it', () => {
    expect(chromiumPlan({ found: null, isRoot: false, hasAptGet: true })).toEqual({
      action: 'refuse',
      message: 'the browser tests need Chromium, and installing it needs root: run `sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium`, ' +
        'or set CHROMIUM_PATH to a Chromium (or Chrome) executable',
    });
    for (const isRoot of [true, false]) {
      expect(chromiumPlan({ found: null, isRoot, hasAptGet: false })).toEqual({
        action: 'refuse',
        message: 'the browser tests need Chromium, and this machine has no apt-get to install it with: install Chromium with its package manager, ' +
          'or set CHROMIUM_PATH to a Chromium (or Chrome) executable',
      });
    }
  });
});

describe('findChromium', () => {
  it('takes CHROMIUM_PATH when it names an executable, and refuses one that does not', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chromium-test-'));
    dirs.push(dir);
    const executable = path.join(dir, 'my-chromium');
    await writeFile(executable, '#!/bin/sh\n');
    await chmod(executable, 0o755);
    const plain = path.join(dir, 'not-executable');
    await writeFile(plain, '');
    expect(await findChromium(executable)).toBe(executable);
    await expect(findChromium(plain)).rejects.toThrow(`CHROMIUM_PATH=${plain} is not an executable file`);
    await expect(findChromium(path.join(dir, 'missing'))).rejects.toThrow(`CHROMIUM_PATH=${path.join(dir, 'missing')} is not an executable file`);
  });
});
