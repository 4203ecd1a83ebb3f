// `npx resync token` next to a running API: the API (started from the environment, as npm start
// runs it, with no token configured) trusts the demo issuer under the data directory; a token
// minted after the API started — even the first one, which creates the signing key — is accepted
// at once. Bad input gets exit 2 and one line; the messages about tokens say how to get one, and a
// district with no demo token because it is not registered is named as such.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/api/server';
import { readEnv } from '../../src/config';
import { seedDistrict } from '../../src/generator/seed-district';
import { demoIssuerFiles } from '../../src/identity/demo-issuer';
import { runCli } from '../setup/cli';
import { createTestDatabase, type TestDatabase } from '../setup/database';
import { freePort } from '../setup/ports';

let db: TestDatabase;
let api: RunningApi;
let dataDir: string;
let apiUrl: string;
let cliEnv: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDistrict(db.sql, db.sql, { districtId: '1500', students: 20, scopedYear: 2026, state: null, reportingEntity: false, seed: 1 });
  dataDir = await mkdtemp(path.join(tmpdir(), 'resync-token-'));
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  api = await startApi(readEnv({
    DATABASE_URL: db.url, RESYNC_DATA_DIR: dataDir, LOG_LEVEL: 'silent', TEMPORAL_ADDRESS: '127.0.0.1:9',
    PORT: String(port), API_METRICS_PORT: String(await freePort()),
  }));
  cliEnv = { DATABASE_URL: db.url, RESYNC_DATA_DIR: dataDir, API_URL: apiUrl, LOG_LEVEL: 'silent' };
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const me = async (token?: string) => {
  const answer = await fetch(`${apiUrl}/api/me`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: answer.status, body: await answer.json() as Record<string, unknown> };
};

describe('npx resync token', () => {
  it('mints a token the running API accepts at once, also the first one (which creates the key)', async () => {
    await expect(stat(demoIssuerFiles(dataDir).signingKey)).rejects.toThrow(/ENOENT/);
    const reader = await runCli(['token', '--district', '1500', '--name', 'Jane Doe', '--rights', 'read'], cliEnv);
    expect({ code: reader.code, stderr: reader.stderr }).toEqual({
      code: 0, stderr: expect.stringMatching(/^token for Jane Doe, a user of district 1500, Read rights, valid until \d{4}-\d\d-\d\dT/),
    });
    expect(reader.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(await me(reader.stdout.trim())).toEqual({ status: 200, body: { role: 'district', districtId: '1500', name: 'Jane Doe', rights: ['read'] } });
    expect((await stat(demoIssuerFiles(dataDir).signingKey)).mode & 0o777).toBe(0o600);

    const state = await runCli(['token', '--state', '--name', 'Ann Lee', '--json', '--expires-in', '30m'], cliEnv);
    expect(state.code).toBe(0);
    const minted = JSON.parse(state.stdout) as Record<string, unknown>;
    expect(minted).toEqual({
      token: expect.any(String), role: 'state', name: 'Ann Lee', rights: ['read', 'write'], issuer: 'urn:state-resync:demo-issuer', expiresAt: expect.any(String),
    });
    expect(await me(minted.token as string)).toEqual({ status: 200, body: { role: 'state', name: 'Ann Lee', rights: ['read', 'write'] } });
  });

  it('works as RESYNC_TOKEN for the other commands', async () => {
    const writer = await runCli(['token', '--district', '1500'], cliEnv);
    const history = await runCli(['history', '--district', '1500', '--json'], { ...cliEnv, RESYNC_TOKEN: writer.stdout.trim() });
    expect({ code: history.code, stderr: history.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(history.stdout)).toMatchObject({ districtId: '1500', total: 0 });
  });

  it.each<[string, string[], Record<string, string>, RegExp]>([
    ['an unknown district', ['--district', '1501'], {}, /^resync token: unknown district 1501: seed it first \(npx resync seed --district 1501 --students 500\)\n$/],
    ['neither --district nor --state', [], {}, /^resync token: give --district <id> \(a district user\) or --state \(a state user\)\n$/],
    ['both --district and --state', ['--district', '1500', '--state'], {}, /^resync token: option '--district <id>' cannot be used with option '--state'/],
    ['unknown rights', ['--state', '--rights', 'admin'], {}, /^resync token: --rights admin: Allowed choices are read, write; see npx resync token --help\n$/],
    ['a bad time span', ['--state', '--expires-in', '5x'], {}, /^resync token: --expires-in 5x: write a time span such as 30m, 12h or 7d/],
    ['an API that trusts an OIDC issuer', ['--state'], {
      RESYNC_OIDC_ISSUER: 'https://idp.example', RESYNC_OIDC_AUDIENCE: 'api', RESYNC_OIDC_JWKS_URL: 'https://idp.example/jwks',
    }, /^resync token: the API trusts tokens of https:\/\/idp\.example \(RESYNC_OIDC_ISSUER\), not demo tokens: get a token from that identity provider\n$/],
  ])('refuses %s: exit 2, one line', async (_label, args, env, message) => {
    const result = await runCli(['token', ...args], { ...cliEnv, ...env });
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(message);
  });
});

describe('messages about tokens tell how to get one', () => {
  it('the API\'s 401', async () => {
    expect(await me()).toMatchObject({
      status: 401,
      body: { detail: 'send a token as "Authorization: Bearer <token>": mint one with `npx resync token --district <id>` (or `--state`) on the machine running npm start, '
        + 'or use a token of RESYNC_API_TOKENS (a demo npm start prints them and writes them to api-tokens.json in its data directory)' },
    });
  });

  it('the CLI without a token', async () => {
    const result = await runCli(['history', '--district', '1500'], cliEnv);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`resync history: no API token for state: set RESYNC_TOKEN to a token of your identity provider or, next to npm start, `
      + `to one minted by npx resync token (--district <id> or --state); a demo npm start also writes a token per role to ${path.join(dataDir, 'api-tokens.json')} (--as picks one)\n`);
  });
});

describe('a district without a demo token: not registered, or registered after npm start', () => {
  // A demo npm start's api-tokens.json: the state's token and none for district 1500 (seeded later).
  let tokensDir: string;
  let tokensEnv: Record<string, string>;

  beforeAll(async () => {
    tokensDir = await mkdtemp(path.join(tmpdir(), 'resync-tokens-'));
    const state = await runCli(['token', '--state', '--name', 'Ann Lee'], cliEnv);
    await writeFile(path.join(tokensDir, 'api-tokens.json'), `${JSON.stringify({ state: state.stdout.trim() })}\n`, { mode: 0o600 });
    tokensEnv = { ...cliEnv, RESYNC_DATA_DIR: tokensDir };
  });

  afterAll(async () => {
    if (tokensDir) await rm(tokensDir, { recursive: true, force: true });
  });

  it.each([
    ['select', ['select', '--district', '9999', '--object', 'School', '--ids', '1']],
    ['start', ['start', '--district', '9999', '--objects', 'School']],
  ])('%s of a district that is not registered says so and names the registered ones: exit 2', async (name, args) => {
    const result = await runCli(args, tokensEnv);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' });
    expect(result.stderr).toBe(`resync ${name}: district "9999" is not registered (the registered districts are 1500): seed it with npx resync seed --district 9999 --students 500\n`);
  });

  it('start of a registered district without a token says there is no token and how to mint one: exit 2', async () => {
    const result = await runCli(['start', '--district', '1500', '--objects', 'School'], tokensEnv);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' });
    expect(result.stderr).toBe(`resync start: no API token for district:1500: set RESYNC_TOKEN to a token of your identity provider or, next to npm start, `
      + `to one minted by npx resync token (--district 1500); a demo npm start also writes a token per role to ${path.join(tokensDir, 'api-tokens.json')} (--as picks one)\n`);
  });
});
