// The record-level CLI against a listening API on a real test system: `select` previews (record
// counts per object, parents first) and sends a Selective Sync (exit 0 green, 3 when an id is
// unknown), `start --method differential` writes only what differs and prints the split, bad ids
// are a usage error (2) that starts nothing.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes';
import { runCli } from '../setup/cli';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';

let system: TestSystem;
let server: Server;
let env: NodeJS.ProcessEnv;
let schema: string;

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 60, excludedShare: 0 });
  server = system.app.listen(0);
  const address = server.address();
  env = { API_URL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, RESYNC_TOKEN: TOKENS.district1001, RESYNC_POLL_MS: '200' };
  const [row] = await system.db.sql<{ schema: string }[]>`select source_schema as schema from resync.district where district_id = '1001'`;
  schema = row!.schema;
});

afterAll(async () => {
  server?.close();
  await system?.stop();
});

async function onePerson(): Promise<{ id: number; enrollments: number }> {
  const [row] = await system.district.sql.unsafe(`select p.id, (select count(*)::int from "${schema}".enrollment e where e.person_identity_id = p.id and e.school_year = 2026) as enrollments
    from "${schema}".person_identity p order by p.id limit 1`);
  return { id: Number(row!.id), enrollments: Number(row!.enrollments) };
}

const batchCount = async () => Number((await system.db.sql`select count(*)::int as n from resync.batch`)[0]!.n);

describe('npx resync select', () => {
  it('--preview prints the record set per object and starts nothing', async () => {
    const person = await onePerson();
    const before = await batchCount();
    const result = await runCli(['select', '--district', '1001', '--object', 'PersonIdentity', '--ids', String(person.id), '--dependents', '--preview', '--json'], env);
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const preview = JSON.parse(result.stdout) as { levels: { object: string; records: number }[][]; notAtDistrict: number[] };
    const counts = Object.fromEntries(preview.levels.flat().map((entry) => [entry.object, entry.records]));
    expect(counts.PersonIdentity).toBe(1);
    expect(counts.Enrollment).toBe(person.enrollments);
    expect(preview.notAtDistrict).toEqual([]);
    expect(await batchCount()).toBe(before);
  });

  it('--preview without --json counts records per object, level by level, parents first', async () => {
    const [school] = await system.district.sql.unsafe(`select min(id)::int as id from "${schema}".school`);
    const result = await runCli(['select', '--district', '1001', '--object', 'School', '--ids', String(school!.id), '--preview'], env);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: EXIT.OK, stderr: '' });
    expect(result.stdout).toBe('2 records in all; per object, parents first:\n  level 1: District — 1 record\n  level 2: School — 1 record\n');

    const unknown = await runCli(['select', '--district', '1001', '--object', 'PersonIdentity', '--ids', '987654321,987654322', '--no-parents', '--preview'], env);
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({ code: EXIT.OK, stderr: '' });
    expect(unknown.stdout).toBe('0 records in all; per object, parents first:\n  level 1: PersonIdentity — 0 records\n'
      + '  PersonIdentity ids not at the district: 987654321, 987654322 (the state\'s copy is removed if it holds one; otherwise reported)\n');
  });

  it('--preview names the chosen records of another school year, which it leaves out', async () => {
    // An enrollment of the year before, as a district's history holds them.
    const current = Number((await system.district.sql.unsafe(`select min(id) as id from "${schema}".enrollment where school_year = 2026`))[0]?.id);
    const [row] = await system.district.sql.unsafe(`insert into "${schema}".enrollment
      select (select max(id) + 1 from "${schema}".enrollment), person_identity_id, 2025, grade, start_date, end_date, service_type, state_excluded, now()
      from "${schema}".enrollment where id = $1 returning id`, [current] as never[]);
    const previous = Number(row!.id);
    const result = await runCli(['select', '--district', '1001', '--object', 'Enrollment', '--ids', `${previous},${current}`, '--no-parents', '--preview'], env);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: EXIT.OK, stderr: '' });
    expect(result.stdout).toBe('1 record in all; per object, parents first:\n  level 1: Enrollment — 1 record\n'
      + `  Enrollment ids of another school year than 2026-27: ${previous} (left out; sending them is refused)\n`);
    await system.district.sql.unsafe(`delete from "${schema}".enrollment where id = $1`, [previous] as never[]);
  });

  it('--wait sends one person with dependents, follows it and exits 0; the person is at the state', async () => {
    const person = await onePerson();
    await system.district.sql.unsafe(`update "${schema}".person_identity set last_name = 'ByTheCli' where id = $1`, [person.id] as never[]);
    const result = await runCli(['select', '--district', '1001', '--object', 'PersonIdentity', '--ids', String(person.id), '--dependents', '--wait'], env);
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(result.stdout).toMatch(/selective by district\s+completed/);
    const [atState] = await system.db.sql`select last_name from state.person_identity where source_district = '1001' and id = ${person.id}`;
    expect(atState!.last_name).toBe('ByTheCli');
  });

  it('an id neither side holds: the batch completes with that error, exit 3', async () => {
    const result = await runCli(['select', '--district', '1001', '--object', 'PersonIdentity', '--ids', '987654321', '--no-parents', '--wait', '--json'], env);
    expect(result.code, result.stderr).toBe(EXIT.COMPLETED_WITH_ERRORS);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'selective', status: 'completed', errors: 1 });
  });

  it.each([
    ['12,abc', 'id 2 of 2, "abc", is not a record id'],
    ['1,,2', 'id 2 of 3 is empty'],
    ['12,', 'id 2 of 2 is empty'],
    ['1.5', 'id 1 of 1, "1.5", is not a record id'],
    ['1e3,7', 'id 1 of 2, "1e3", is not a record id'],
    ['0x10', 'id 1 of 1, "0x10", is not a record id'],
    ['5,0', 'id 2 of 2, "0", is not a record id'],
    [' ', 'no record id given'],
  ])('--ids "%s" is a usage error naming the option and the bad id; nothing starts', async (ids, why) => {
    const before = await batchCount();
    const result = await runCli(['select', '--district', '1001', '--object', 'PersonIdentity', '--ids', ids], env);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: EXIT.USAGE, stdout: '' });
    expect(result.stderr).toBe(`resync select: --ids ${ids}: ${why}; record ids are positive whole numbers separated by commas, e.g. 12,40; see npx resync select --help\n`);
    expect(await batchCount()).toBe(before);
  });
});

describe('npx resync start --method differential', () => {
  it('prints what each object inserted, updated, left unchanged and removed', async () => {
    const first = await runCli(['start', '--district', '1001', '--objects', 'School', '--wait', '--json'], env);
    expect(first.code, first.stderr).toBe(EXIT.OK);
    await system.district.sql.unsafe(`update "${schema}".school set name = name || ' (renamed)' where id = (select min(id) from "${schema}".school)`);
    const result = await runCli(['start', '--district', '1001', '--objects', 'School', '--method', 'differential', '--wait'], env);
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const [{ n }] = await system.district.sql.unsafe(`select count(*)::int as n from "${schema}".school`) as unknown as [{ n: number }];
    expect(result.stdout).toMatch(new RegExp(`School .*inserted 0, updated 1, unchanged ${n - 1}, removed 0`));
  });

  it('refuses a method it does not know (exit 2)', async () => {
    const result = await runCli(['start', '--district', '1001', '--objects', 'School', '--method', 'fast'], env);
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stderr.trim()).toBe('resync start: --method fast: Allowed choices are copy, differential; see npx resync start --help');
  });
});
