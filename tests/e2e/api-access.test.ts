// Who may call what, for every route of the OpenAPI document, and what bad input gets: a specific
// problem+json and no change (no batch, no workflow).
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { createApiMetrics, metricsApp } from '../../src/api/metrics';
import { openApiDocument } from '../../src/api/openapi';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer, waitForBatch } from './helpers';

let system: TestSystem;
let finishedBatchId: string;
let stateWideRequestId: string;

beforeAll(async () => {
  system = await startTestSystem();
  await system.seed({ districtId: '1001', students: 60 });
  await system.seed({ districtId: '1002', students: 60, seed: 2 });
  // A finished batch of district 1002 to address by id (a plan that copies only District).
  const started = await request(system.app).post('/api/districts/1002/resyncs').set(bearer(TOKENS.district1002)).send({ objects: ['District'] });
  finishedBatchId = started.body.batchId as string;
  await waitForBatch(system, TOKENS.district1002, finishedBatchId);
  // A state-wide request to address by id.
  const stateWide = await request(system.app).post('/api/state/resyncs').set(bearer(TOKENS.state)).send({ districts: ['1001'], objects: ['District'] });
  stateWideRequestId = stateWide.body.requestId as string;
});

afterAll(async () => {
  await system?.stop();
});

type Method = 'get' | 'post' | 'patch';
interface Route { method: Method; path: string; body?: object }

/** A query the route needs to answer 200 (required parameters). */
const EXAMPLE_QUERIES: Record<string, string> = { '/api/districts/{district}/records': '?object=PersonIdentity&q=a' };

function routes(): Route[] {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => ({
    method: method as Method,
    path: path.replace('{district}', '1002').replace('{batch}', finishedBatchId).replace('{request}', stateWideRequestId).replace('{alert}', '1')
      + (EXAMPLE_QUERIES[path] ?? ''),
    ...(method === 'post' ? { body: { objects: ['District'] } } : method === 'patch' ? { body: { autoRetryDeferred: false } } : {}),
  })));
}

const PUBLIC = new Set(['/healthz', '/api/openapi.json']);

function call(route: Route, token?: string) {
  const pending = route.method === 'get' ? request(system.app).get(route.path) : request(system.app)[route.method](route.path).send(route.body ?? {});
  return token ? pending.set(bearer(token)) : pending;
}

async function batchCount(): Promise<number> {
  const [row] = await system.db.sql`select count(*)::int as n from resync.batch`;
  return Number(row?.n);
}

describe('authorization, for every route', () => {
  it('covers every route of the OpenAPI document', () => {
    expect(routes().length).toBeGreaterThanOrEqual(13);
  });

  it('refuses a missing or wrong token with 401 problem+json', async () => {
    for (const route of routes().filter((r) => !PUBLIC.has(r.path))) {
      for (const token of [undefined, 'not-a-real-token']) {
        const response = await call(route, token);
        expect(response.status, `${route.method} ${route.path}`).toBe(401);
        expect(response.type).toBe('application/problem+json');
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
  });

  it('refuses a district token on another district (403), and on state-only routes', async () => {
    const byId = (r: Route) => r.path.startsWith('/api/resyncs/');
    // Alerts are per inbox: a district user's holds only its district's (tested in alerts.test.ts).
    for (const route of routes().filter((r) => !PUBLIC.has(r.path) && !byId(r) && r.path !== '/api/districts' && !r.path.startsWith('/api/alerts') && r.path !== '/api/me')) {
      const response = await call(route, TOKENS.district1001);
      expect(response.status, `${route.method} ${route.path}`).toBe(403);
      expect(response.body.detail).toMatch(/district 1001|state users/);
    }
    expect((await request(system.app).get('/api/alerts?district=1002').set(bearer(TOKENS.district1001))).status).toBe(403);
  });

  it("answers another district's batch exactly as a missing one (404), so batch ids cannot be probed", async () => {
    const missing = '20200101-000000-0000';
    for (const suffix of ['', '/errors', '/errors?format=csv', '/cancel']) {
      const method = suffix === '/cancel' ? 'post' : 'get';
      const other = await request(system.app)[method](`/api/resyncs/${finishedBatchId}${suffix}`).set(bearer(TOKENS.district1001));
      const absent = await request(system.app)[method](`/api/resyncs/${missing}${suffix}`).set(bearer(TOKENS.district1001));
      const shape = (response: request.Response, batchId: string) => ({
        status: response.status, type: response.type, body: { ...response.body, instance: response.body.instance?.replace(batchId, '<batch>') },
      });
      const expected = (batchId: string) => ({
        status: 404, type: 'application/problem+json',
        body: {
          type: 'https://state-resync.example/problems/not-found', title: 'Not Found', status: 404,
          detail: `no resync batch ${batchId}`, instance: `/api/resyncs/<batch>${suffix}`,
        },
      });
      expect(shape(other, finishedBatchId), suffix).toEqual(expected(finishedBatchId));
      expect(shape(absent, missing), suffix).toEqual(expected(missing));
    }
  });

  it('tells a token who it is', async () => {
    expect((await request(system.app).get('/api/me').set(bearer(TOKENS.district1001))).body)
      .toEqual({ role: 'district', districtId: '1001', name: 'district:1001', rights: ['read', 'write'] });
    expect((await request(system.app).get('/api/me').set(bearer(TOKENS.state))).body).toEqual({ role: 'state', name: 'state', rights: ['read', 'write'] });
  });

  it('lets a district token reach its own district, and the state token every district', async () => {
    const listed = await request(system.app).get('/api/districts').set(bearer(TOKENS.district1001));
    expect(listed.body.districts.map((d: { districtId: string }) => d.districtId)).toEqual(['1001']);
    const all = await request(system.app).get('/api/districts').set(bearer(TOKENS.state));
    expect(all.body.districts.map((d: { districtId: string }) => d.districtId)).toEqual(['1001', '1002']);
    for (const route of routes().filter((r) => r.method === 'get')) {
      const response = await call(route, TOKENS.state);
      expect(response.status, `${route.method} ${route.path}`).toBeLessThan(400);
      if (route.path.startsWith('/api/districts/1002') || route.path.startsWith(`/api/resyncs/${finishedBatchId}`)) {
        expect((await call(route, TOKENS.district1002)).status, `${route.path} as 1002`).toBe(200);
      }
    }
  });

  it('serves /healthz and the OpenAPI document without a token', async () => {
    const health = await request(system.app).get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', postgres: 'ok', temporal: 'ok', worker: 'ok' });
    const openapi = await request(system.app).get('/api/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
  });
});

describe('security headers', () => {
  const POLICY = "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';font-src 'self';" +
    "object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'";

  it('serves the tool page under a Content-Security-Policy that forbids framing, with nosniff', async () => {
    // The page and the script and style sheet it loads (built by Vite, with hashed names).
    const page = await request(system.app).get('/');
    const assets = [...(page.text as string).matchAll(/(?:src|href)="\.?(\/assets\/[^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.filter((asset) => asset.endsWith('.js')).length).toBe(1);
    expect(assets.filter((asset) => asset.endsWith('.css')).length).toBe(1);
    for (const path of ['/', ...assets]) {
      const response = await request(system.app).get(path);
      expect(response.status, path).toBe(200);
      expect({
        csp: response.headers['content-security-policy'], nosniff: response.headers['x-content-type-options'],
        frame: response.headers['x-frame-options'], poweredBy: response.headers['x-powered-by'],
      }, path).toEqual({ csp: POLICY, nosniff: 'nosniff', frame: 'DENY', poweredBy: undefined });
    }
  });

  it('marks every /api answer no-store, student error data included, and refusals too', async () => {
    const answers = {
      objects: await request(system.app).get('/api/districts/1002/objects').set(bearer(TOKENS.state)),
      errors: await request(system.app).get(`/api/resyncs/${finishedBatchId}/errors`).set(bearer(TOKENS.state)),
      csv: await request(system.app).get(`/api/resyncs/${finishedBatchId}/errors?format=csv`).set(bearer(TOKENS.state)),
      unauthenticated: await request(system.app).get('/api/districts'),
      openapi: await request(system.app).get('/api/openapi.json'),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([name, response]) => [name, [response.status, response.headers['cache-control'], response.headers['x-content-type-options']]])))
      .toEqual({
        objects: [200, 'no-store', 'nosniff'], errors: [200, 'no-store', 'nosniff'], csv: [200, 'no-store', 'nosniff'],
        unauthenticated: [401, 'no-store', 'nosniff'], openapi: [200, 'no-store', 'nosniff'],
      });
  });
});

describe('bad input gets a specific error and changes nothing', () => {
  const post = (body: unknown, district = '1001') => request(system.app).post(`/api/districts/${district}/resyncs`).set(bearer(TOKENS.state));

  it.each([
    ['an unknown object', { objects: ['Enrolment'] }, 422, /unknown object: "Enrolment" \(did you mean Enrollment\?\)/],
    ['a wrong school year', { objects: 'all', year: 'last' }, 400, /year/],
    ['objects of the wrong type', { objects: 'everything' }, 400, /objects/],
    ['checkDependencies of the wrong type', { objects: ['School'], checkDependencies: 'yes' }, 400, /checkDependencies/],
    ['an unknown field', { objects: ['School'], priority: 'high' }, 400, /Unrecognized key/],
    ['an empty selection', { objects: [] }, 400, /objects/],
    ['an injected object name', { objects: ["School'; drop table resync.batch; --"] }, 400, /object name/],
  ])('%s', async (_label, body, status, detail) => {
    const before = await batchCount();
    const response = await post(body).send(body as object);
    expect(response.status).toBe(status);
    expect(response.type).toBe('application/problem+json');
    expect(response.body.detail).toMatch(detail);
    expect(await batchCount()).toBe(before);
  });

  it('refuses a huge body, a non-JSON body and malformed JSON', async () => {
    const before = await batchCount();
    const huge = await post({}).send({ objects: Array.from({ length: 5000 }, (_, i) => `Object${i}`) });
    expect(huge.status).toBe(413);
    const text = await post({}).set('content-type', 'text/plain').send('objects=all');
    expect(text.status).toBe(415);
    const malformed = await post({}).set('content-type', 'application/json').send('{"objects": ');
    expect(malformed.status).toBe(400);
    expect(await batchCount()).toBe(before);
  });

  it('refuses bad district ids, batch ids and query parameters', async () => {
    const injected = await request(system.app).get(`/api/districts/${encodeURIComponent("1001' or '1'='1")}/objects`).set(bearer(TOKENS.state));
    expect(injected.status).toBe(400);
    expect((await request(system.app).get('/api/districts/9999/objects').set(bearer(TOKENS.state))).status).toBe(404);
    expect((await request(system.app).get('/api/resyncs/no-such-batch').set(bearer(TOKENS.state))).status).toBe(404);
    expect((await request(system.app).get(`/api/resyncs/${encodeURIComponent('x;drop')}`).set(bearer(TOKENS.state))).status).toBe(400);
    expect((await request(system.app).get('/api/districts/1001/history?limit=100000').set(bearer(TOKENS.state))).status).toBe(400);
    expect((await request(system.app).get('/api/districts/1001/objects?year=2020').set(bearer(TOKENS.state))).status).toBe(400);
    expect((await request(system.app).get('/api/districts/1001/objects?colour=red').set(bearer(TOKENS.state))).status).toBe(400);
  });

  it('reads page parameters strictly: digits only, a 400 naming the parameter otherwise', async () => {
    type Operations = Record<string, Record<string, { parameters?: { name: string }[] }>>;
    const paged = Object.entries(openApiDocument().paths as Operations)
      .filter(([, ops]) => ops.get?.parameters?.some((p) => p.name === 'offset'))
      .map(([path]) => path.replace('{district}', '1002').replace('{batch}', finishedBatchId));
    expect(paged).toEqual(['/api/districts/1002/history', `/api/resyncs/${finishedBatchId}/errors`, '/api/alerts']);
    const digits = 'must be a whole number written in digits (0-9)';
    const cases: [string, number, string | { limit: number; offset: number }][] = [
      ['offset=', 400, `offset: ${digits}`],
      ['limit=', 400, `limit: ${digits}`],
      ['limit=0x10', 400, `limit: ${digits}`],
      ['limit=1e2', 400, `limit: ${digits}`],
      ['limit=%205', 400, `limit: ${digits}`],
      ['limit=5.0', 400, `limit: ${digits}`],
      ['limit=-1', 400, `limit: ${digits}`],
      ['offset=Infinity', 400, `offset: ${digits}`],
      ['limit=0', 400, 'limit: Too small: expected number to be >=1'],
      ['limit=501', 400, 'limit: Too big: expected number to be <=500'],
      ['limit=99999999999999999999', 400, 'limit: Too big: expected number to be <=500'],
      ['limit=16&offset=007', 200, { limit: 16, offset: 7 }],
      ['', 200, { limit: 50, offset: 0 }],
    ];
    for (const path of paged) {
      for (const [query, status, expected] of cases) {
        const response = await request(system.app).get(`${path}${query ? `?${query}` : ''}`).set(bearer(TOKENS.state));
        const seen = status === 200 ? { limit: response.body.limit, offset: response.body.offset } : response.body.detail;
        expect({ status: response.status, seen }, `${path}?${query}`).toEqual({ status, seen: expected });
      }
    }
  });

  it('refuses a missing JSON body where the document requires one, and only there', async () => {
    const operations = Object.entries(openApiDocument().paths as Record<string, Record<string, { requestBody?: { required: boolean } }>>)
      .flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => op.requestBody).map(([method, op]) => ({ method, path, required: op.requestBody?.required })));
    expect(operations).toEqual([
      { method: 'patch', path: '/api/districts/{district}', required: true },
      { method: 'post', path: '/api/districts/{district}/selective-syncs', required: true },
      { method: 'post', path: '/api/districts/{district}/selective-syncs/plan', required: true },
      { method: 'post', path: '/api/districts/{district}/resyncs', required: true },
      { method: 'post', path: '/api/districts/{district}/resyncs/plan', required: true },
      // Its only field has a default.
      { method: 'post', path: '/api/districts/{district}/verify-and-resync', required: false },
      { method: 'post', path: '/api/state/districts/{district}/resync-requests', required: true },
      { method: 'post', path: '/api/state/resyncs', required: true },
    ]);
    const before = await batchCount();
    let resynced = 0;
    for (const operation of operations) {
      const response = await request(system.app)[operation.method as 'post' | 'patch'](operation.path.replace('{district}', '1002')).set(bearer(TOKENS.state));
      if (operation.required) {
        expect({ status: response.status, detail: response.body.detail }, operation.path)
          .toEqual({ status: 400, detail: 'the request needs a JSON body (Content-Type: application/json)' });
      } else {
        expect(response.status, `${operation.path}: ${JSON.stringify(response.body)}`).toBe(202);
        const result = await system.worker.client.workflow.getHandle(response.body.workflowId as string).result() as { batchId: string | null };
        if (result.batchId) resynced++;
      }
    }
    // Nothing but what the accepted request started: the verification's own resync, if any.
    expect(await batchCount()).toBe(before + resynced);
  });

  it('starts no workflow for refused requests: every batch workflow of this namespace is a recorded batch', async () => {
    const [row] = await system.db.sql`select count(*)::int as n from resync.batch`;
    const batches = Number(row?.n);
    // Visibility lags a little behind: wait for the listing to catch up, then compare exactly.
    const deadline = Date.now() + 15_000;
    let workflows = 0;
    do {
      workflows = 0;
      for await (const _execution of system.worker.client.workflow.list({ query: 'WorkflowType="resyncBatch"' })) workflows++;
      if (workflows >= batches) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    } while (Date.now() < deadline);
    expect(workflows).toBe(batches);
  });

});

describe('request metrics', () => {
  it('counts each route under one label, whatever the outcome and wherever the request was refused', async () => {
    // A fresh registry, so that the scrape holds exactly these requests.
    const metrics = createApiMetrics(system.db.sql);
    const app = buildApp({ ...system.deps, metrics });
    const calls: [string, string, string?][] = [
      ['200', '/api/districts/1002/objects', TOKENS.state],
      ['404', '/api/districts/9999/objects', TOKENS.state], // refused by the handler (unknown district)
      ['400', '/api/districts/1002/objects?year=2020', TOKENS.state], // refused by the handler (bad query)
      ['403', '/api/districts/1002/objects', TOKENS.district1001], // refused by router.param (another district)
      ['400', `/api/districts/${encodeURIComponent("1002'")}/objects`, TOKENS.state], // refused by router.param (bad id)
      ['200', `/api/resyncs/${finishedBatchId}`, TOKENS.state],
      ['404', '/api/resyncs/no-such-batch', TOKENS.state],
      ['200', '/api/alerts', TOKENS.state],
      ['400', '/api/alerts?limit=x', TOKENS.state],
      ['404', '/api/no-such-route', TOKENS.state], // no route: the API's 404 handler
      ['401', '/api/districts/1002/objects'], // refused before routing: no token
      ['200', '/healthz'],
    ];
    for (const [status, path, token] of calls) {
      const pending = request(app).get(path);
      expect(String((await (token ? pending.set(bearer(token)) : pending)).status), path).toBe(status);
    }
    const scraped = await request(metricsApp(metrics)).get('/metrics');
    const counted = scraped.text.split('\n').filter((line) => line.startsWith('resync_api_requests_total{')).sort();
    expect(counted).toEqual([
      'resync_api_requests_total{method="GET",route="/api/alerts",status="200"} 1',
      'resync_api_requests_total{method="GET",route="/api/alerts",status="400"} 1',
      'resync_api_requests_total{method="GET",route="/api/districts/:district/objects",status="200"} 1',
      'resync_api_requests_total{method="GET",route="/api/districts/:district/objects",status="400"} 2',
      'resync_api_requests_total{method="GET",route="/api/districts/:district/objects",status="403"} 1',
      'resync_api_requests_total{method="GET",route="/api/districts/:district/objects",status="404"} 1',
      'resync_api_requests_total{method="GET",route="/api/resyncs/:batch",status="200"} 1',
      'resync_api_requests_total{method="GET",route="/api/resyncs/:batch",status="404"} 1',
      'resync_api_requests_total{method="GET",route="/healthz",status="200"} 1',
      'resync_api_requests_total{method="GET",route="unmatched",status="401"} 1',
      'resync_api_requests_total{method="GET",route="unmatched",status="404"} 1',
    ]);
  });
});
