// `npx resync plan`, run as a real process: its --json output is a contract other tools rely on.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function resync(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/resync.js', 'plan', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const stderrLines = (stderr: string) => stderr.split('\n').filter((line) => line.trim() !== '');

describe('resync plan', () => {
  it('--objects TestScore --check-dependencies --json prints exactly one JSON object {levels, excluded}', () => {
    const { status, stdout, stderr } = resync('--objects', 'TestScore', '--check-dependencies', '--json');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const output: unknown = JSON.parse(stdout);
    expect(output).toBeTypeOf('object');
    expect(Object.keys(output as object).sort()).toEqual(['excluded', 'levels']);
    expect(output).toEqual({
      levels: [['District'], ['School'], ['Calendar'], ['ScheduleStructure'], ['PersonIdentity'], ['Test'], ['TestScore']],
      excluded: [],
    });
  });

  it('without --check-dependencies plans only TestScore', () => {
    const { status, stdout } = resync('--objects', 'TestScore', '--json');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ levels: [['TestScore']], excluded: [] });
  });

  it('excluded objects come with their reasons', () => {
    const { status, stdout } = resync('--objects', 'LepKY,Behavior', '--json');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      levels: [['Behavior']],
      excluded: [{ object: 'LepKY', reason: 'applies only to Kentucky (KY) districts' }],
    });
  });

  it('--state KY plans Kentucky objects; --state MT --reporting-entity still excludes ReportingEntity', () => {
    const ky = JSON.parse(resync('--objects', 'LepKY', '--state', 'ky', '--json').stdout) as { levels: string[][] };
    expect(ky.levels).toEqual([['LepKY']]);
    const mt = JSON.parse(resync('--all', '--state', 'MT', '--reporting-entity', '--json').stdout) as { levels: string[][]; excluded: { object: string; reason: string }[] };
    expect(mt.levels.flat()).not.toContain('ReportingEntity');
    expect(mt.excluded.find((e) => e.object === 'ReportingEntity')?.reason).toMatch(/Montana/);
  });

  it('an unknown object exits non-zero with one line on stderr suggesting the right name', () => {
    const { status, stdout, stderr } = resync('--objects', 'Enrolment');
    expect(status).not.toBe(0);
    expect(stdout).toBe('');
    const lines = stderrLines(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Enrolment');
    expect(lines[0]).toContain('Enrollment');
  });

  it('--all with --objects is a usage error (exit 2)', () => {
    const { status, stdout, stderr } = resync('--all', '--objects', 'X');
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderrLines(stderr)).toHaveLength(1);
  });

  it('neither --all nor --objects is a usage error (exit 2)', () => {
    expect(resync().status).toBe(2);
  });

  it('an unknown --year is a usage error (exit 2)', () => {
    const { status, stderr } = resync('--all', '--year', 'someday');
    expect(status).toBe(2);
    expect(stderrLines(stderr)).toHaveLength(1);
    expect(stderr).toContain('someday');
  });

  it('an unknown flag is refused', () => {
    expect(resync('--all', '--bogus').status).not.toBe(0);
  });

  it('--year previous plans only year-tied objects', () => {
    const { status, stdout } = resync('--objects', 'District,Enrollment', '--year', 'previous', '--json');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      levels: [['Enrollment']],
      excluded: [{ object: 'District', reason: 'not tied to a school year: resynced only with the current year' }],
    });
  });

  it('text output lists the levels', () => {
    const { status, stdout } = resync('--objects', 'TestScore', '--check-dependencies');
    expect(status).toBe(0);
    expect(stdout).toContain('level');
    expect(stdout).toMatch(/level\s+1\s+District/);
    expect(stdout).toMatch(/level\s+7\s+TestScore/);
    expect(stdout).toContain('Test (dependency)');
    expect(() => JSON.parse(stdout)).toThrow();
  });
});
