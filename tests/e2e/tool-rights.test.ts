// Tool rights (DESIGN §2.13): Read lets a user view the tool and its results, Write also lets them
// send and cancel resyncs. The full matrix — state and district users, Read and Write, demo JWTs
// (a rights claim) and static tokens (a /read suffix) — over every route of the OpenAPI document.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { parseTokens } from '../../src/api/auth';
import { demoTrust, JwtVerifier } from '../../src/api/jwt';
import { openApiDocument } from '../../src/api/openapi';
import { raiseAlert } from '../../src/data/alerts';
import { mintDemoToken } from '../../src/identity/demo-issuer';
import { startTestSystem, type TestSystem } from '../setup/system';
import { bearer, waitForBatch } from './helpers';

/** The routes that send or cancel a resync: Write only. Written out here, not read from the code. */
const WRITE_ROUTES = new Set([
  'post /api/districts/{district}/resyncs',
  'post /api/districts/{district}/selective-syncs',
  'patch /api/districts/{district}',
  'post /api/resyncs/{batch}/retry-failed',
  'post /api/districts/{district}/verify-and-resync',
  'post /api/state/districts/{district}/resync-requests',
  'post /api/resyncs/{batch}/cancel',
  'post /api/state/resyncs',
  'post /api/state/resyncs/{request}/cancel',
]);
const PUBLIC = new Set(['/healthz', '/api/openapi.json']);

interface User {
  readonly label: string;
  readonly token: string;
  readonly role: 'state' | 'district';
  readonly name: string;
  readonly write: boolean;
}

let system: TestSystem;
let app: ReturnType<typeof buildApp>;
let dataDir: string;
let finishedBatchId: string;
let alertId: number;
let stateWideRequestId: string;
const users: User[] = [];

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 30 });
  await system.seed({ districtId: '1002', students: 30, seed: 2 });
  dataDir = await mkdtemp(path.join(tmpdir(), 'resync-rights-'));
  const statics = {
    'static state, Read': ['rights-state-reader-token', 'state:Rita Reader/read'],
    'static state, Write': ['rights-state-writer-token', 'state:Walt Writer'],
    'static district, Read': ['rights-district-reader-token', 'district:1002:Dora Reader/read'],
    'static district, Write': ['rights-district-writer-token', 'district:1002:Dan Writer/write'],
  } as const;
  for (const [label, [token, spec]] of Object.entries(statics)) {
    users.push({ label, token, role: spec.startsWith('state') ? 'state' : 'district', name: spec.split(':').at(-1)?.replace(/\/\w+$/, '') ?? '', write: !spec.endsWith('/read') });
  }
  for (const [role, rights] of [['state', 'read'], ['state', 'write'], ['district', 'read'], ['district', 'write']] as const) {
    const name = `JWT ${role} ${rights}`;
    const { token } = await mintDemoToken(dataDir, { role, ...(role === 'district' ? { districtId: '1002' } : {}), name, rights, expiresIn: '1h' });
    users.push({ label: `demo JWT ${role}, ${rights === 'read' ? 'Read' : 'Write'}`, token, role, name, write: rights === 'write' });
  }
  app = buildApp({
    ...system.deps,
    tokens: parseTokens(Object.values(statics).map(([token, spec]) => `${token}=${spec}`).join(';')),
    jwt: new JwtVerifier(demoTrust(dataDir)),
  });
  const writer = users.find((user) => user.label === 'static district, Write');
  const started = await request(app).post('/api/districts/1002/resyncs').set(bearer(writer?.token ?? '')).send({ objects: ['District'] });
  finishedBatchId = started.body.batchId as string;
  await waitForBatch({ ...system, app }, writer?.token ?? '', finishedBatchId);
  const stateWide = await request(app).post('/api/state/resyncs').set(bearer(users.find((user) => user.label === 'static state, Write')?.token ?? ''))
    .send({ districts: ['1002'], objects: ['District'] });
  stateWideRequestId = stateWide.body.requestId as string;
  await system.worker.client.workflow.getHandle(stateWide.body.workflowId as string).result();
  alertId = (await raiseAlert(system.db.sql, { districtId: '1002', category: 'Vertical Interoperability', title: 'Test Alert', message: 'for the matrix' })).alertId;
});

afterAll(async () => {
  await system?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Route { readonly method: 'get' | 'post' | 'patch'; readonly template: string; readonly path: string; readonly right: unknown }

/** A query the route needs to answer 200 (required parameters). */
const EXAMPLE_QUERIES: Record<string, string> = { '/api/districts/{district}/records': '?object=PersonIdentity&q=a' };

function routes(): Route[] {
  const paths = openApiDocument().paths as Record<string, Record<string, { 'x-tool-right'?: unknown }>>;
  return Object.entries(paths).filter(([template]) => !PUBLIC.has(template)).flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method as Route['method'], template, right: operation['x-tool-right'],
      path: template.replace('{district}', '1002').replace('{batch}', finishedBatchId).replace('{alert}', String(alertId))
        .replace('{request}', stateWideRequestId) + (EXAMPLE_QUERIES[template] ?? ''),
    })));
}

/** Waits until what an accepted request started has ended, and the district's lane is idle. */
async function settle(response: request.Response, user: User): Promise<void> {
  const body = response.body as { batchId?: string; workflowId?: string };
  if (body.batchId) await waitForBatch({ ...system, app }, user.token, body.batchId);
  else if (body.workflowId) await system.worker.client.workflow.getHandle(body.workflowId).result();
  for (;;) {
    const lane = await system.resyncs.lane('1002', 2026);
    if (!lane || (lane.running === null && lane.queued.length === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What a user gets on a route: the status and, for a refusal, its detail. */
function expectation(user: User, route: Route): { status: number; detail?: string } {
  const key = `${route.method} ${route.template}`;
  if (route.template.startsWith('/api/state/') && user.role === 'district') return { status: 403, detail: 'only state users may do this' };
  if (WRITE_ROUTES.has(key)) {
    if (!user.write) {
      const needs = key === 'patch /api/districts/{district}' ? 'changing a district\'s settings' : 'sending or cancelling a resync';
      return { status: 403, detail: `this user (${user.name}) has Read rights on the Resync State Data tool; ${needs} needs Write` };
    }
    // The batch addressed has finished: a cancellation is refused for that, not for rights; it
    // copied District only, without a failure: nothing to retry.
    if (key === 'post /api/resyncs/{batch}/cancel' || key === 'post /api/state/resyncs/{request}/cancel') return { status: 409 };
    if (key === 'post /api/resyncs/{batch}/retry-failed') return { status: 422 };
    return { status: key === 'patch /api/districts/{district}' ? 200 : 202 };
  }
  return { status: 200 };
}

describe('tool rights', () => {
  it('the document marks exactly the routes that send or cancel as needing Write', () => {
    const marked = routes().map((route) => [`${route.method} ${route.template}`, route.right]);
    expect(marked.filter(([, right]) => right === 'write').map(([key]) => key).sort()).toEqual([...WRITE_ROUTES].sort());
    expect(marked.every(([, right]) => right === 'read' || right === 'write')).toBe(true);
    expect(marked.length).toBeGreaterThanOrEqual(14);
  });

  it('GET /api/me tells each user their role, name and rights', async () => {
    for (const user of users) {
      const answer = await request(app).get('/api/me').set(bearer(user.token));
      expect(answer.body, user.label).toEqual({
        role: user.role, ...(user.role === 'district' ? { districtId: '1002' } : {}), name: user.name,
        rights: user.write ? ['read', 'write'] : ['read'],
      });
    }
  });

  it('every user on every route: Read sees everything it may see and sends nothing; Write sends', async () => {
    expect(users.length).toBe(8);
    const batches = async () => Number((await system.db.sql`select count(*)::int as n from resync.batch`)[0]?.n);
    for (const user of users) {
      for (const route of routes()) {
        const before = await batches();
        const body = route.template === '/api/state/resyncs' ? { districts: ['1002'], objects: ['District'] }
          : /\/(resyncs|resyncs\/plan|resync-requests)$/.test(route.template) ? { objects: ['District'] }
            : /\/selective-syncs(\/plan)?$/.test(route.template) ? { object: 'District', ids: [1] }
              : route.method === 'patch' ? { autoRetryDeferred: false } : {};
        const call = route.method === 'get' ? request(app).get(route.path) : request(app)[route.method](route.path).send(body);
        const answer = await call.set(bearer(user.token));
        const want = expectation(user, route);
        const what = `${user.label}: ${route.method.toUpperCase()} ${route.template}`;
        expect({ status: answer.status, ...(want.detail ? { detail: answer.body.detail } : {}) }, `${what} → ${JSON.stringify(answer.body).slice(0, 300)}`).toEqual(want);
        if (answer.status === 202) await settle(answer, user);
        else expect(await batches(), `${what}: no batch without a 202`).toBe(before);
      }
    }
  });
});
