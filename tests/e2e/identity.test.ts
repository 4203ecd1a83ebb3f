// Real users: OIDC / JWT bearer tokens verified against an identity provider's key set (served by
// this test on loopback), mapped by their claims to a district or state user with tool rights;
// each way a token is wrong gets a 401 with its own detail. The user's name is what the batch
// history records as "requested by" and "cancelled by".
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { JwtVerifier, jwtTrustFromEnv } from '../../src/api/jwt';
import { readEnv } from '../../src/config';
import { freePort } from '../setup/ports';
import { startTestSystem, type TestSystem } from '../setup/system';
import { bearer, waitForBatch, waitForStatus } from './helpers';

const ISSUER = 'https://idp.test/realms/state';
const AUDIENCE = 'state-resync-api';

let system: TestSystem;
let jwks: Server;
let jwksUrl: string;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
let app: ReturnType<typeof buildApp>;

function verifierFor(env: Record<string, string>): JwtVerifier {
  const trust = jwtTrustFromEnv(readEnv({ RESYNC_OIDC_ISSUER: ISSUER, RESYNC_OIDC_AUDIENCE: AUDIENCE, RESYNC_OIDC_JWKS_URL: jwksUrl, ...env }));
  if (!trust) throw new Error('no trust from the environment');
  return new JwtVerifier(trust);
}

interface TokenOptions {
  claims?: Record<string, unknown>;
  issuer?: string;
  audience?: string;
  expiresAt?: number;
  kid?: string;
  key?: CryptoKey;
  subject?: string;
}

/** A token as the identity provider would issue it; each option spoils one thing. */
function token(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: 'Jane Doe', resync_role: 'district', resync_district: '1001', resync_rights: 'write', ...options.claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'key-1', typ: 'JWT' })
    .setIssuer(options.issuer ?? ISSUER).setAudience(options.audience ?? AUDIENCE).setSubject(options.subject ?? 'user-jane')
    .setIssuedAt(now - 60).setExpirationTime(options.expiresAt ?? now + 600)
    .sign(options.key ?? signingKey);
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  jwks = createServer((req, res) => {
    if (req.url !== '/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;

  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 30 });
  app = buildApp({ ...system.deps, jwt: verifierFor({}) });
});

afterAll(async () => {
  await system?.stop();
  await new Promise((resolve) => jwks?.close(resolve));
});

/** The test system as the helpers see it, answering through the app that accepts JWTs. */
const withJwt = (): TestSystem => ({ ...system, app });

const me = async (bearerToken: string) => request(app).get('/api/me').set(bearer(bearerToken));

describe('a valid token is a user', () => {
  it('maps the default claims to a district user with Write, and a state user with Read', async () => {
    expect((await me(await token())).body).toEqual({ role: 'district', districtId: '1001', name: 'Jane Doe', rights: ['read', 'write'] });
    const state = await me(await token({ subject: 'user-ann', claims: { name: 'Ann Lee', resync_role: 'state', resync_district: undefined, resync_rights: ['read'] } }));
    expect(state.body).toEqual({ role: 'state', name: 'Ann Lee', rights: ['read'] });
  });

  it('follows configured claim names (RESYNC_OIDC_*_CLAIM)', async () => {
    const custom = buildApp({
      ...system.deps,
      jwt: verifierFor({
        RESYNC_OIDC_NAME_CLAIM: 'display_name', RESYNC_OIDC_ROLE_CLAIM: 'realm_access.resync_role',
        RESYNC_OIDC_DISTRICT_CLAIM: 'district_code', RESYNC_OIDC_RIGHTS_CLAIM: 'tool_rights',
      }),
    });
    const issued = await token({ claims: { name: 'ignored', display_name: 'Dee District', realm_access: { resync_role: 'district' }, district_code: 1001, tool_rights: 'read' } });
    const answer = await request(custom).get('/api/me').set(bearer(issued));
    expect(answer.body).toEqual({ role: 'district', districtId: '1001', name: 'Dee District', rights: ['read'] });
  });

  it('reaches its own district only', async () => {
    const issued = await token();
    expect((await request(app).get('/api/districts/1001/objects').set(bearer(issued))).status).toBe(200);
    const other = await request(app).get('/api/districts/1002/objects').set(bearer(issued));
    expect({ status: other.status, detail: other.body.detail }).toEqual({ status: 403, detail: 'this token may only access district 1001' });
  });
});

describe('a wrong token is refused with 401 problem+json and a specific detail', () => {
  it.each<[string, () => Promise<string>, string | RegExp]>([
    ['a wrong issuer', () => token({ issuer: 'https://evil.test' }), `the token was issued by "https://evil.test", not by the trusted issuer "${ISSUER}"`],
    ['a wrong audience', () => token({ audience: 'another-api' }), `the token is for the audience "another-api", not for "${AUDIENCE}"`],
    ['an expired token', () => token({ expiresAt: 1_700_000_000 }), 'the token expired at 2023-11-14T22:13:20.000Z: get a new one'],
    ['a bad signature', () => token({ key: otherKey }),
      'the token\'s signature does not verify with the trusted issuer\'s key "key-1": it was altered or signed by someone else'],
    ['an unknown key id', () => token({ kid: 'key-9' }), `the token is signed with the key "key-9", which is not among the trusted issuer's keys (${'<jwks>'})`],
    ['an altered payload', async () => {
      const [header, , signature] = (await token()).split('.');
      const payload = Buffer.from(JSON.stringify({ sub: 'user-jane', name: 'Jane Doe', resync_role: 'state', iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999 })).toString('base64url');
      return `${header}.${payload}.${signature}`;
    }, 'the token\'s signature does not verify with the trusted issuer\'s key "key-1": it was altered or signed by someone else'],
    ['a symmetric algorithm', async () => new SignJWT({ resync_role: 'state' }).setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('x').setExpirationTime('5m').sign(new TextEncoder().encode('a-shared-secret-of-32-characters')),
    /^the token's signature algorithm is not accepted/],
    ['a token that is not a JWT nor a static token', async () => 'not-a-real-token',
      'the bearer token is not valid: sign in with https://idp.test/realms/state and send its access token, or use a token of RESYNC_API_TOKENS (a demo npm start prints them and writes them to api-tokens.json in its data directory)'],
  ])('%s', async (_label, make, detail) => {
    const answer = await me(await make());
    expect(answer.status).toBe(401);
    expect(answer.type).toBe('application/problem+json');
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="state-resync"/);
    const expected = typeof detail === 'string' ? detail.replace('<jwks>', jwksUrl) : detail;
    if (typeof expected === 'string') expect(answer.body.detail).toBe(expected);
    else expect(answer.body.detail).toMatch(expected);
  });

  it('says how to get a token when none is sent', async () => {
    const answer = await request(app).get('/api/me');
    expect(answer.body.detail).toBe('send a token as "Authorization: Bearer <token>": sign in with https://idp.test/realms/state and send its access token, '
      + 'or use a token of RESYNC_API_TOKENS (a demo npm start prints them and writes them to api-tokens.json in its data directory)');
  });

  it('a valid token whose claims make no user of this tool is a 403 saying why', async () => {
    const noRole = await me(await token({ claims: { resync_role: undefined, resync_district: undefined } }));
    expect({ status: noRole.status, detail: noRole.body.detail }).toEqual({
      status: 403, detail: 'the token has no resync_role claim (state or district) and no resync_district claim: it does not make Jane Doe a user of this tool',
    });
    const noRights = await me(await token({ claims: { resync_rights: 'admin' } }));
    expect({ status: noRights.status, detail: noRights.body.detail }).toEqual({
      status: 403, detail: 'Jane Doe has no rights on the Resync State Data tool (the token\'s resync_rights claim grants neither read nor write)',
    });
  });

  it('an identity provider whose keys cannot be fetched is a 503, not a 401', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/jwks.json`;
    const unreachable = buildApp({ ...system.deps, jwt: verifierFor({ RESYNC_OIDC_JWKS_URL: closed }) });
    const answer = await request(unreachable).get('/api/me').set(bearer(await token()));
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.body.detail).toMatch(new RegExp(`^the trusted issuer's keys \\(${closed.replace(/[.]/g, '\\.')}\\) could not be read: `));
  });
});

describe('the user\'s name is what the history records', () => {
  it('"requested by" and "cancelled by" name the person, for a district and a state user', async () => {
    const jane = await token();
    const ann = await token({ subject: 'user-ann', claims: { name: 'Ann Lee', resync_role: 'state', resync_district: undefined, resync_rights: 'write' } });
    // Keep the district's batch running while the state's request waits behind it: its copy waits
    // for a lock this test holds.
    await system.db.sql.unsafe(`create function hold_identity() returns trigger language plpgsql as $$
      begin perform pg_advisory_lock(4242); perform pg_advisory_unlock(4242); return null; end $$`);
    await system.db.sql.unsafe('create trigger hold_identity after insert on state.district for each statement execute function hold_identity()');
    const holder = await system.db.sql.reserve();
    await holder`select pg_advisory_lock(4242)`;
    let held = true;
    const release = async () => {
      if (!held) return;
      held = false;
      await holder`select pg_advisory_unlock(4242)`;
      holder.release();
    };
    try {
      const running = await request(app).post('/api/districts/1001/resyncs').set(bearer(jane)).send({ objects: ['District'] });
      expect(running.status).toBe(202);
      const districtBatch = running.body.batchId as string;
      await waitForStatus(withJwt(), jane, districtBatch, 'running');
      const queued = await request(app).post('/api/state/districts/1001/resync-requests').set(bearer(ann)).send({ objects: ['District'] });
      expect(queued.body).toMatchObject({ status: 'queued', position: 1 });
      const stateBatch = queued.body.batchId as string;

      expect((await request(app).post(`/api/resyncs/${stateBatch}/cancel`).set(bearer(ann))).body).toMatchObject({ outcome: 'withdrawn' });
      expect((await request(app).post(`/api/resyncs/${districtBatch}/cancel`).set(bearer(jane))).status).toBe(202);
      await release();
      const cancelled = await waitForBatch(withJwt(), jane, districtBatch);
      expect(cancelled).toMatchObject({ status: 'cancelled', requestedBy: 'Jane Doe', failure: expect.stringMatching(/^cancelled by Jane Doe at /) });
      const withdrawn = await waitForBatch(withJwt(), ann, stateBatch);
      expect(withdrawn).toMatchObject({ status: 'cancelled', requestedBy: 'Ann Lee', failure: expect.stringMatching(/^cancelled by Ann Lee at .* before it started$/) });

      const rows = await system.db.sql`select batch_id, requested_by, cancel_requested_by from resync.batch
        where batch_id in ${system.db.sql([districtBatch, stateBatch])} order by requested_at`;
      expect(rows.map((row) => ({ ...row }))).toEqual([
        { batch_id: districtBatch, requested_by: 'Jane Doe', cancel_requested_by: 'Jane Doe' },
        { batch_id: stateBatch, requested_by: 'Ann Lee', cancel_requested_by: 'Ann Lee' },
      ]);
    } finally {
      await release();
      await system.db.sql.unsafe('drop trigger if exists hold_identity on state.district');
    }
  });
});
