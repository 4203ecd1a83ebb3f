// Where each concern lives, checked: the bookkeeping SQL (`resync.*`) only in src/data/ (and the
// per-object statements beside the sync), the API never reaching into activities, workflow code
// importing no I/O, and the retry policies naming error classes rather than strings.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config';

const SRC = path.join(PROJECT_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return entry === 'web' ? [] : sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

const relative = (file: string) => path.relative(PROJECT_ROOT, file);
const files = sourceFiles(SRC).map((file) => ({ file: relative(file), text: readFileSync(file, 'utf8') }));

describe('one home for each concern', () => {
  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('has no SQL on the bookkeeping schema (resync.*) outside src/data/', () => {
    const statement = /\b(from|into|update|join|table)\s+resync\.\w+/i;
    const offenders = files
      .filter(({ file }) => !file.startsWith('src/data/'))
      .filter(({ text }) => statement.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it('keeps the API out of the activities: it reads through src/data/', () => {
    const offenders = files
      .filter(({ file }) => file.startsWith('src/api/'))
      .filter(({ text }) => /from '(\.\.\/)+activities\//.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it('lets activities depend on the Temporal client only through the interface they declare', () => {
    const offenders = files
      .filter(({ file }) => file.startsWith('src/activities/'))
      .filter(({ text }) => /from '(\.\.\/)+client\/|from '@temporalio\/client'/.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it('lists non-retryable errors by class, never by a hand-typed string', () => {
    const offenders = files
      .filter(({ text }) => /nonRetryableErrorTypes:\s*\[[^\]]*'/.test(text))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it('defines the district-id rule once', () => {
    const offenders = files
      .filter(({ file }) => file !== 'src/domain/resync.ts')
      .filter(({ text }) => text.includes('[a-z0-9][a-z0-9_]{0,39}'))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });
});
