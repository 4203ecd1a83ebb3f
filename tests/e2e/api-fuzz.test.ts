// Hostile input, property-based from the OpenAPI document: for every operation, fast-check builds
// requests from valid values mixed with hostile ones (path parameters, query parameters, bodies,
// content types, tokens) and checks what every answer must satisfy: no 5xx; every 4xx is a
// problem+json with its status and a detail; without a valid token a 401; a status the document
// lists; and nothing in the bookkeeping changes unless the answer was 202. A fixed seed per
// operation makes a failure reproduce (fast-check prints the shrunk request).
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { parseTokens } from '../../src/api/auth';
import { openApiDocument } from '../../src/api/openapi';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer, waitForBatch } from './helpers';

const SEED = 20_260_515;

// District ids of this file only: lanes are Temporal workflows named after the district and year,
// shared by every test file on the same Temporal server, and an idle lane stays open for minutes.
const RUN = randomBytes(3).toString('hex');
const DISTRICT_A = `fz${RUN}a`;
const DISTRICT_B = `fz${RUN}b`;
const CREDENTIALS = {
  districtA: `fuzz-district-a-${RUN}`,
  districtB: `fuzz-district-b-${RUN}`,
  state: TOKENS.state,
} as const;

let system: TestSystem;
let app: ReturnType<typeof buildApp>;
/** Batches that exist (all finished): a state batch of each district and a district batch of district A. */
let batchIds: string[] = [];
let requestCount = 0;
let acceptedCount = 0;

beforeAll(async () => {
  system = await startTestSystem();
  app = buildApp({
    ...system.deps,
    tokens: parseTokens(`${CREDENTIALS.state}=state;${CREDENTIALS.districtA}=district:${DISTRICT_A};${CREDENTIALS.districtB}=district:${DISTRICT_B}`),
  });
  await system.seed({ districtId: DISTRICT_A, students: 30, seed: 11 });
  await system.seed({ districtId: DISTRICT_B, students: 30, seed: 12 });
  // Full resyncs first: the state then holds what the districts hold, so an accepted
  // "verify, then resync" during the fuzzing only verifies.
  const started = await Promise.all([DISTRICT_A, DISTRICT_B].map((districtId) =>
    request(app).post(`/api/state/districts/${districtId}/resync-requests`).set(bearer(CREDENTIALS.state)).send({ objects: 'all' })));
  for (const response of started) await settle(response);
  const own = await request(app).post(`/api/districts/${DISTRICT_A}/resyncs`).set(bearer(CREDENTIALS.districtA)).send({ objects: ['District'] });
  await settle(own);
  batchIds = [...started, own].map((response) => response.body.batchId as string);
  const [row] = await system.db.sql`select count(*)::int as n from resync.batch where batch_id = any(${batchIds}) and status = 'completed'`;
  expect(row?.n).toBe(3);
});

afterAll(async () => {
  console.log(`api-fuzz: ${requestCount} requests, ${acceptedCount} accepted (202)`);
  await system?.stop();
});

// ─── The bookkeeping fingerprint ────────────────────────────────────────────────────────────────

async function fingerprint(): Promise<Record<string, unknown>> {
  const [row] = await system.db.sql`select
      (select count(*) from resync.batch)::int as batches,
      (select count(*) from resync.batch_object)::int as batch_objects,
      (select count(*) from resync.alert)::int as alerts,
      (select count(*) from resync.district)::int as districts,
      (select md5(coalesce(string_agg(d::text, '|' order by d.district_id), '')) from resync.district d) as district_rows,
      (select md5(coalesce(string_agg(b.batch_id || ':' || b.status, '|' order by b.batch_id), '')) from resync.batch b) as batch_statuses,
      (select count(*) from information_schema.tables where table_schema in ('resync', 'state'))::int as tables,
      to_regclass('resync.batch') is not null as batch_table`;
  return { ...row };
}

// ─── Requests ───────────────────────────────────────────────────────────────────────────────────

type Method = 'get' | 'post';
type TokenKind = 'none' | 'garbage' | keyof typeof CREDENTIALS;

/** One request as sent on the wire, readable in a fast-check counterexample. */
interface WireRequest {
  readonly method: Method;
  readonly url: string;
  readonly token: TokenKind;
  readonly headers: Readonly<Record<string, string>>;
  /** Text, or base64 of raw bytes when `binary` (compressed bodies). */
  readonly body?: string;
  readonly binary?: boolean;
}

interface Json { [key: string]: unknown }
interface Parameter { name: string; in: 'path' | 'query'; schema: Json }
interface Operation {
  readonly method: Method;
  readonly path: string;
  readonly secured: boolean;
  readonly parameters: Parameter[];
  readonly body?: Json;
  readonly statuses: Set<number>;
}

function operations(): Operation[] {
  const paths = openApiDocument().paths as Record<string, Record<string, Json>>;
  return Object.entries(paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({
    method: method as Method,
    path,
    secured: Array.isArray(op.security) && op.security.length > 0,
    parameters: (op.parameters ?? []) as Parameter[],
    ...(op.requestBody ? { body: ((op.requestBody as Json).content as Record<string, Json>)['application/json']?.schema as Json } : {}),
    statuses: new Set(Object.keys(op.responses as Json).map(Number)),
  })));
}

async function send(wire: WireRequest): Promise<request.Response> {
  requestCount++;
  let pending = request(app)[wire.method](wire.url);
  for (const [name, value] of Object.entries(wire.headers)) pending = pending.set(name, value);
  if (wire.body !== undefined) pending = pending.send(wire.binary ? Buffer.from(wire.body, 'base64') : wire.body);
  return pending;
}

const describeRequest = (wire: WireRequest, response: request.Response) =>
  `${wire.method.toUpperCase()} ${wire.url} [token: ${wire.token}] ${JSON.stringify(wire.headers)} body: ${JSON.stringify(wire.body?.slice(0, 300))}` +
  ` → ${response.status} ${response.type} ${JSON.stringify(response.body).slice(0, 400)}`;

/** Waits until a district's lane is idle: the lane learns that a batch ended a moment after the
 *  batch has recorded it (see the lane test in api-load.test.ts). */
async function laneIdle(districtId: string, schoolYear: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const lane = await system.resyncs.lane(districtId, schoolYear);
    if (!lane || (lane.running === null && lane.queued.length === 0)) return;
    if (Date.now() > deadline) throw new Error(`the lane of ${districtId}/${schoolYear} is still busy: ${JSON.stringify(lane)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until what a 202 started has ended, so that lanes never pile up. */
async function settle(response: request.Response): Promise<void> {
  const body = response.body as { batchId?: string; workflowId?: string; districtId?: string; schoolYear?: number; cancellationRequested?: boolean };
  if (body.cancellationRequested) return;
  if (body.batchId && body.districtId && body.schoolYear) {
    await waitForBatch(system, CREDENTIALS.state, body.batchId);
    await laneIdle(body.districtId, body.schoolYear);
  } else if (body.workflowId) {
    // verify-resync/<district>/<year>
    await system.worker.client.workflow.getHandle(body.workflowId).result();
    const [, districtId, year] = body.workflowId.split('/');
    await laneIdle(districtId ?? '', Number(year));
  }
}

/** Sends a request and checks what every answer must satisfy; returns the response. */
async function check(op: Operation, wire: WireRequest): Promise<request.Response> {
  const before = await fingerprint();
  const response = await send(wire);
  const what = describeRequest(wire, response);
  expect(response.status, what).toBeLessThan(500);
  if (response.status >= 400) {
    expect(response.type, what).toBe('application/problem+json');
    expect(response.body.status, what).toBe(response.status);
    expect(typeof response.body.detail === 'string' && response.body.detail.length > 0, what).toBe(true);
  }
  const validToken = wire.token !== 'none' && wire.token !== 'garbage';
  if (op.secured && !validToken) expect(response.status, what).toBe(401);
  expect(op.statuses.has(response.status), `${what}: a status the document lists for ${op.method} ${op.path}`).toBe(true);
  if (response.status === 202) {
    acceptedCount++;
    await settle(response);
  } else {
    expect(await fingerprint(), `${what}: nothing changes without a 202`).toEqual(before);
  }
  return response;
}

// ─── Values ─────────────────────────────────────────────────────────────────────────────────────

const INJECTIONS = [
  "1001' OR '1'='1", '1001;drop table resync.batch', "1001'; DROP TABLE resync.batch; --", "' UNION SELECT * FROM resync.district --",
  '1001" OR "1"="1', '1001) or (1=1', "1; select pg_sleep(5)--", '$(rm -rf /)', '${jndi:ldap://x/a}', '<script>alert(1)</script>',
  '{{7*7}}', '1001\\', '*', '%', '_', '1001 OR 1=1',
];
const ODD = [
  '../', '../../etc/passwd', '..\\..\\windows', '1001/../1002', '..', '.', '%00', '1001\u0000', '\u0000', '\r\n', ' 1001', '1001 ',
  'ｄｉｓｔｒｉｃｔ', '١٠٠١', '1001\u200b', 'é', '😀', 'DISTRICT', '1001\n', '', ' ', 'null', 'undefined', 'NaN', '__proto__',
  'constructor', 'prototype', 'toString', '-1', '1e3', '0x3E9', 'A'.repeat(41), 'a'.repeat(65), '1'.repeat(2000), 'x'.repeat(4000),
];
/** Strings already on the wire (not encoded again): traversals and broken percent-encodings. */
const RAW = ['../', '..', '..%2F..%2Fhealthz', '%2e%2e%2f', '%00', '1001%00', '%', '%zz', '%E0%A4%A', '%ED%A0%80', '1001%2F..%2F1002', '1001%27%20OR%20%271%27%3D%271'];

const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS, ...ODD) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

/** Encodes a value for a URL; a lone surrogate (not encodable) goes as the bytes a sloppy client would send. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return Array.from(value, (c) => {
      try {
        return encodeURIComponent(c);
      } catch {
        return '%ED%A0%80';
      }
    }).join('');
  }
}

function pathValue(name: string): fc.Arbitrary<string> {
  const valid = name === 'district' ? fc.constantFrom(DISTRICT_A, DISTRICT_B)
    : name === 'batch' ? fc.constantFrom(...batchIds)
      : fc.constant('x');
  const wellFormedMissing = name === 'district' ? fc.constantFrom('9999', 'district_9') : fc.constantFrom('no-such-batch', '20200101-000000-0000');
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: wellFormedMissing },
    { weight: 4, arbitrary: hostileText.map(encode) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW) },
  );
}

function validQueryValue(parameter: Parameter): fc.Arbitrary<string> {
  const schema = parameter.schema;
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  if (schema.type === 'integer') return fc.integer({ min: Number(schema.minimum ?? 0), max: Math.min(Number(schema.maximum ?? 100), 1000) }).map(String);
  if (parameter.name === 'district') return fc.constantFrom(DISTRICT_A, DISTRICT_B);
  if (parameter.name === 'objects') return fc.constantFrom('District', 'District,School', 'School , Calendar');
  if (parameter.name === 'object') return fc.constantFrom('District', 'School', 'Enrollment');
  return fc.constant('x');
}

const WRONG_TYPES = ['abc', 'true', '[]', '{}', '1e400', '99999999999999999999999', '-1', '0', '1.5', 'NaN', 'Infinity', '0x10', ' 5', '', 'current ', 'CURRENT', '2026'];

type QueryPair = [string, string, boolean];
function queryPairs(parameter: Parameter): fc.Arbitrary<QueryPair[]> {
  const one = (value: string, raw = false): QueryPair => [parameter.name, value, raw];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant<QueryPair[]>([]) },
    { weight: 4, arbitrary: validQueryValue(parameter).map((v) => [one(v)]) },
    { weight: 2, arbitrary: fc.constantFrom(...WRONG_TYPES).map((v) => [one(v)]) },
    { weight: 2, arbitrary: hostileText.map((v) => [one(v)]) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW).map((v) => [one(v, true)]) },
    // The same key twice: ?year=a&year=b.
    { weight: 1, arbitrary: fc.tuple(validQueryValue(parameter), fc.oneof(validQueryValue(parameter), hostileText)).map(([a, b]) => [one(a), one(b)]) },
  );
}

const unknownQuery: fc.Arbitrary<QueryPair[]> = fc.array(fc.tuple(
  fc.oneof(fc.constantFrom('colour', '__proto__', 'constructor', 'prototype', 'year[]', 'limit[0]', "year'", 'a'.repeat(300), 'debug', 'sql'), fc.string({ minLength: 1, maxLength: 12 })),
  fc.oneof(fc.constantFrom('1', 'true', "' OR '1'='1"), hostileText),
  fc.constant(false),
), { maxLength: 2 });

function queryString(pairs: readonly QueryPair[]): string {
  if (pairs.length === 0) return '';
  return `?${pairs.map(([key, value, raw]) => `${raw ? key : encode(key)}=${raw ? value : encode(value)}`).join('&')}`;
}

// ─── Bodies ─────────────────────────────────────────────────────────────────────────────────────

interface Body { readonly contentType?: string; readonly encoding?: string; readonly text: string; readonly binary?: boolean }
const json = (value: unknown): Body => ({ contentType: 'application/json', text: JSON.stringify(value) });

/** A valid body for the schema, cheap to run when accepted (a few top-level objects). */
function validBody(schema: Json): fc.Arbitrary<Json> {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (name === 'objects') fields[name] = fc.constantFrom(['District'], ['School'], ['CourseCode'], ['District', 'School'], ['district']);
    else if (name === 'year') fields[name] = fc.constant('current');
    else if (property.type === 'boolean') fields[name] = fc.boolean();
    else fields[name] = fc.constant('x');
  }
  return fc.record(fields, { requiredKeys: (schema.required ?? []) as string[] }) as fc.Arbitrary<Json>;
}

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, 0, -1, 1e308, true, 'everything', 'all ', 'ALL', '', [], {}, [[]], [1, 2], [''], ['x'.repeat(65)], ['__proto__'], ['constructor'],
    ["District'; drop table resync.batch; --"], ['District', "x' OR '1'='1"], ['School\u0000'], ['Ｄｉｓｔｒｉｃｔ'], ['Enrolment'], ['District OR 1'],
    Array(101).fill('District'), 'last', 2026, ['current'], 'CURRENT', { objects: 'all' }),
  fc.array(hostileText, { minLength: 1, maxLength: 4 }),
  hostileText,
);

function mutatedBody(schema: Json): fc.Arbitrary<Json> {
  const names = [...Object.keys((schema.properties ?? {}) as Json), 'objects', 'year', 'checkDependencies'];
  return fc.oneof(
    // An unknown field.
    fc.tuple(validBody(schema), fc.oneof(fc.constantFrom('priority', 'batchId', 'districtId', 'initiator', 'constructor', ''), fc.string({ maxLength: 10 })), wrongValue)
      .map(([body, key, value]) => ({ ...body, [key]: value })),
    // A known field of the wrong type or value.
    fc.tuple(validBody(schema), fc.constantFrom(...names), wrongValue).map(([body, key, value]) => ({ ...body, [key]: value })),
    // A field missing.
    validBody(schema).map((body) => Object.fromEntries(Object.entries(body).slice(1))),
  );
}

const CONTENT_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/html', 'application/octet-stream',
  'application/vnd.api+json', 'application/json-patch+json', 'application/jsonx', 'application/json; charset=latin1', 'application/json; charset=utf-16',
  'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/*', '*/*', 'image/png',
];
const MALFORMED_JSON = [
  '{"objects": ', '{objects: "all"}', "{'objects': 'all'}", '{"objects": ["District"]}}', '{"objects": ["District"],}', '\uFEFF{"objects": ["District"]}',
  '{"objects": ["District"]} trailing', 'NaN', '{"objects": "\\ud800"}', '{"objects": ["District"]', '[', '"', '\u0000', '{"a":1e999999}',
  '{"__proto__": {"objects": ["District"]}}', '{"constructor": {"prototype": {"objects": "all"}}, "objects": ["District"]}',
  '{"objects": "all", "objects": ["District"]}', '"all"', '[]', '1', 'true', 'null', '[{"objects": ["District"]}]',
];

function bodyFor(schema: Json): fc.Arbitrary<Body | undefined> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: validBody(schema).map(json) },
    { weight: 5, arbitrary: mutatedBody(schema).map(json) },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text): Body => ({ contentType: 'application/json', text })) },
    // Deep nesting, huge arrays (beyond 16 kB: 413).
    { weight: 1, arbitrary: fc.integer({ min: 50, max: 3000 }).map((depth): Body => ({ contentType: 'application/json', text: `${'{"objects":'.repeat(depth)}"all"${'}'.repeat(depth)}` })) },
    { weight: 1, arbitrary: fc.integer({ min: 90, max: 5000 }).map((n) => json({ objects: Array(n).fill('District') })) },
    // Not JSON, under various content types; JSON under a content type that is not JSON.
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...CONTENT_TYPES), fc.oneof(fc.constantFrom('objects=all', '<objects>all</objects>', '{"objects":["District"]}', ''), hostileText))
      .map(([contentType, text]): Body => ({ contentType, text })) },
    // Compressed bodies: garbage that claims to be compressed, real gzip, encodings the server does not know.
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'identity', 'gzip, gzip'), fc.boolean())
      .map(([encoding, compressed]): Body => compressed && encoding === 'gzip'
        ? { contentType: 'application/json', encoding, text: gzipSync('{"objects":["District"]}').toString('base64'), binary: true }
        : { contentType: 'application/json', encoding, text: '{"objects":["District"]}' }) },
  );
}

// ─── Tokens ─────────────────────────────────────────────────────────────────────────────────────

const PRINTABLE = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
interface Credentials { token: TokenKind; authorization?: string }
const tokenArb: fc.Arbitrary<Credentials> = fc.oneof(
  fc.constant<Credentials>({ token: 'none' }),
  fc.oneof(
    PRINTABLE.map((t) => `Bearer ${t}`), fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNzd29yZA==', `Bearer ${CREDENTIALS.state}x`,
      `Bearer ${CREDENTIALS.state.slice(0, -1)}`, `Bearer ${CREDENTIALS.state} ${CREDENTIALS.state}`, `Token ${CREDENTIALS.state}`, CREDENTIALS.state,
      `Bearer ${'a'.repeat(4000)}`, "Bearer ' OR '1'='1", 'Bearer state', `Bearer ${TOKENS.district1001}`),
  ).map((authorization) => ({ token: 'garbage' as const, authorization })),
  fc.constantFrom('districtA', 'districtB', 'state').chain((token) => fc.constantFrom(`Bearer ${CREDENTIALS[token]}`, `bearer  ${CREDENTIALS[token]}`)
    .map((authorization) => ({ token, authorization }))),
);

function requestArb(op: Operation): fc.Arbitrary<WireRequest> {
  const pathParameters = op.parameters.filter((p) => p.in === 'path');
  const queryParameters = op.parameters.filter((p) => p.in === 'query');
  return fc.record({
    path: fc.tuple(...pathParameters.map((p) => pathValue(p.name))),
    query: fc.tuple(fc.tuple(...queryParameters.map(queryPairs)), unknownQuery),
    token: op.secured ? tokenArb : fc.oneof(fc.constant<Credentials>({ token: 'none' }), tokenArb),
    body: op.body ? bodyFor(op.body) : fc.constant(undefined),
  }).map(({ path, query, token, body }): WireRequest => {
    let url = op.path;
    pathParameters.forEach((parameter, index) => {
      url = url.replace(`{${parameter.name}}`, path[index] ?? '');
    });
    const headers: Record<string, string> = {};
    if (token.authorization !== undefined) headers.Authorization = token.authorization;
    if (body?.contentType !== undefined) headers['Content-Type'] = body.contentType;
    if (body?.encoding !== undefined) headers['Content-Encoding'] = body.encoding;
    return {
      method: op.method, url: `${url}${queryString([...query[0].flat(), ...query[1]])}`, token: token.token, headers,
      ...(body ? { body: body.text, ...(body.binary ? { binary: true } : {}) } : {}),
    };
  });
}

// ─── Properties ─────────────────────────────────────────────────────────────────────────────────

const OPERATIONS = operations();

function runsFor(op: Operation): number {
  if (op.body) return 50;
  if (op.parameters.length > 0) return op.method === 'post' ? 25 : 35;
  return 12;
}

describe('every operation of the OpenAPI document, under hostile input', () => {
  it('covers every operation', () => {
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(15);
    expect(OPERATIONS.reduce((sum, op) => sum + runsFor(op), 0)).toBeGreaterThanOrEqual(400);
  });

  it.each(OPERATIONS.map((op, index) => [`${op.method.toUpperCase()} ${op.path}`, op, index] as const))('%s', async (_name, op, index) => {
    await fc.assert(fc.asyncProperty(requestArb(op), async (wire) => {
      await check(op, wire);
    }), { seed: SEED + index, numRuns: runsFor(op) });
  }, 120_000);
});

// ─── Explicit examples ──────────────────────────────────────────────────────────────────────────

describe('injection through object names, district ids and query parameters is refused', () => {
  const op = (method: Method, path: string) => {
    const found = OPERATIONS.find((o) => o.method === method && o.path === path);
    if (!found) throw new Error(`no operation ${method} ${path}`);
    return found;
  };
  const state = { Authorization: `Bearer ${CREDENTIALS.state}` };
  const asJson = (value: unknown) => ({ headers: { ...state, 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

  const cases: [string, Method, string, string, { headers: Record<string, string>; body?: string }, number][] = [
    ['a district id with a quote', 'get', '/api/districts/{district}/objects', `/api/districts/${encode(`${DISTRICT_A}' OR '1'='1`)}/objects`, { headers: state }, 400],
    ['a district id with a statement', 'get', '/api/districts/{district}/history', `/api/districts/${encode(`${DISTRICT_A};drop table resync.batch`)}/history`, { headers: state }, 400],
    ['a district id with a comment', 'post', '/api/districts/{district}/resyncs', `/api/districts/${encode(`${DISTRICT_A}'; DROP TABLE resync.batch; --`)}/resyncs`, asJson({ objects: ['District'] }), 400],
    ['a state request for an injected district', 'post', '/api/state/districts/{district}/resync-requests', `/api/state/districts/${encode(`${DISTRICT_A}' OR '1'='1`)}/resync-requests`, asJson({ objects: 'all' }), 400],
    ['a traversal as district id', 'get', '/api/districts/{district}/verification', `/api/districts/${encode('../../healthz')}/verification`, { headers: state }, 400],
    ['a NUL in a district id', 'get', '/api/districts/{district}/objects', `/api/districts/${DISTRICT_A}%00/objects`, { headers: state }, 400],
    ['a district that does not exist', 'get', '/api/districts/{district}/objects', '/api/districts/9999/objects', { headers: state }, 404],
    ['an object name with a statement', 'post', '/api/districts/{district}/resyncs', `/api/districts/${DISTRICT_A}/resyncs`, asJson({ objects: ["District'; drop table resync.batch; --"] }), 400],
    ['an object name with a quote', 'post', '/api/districts/{district}/resyncs/plan', `/api/districts/${DISTRICT_A}/resyncs/plan`, asJson({ objects: ["School' OR '1'='1"] }), 400],
    ['an object name of plain words', 'post', '/api/state/districts/{district}/resync-requests', `/api/state/districts/${DISTRICT_A}/resync-requests`, asJson({ objects: ['drop table resync batch'] }), 422],
    ['a batch id with a quote', 'get', '/api/resyncs/{batch}', `/api/resyncs/${encode("x' OR '1'='1")}`, { headers: state }, 400],
    ['a batch id with a statement', 'post', '/api/resyncs/{batch}/cancel', `/api/resyncs/${encode('x;drop table resync.batch')}/cancel`, { headers: state }, 400],
    ['a batch id that does not exist', 'get', '/api/resyncs/{batch}/errors', '/api/resyncs/no-such-batch/errors', { headers: state }, 404],
    ['a year with a quote', 'get', '/api/districts/{district}/history', `/api/districts/${DISTRICT_A}/history?year=${encode("current' OR '1'='1")}`, { headers: state }, 400],
    ['a limit with a statement', 'get', '/api/districts/{district}/history', `/api/districts/${DISTRICT_A}/history?limit=${encode('1;drop table resync.batch')}`, { headers: state }, 400],
    ['an alerts district with a quote', 'get', '/api/alerts', `/api/alerts?district=${encode(`${DISTRICT_A}' OR '1'='1`)}`, { headers: state }, 400],
    ['verification objects with a statement', 'get', '/api/districts/{district}/verification', `/api/districts/${DISTRICT_A}/verification?objects=${encode("District';drop table resync.batch;--")}`, { headers: state }, 400],
    ['verification objects of plain words', 'get', '/api/districts/{district}/verification', `/api/districts/${DISTRICT_A}/verification?objects=${encode('District,drop table resync batch')}`, { headers: state }, 422],
    ['an error-log object with a quote', 'get', '/api/resyncs/{batch}/errors', `/api/resyncs/{batch}/errors?object=${encode("x' OR '1'='1")}`, { headers: state }, 400],
    ['a repeated query key', 'get', '/api/districts/{district}/objects', `/api/districts/${DISTRICT_A}/objects?year=current&year=next`, { headers: state }, 400],
    ['an unknown query key', 'get', '/api/districts/{district}/objects', `/api/districts/${DISTRICT_A}/objects?${encode("year' OR 1=1 --")}=current`, { headers: state }, 400],
  ];

  it.each(cases)('%s', async (_label, method, path, url, { headers, body }, status) => {
    const wire: WireRequest = { method, url: url.replace('{batch}', batchIds[0] ?? ''), token: 'state', headers, ...(body !== undefined ? { body } : {}) };
    const response = await check(op(method, path), wire);
    expect(response.status, describeRequest(wire, response)).toBe(status);
    const [row] = await system.db.sql`select to_regclass('resync.batch') is not null as batch, to_regclass('resync.district') is not null as district,
      (select count(*) from resync.district)::int as districts`;
    expect(row).toEqual({ batch: true, district: true, districts: 2 });
  });
});

describe('malformed requests are refused as the client\'s fault, and authorization comes first', () => {
  it('a path parameter with a broken percent-encoding is a 400, not a 500', async () => {
    for (const [path, url] of [['/api/districts/{district}/objects', '/api/districts/%E0%A4%A/objects'], ['/api/resyncs/{batch}', '/api/resyncs/%zz']] as const) {
      const response = await send({ method: 'get', url, token: 'state', headers: bearer(CREDENTIALS.state) });
      expect(response.status, `GET ${url} → ${response.status} ${JSON.stringify(response.body)}`).toBe(400);
      expect(response.type).toBe('application/problem+json');
      expect(OPERATIONS.some((o) => o.path === path)).toBe(true);
    }
  });

  it('a body that is not what its Content-Encoding says is a 400, not a 500; without a token a 401', async () => {
    const base = { method: 'post', url: `/api/districts/${DISTRICT_A}/resyncs`, body: '{"objects":["District"]}' } as const;
    const before = await fingerprint();
    const withToken = await send({ ...base, token: 'state', headers: { ...bearer(CREDENTIALS.state), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
    expect(withToken.status, JSON.stringify(withToken.body)).toBe(400);
    const withoutToken = await send({ ...base, token: 'none', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
    expect(withoutToken.status, JSON.stringify(withoutToken.body)).toBe(401);
    expect(await fingerprint()).toEqual(before);
  });

  it('without a valid token, a malformed or non-JSON body gets 401, not a hint about the body', async () => {
    for (const [contentType, body] of [['application/json', '{"objects": '], ['text/plain', 'objects=all']] as const) {
      const response = await send({ method: 'post', url: `/api/districts/${DISTRICT_A}/resyncs`, token: 'none', headers: { 'Content-Type': contentType }, body });
      expect(response.status, `${contentType} ${body} → ${response.status} ${JSON.stringify(response.body)}`).toBe(401);
    }
  });
});
