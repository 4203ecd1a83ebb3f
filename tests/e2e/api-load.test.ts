// Load through the API on a real port: many concurrent resync requests across several districts
// (district and state tokens, small partial plans and a full one per district) together with a
// burst of reads while the batches run. What must hold: no 5xx and no failed request; a district
// request is accepted or refused with the running batch, a state request always accepted; one
// batch at a time per district and school year; nothing lost (every accepted batch recorded and
// finished, every object of it finished); the state in sync with every district at the end.
// Latencies and throughput are printed for information only: speed is measured by the benchmark.
// Fifty open tool pages poll their districts' activity through a resync: each sees every batch of
// its district start and end, and the API's p50/p99 for their polls is printed.
// Then one caller cannot crowd out the others: a burst of verifications from one district is
// bounded per district while another district's reads and /healthz all succeed; a burst of
// verify-and-resync requests starts one workflow; the per-caller rate limit counts per token.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { parseTokens } from '../../src/api/auth';
import { apiLimits } from '../../src/api/limits';
import { readEnv } from '../../src/config';
import { startTestSystem, TOKENS, type TestSystem } from '../setup/system';
import { bearer } from './helpers';

// District ids of this file only: lanes are Temporal workflows named after the district and year,
// shared by every test file on the same Temporal server, and an idle lane stays open for minutes.
const RUN = randomBytes(3).toString('hex');
const DISTRICTS = [1, 2, 3, 4].map((n) => `ld${RUN}${n}`);
/** The district of the lane test that follows the load. */
const LANE_DISTRICT = `ld${RUN}lane`;
const STUDENTS = 60;
const POSTS = 40;
const READS = 300;
const READ_CONCURRENCY = 16;
const REQUEST_TIMEOUT_MS = 60_000;
/** All accepted batches must have ended by then (from the first request). */
const DRAIN_DEADLINE_MS = 140_000;

const districtToken = (districtId: string) => `load-test-token-${districtId}`;
/** The state token and one token per district of this file. */
const loadTokens = () => parseTokens([`${TOKENS.state}=state`, ...[...DISTRICTS, LANE_DISTRICT].map((d) => `${districtToken(d)}=district:${d}`)].join(';'));

let system: TestSystem;
let app: ReturnType<typeof buildApp>;
let server: Server;
let base: string;

beforeAll(async () => {
  system = await startTestSystem();
  for (const [index, districtId] of DISTRICTS.entries()) await system.seed({ districtId, students: STUDENTS, seed: 100 + index });
  await system.seed({ districtId: LANE_DISTRICT, students: 20, seed: 200 });
  // The same system, with a token for each district.
  app = buildApp({ ...system.deps, tokens: loadTokens() });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await system?.stop();
});

// ─── Plumbing ───────────────────────────────────────────────────────────────────────────────────

interface Answer { status: number; body: Record<string, unknown>; ms: number }
interface Failure { what: string; error: string }

const failures: Failure[] = [];

async function call(method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<Answer | undefined> {
  const started = performance.now();
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      failures.push({ what: `${method} ${path}`, error: `not JSON (${response.status}): ${text.slice(0, 200)}` });
    }
    return { status: response.status, body: parsed, ms };
  } catch (error) {
    failures.push({ what: `${method} ${path}`, error: String(error) });
    return undefined;
  }
}

/** Runs `count` tasks with at most `limit` at a time. */
async function pool(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) await task(next++);
  }));
}

/** A small deterministic generator (mulberry32), so that the mix is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ─── The load ───────────────────────────────────────────────────────────────────────────────────

type Role = 'district' | 'state' | 'state-direct';
interface Post { districtId: string; role: Role; body: { objects: 'all' | string[]; checkDependencies?: boolean } }

const PARTIALS = [
  { objects: ['District'] },
  { objects: ['School'], checkDependencies: true },
  { objects: ['CourseCode'] },
  { objects: ['District', 'School'] },
  { objects: ['Calendar'], checkDependencies: true },
];

function plannedPosts(): Post[] {
  const posts = Array.from({ length: POSTS }, (_, i): Post => {
    const districtId = DISTRICTS[i % DISTRICTS.length] ?? '';
    // A full resync of each district, requested by the state: it cannot be refused, so every
    // district ends with everything synchronised.
    if (i < DISTRICTS.length) return { districtId, role: 'state', body: { objects: 'all' } };
    const role: Role = i % 3 !== 0 ? 'district' : i % 2 === 0 ? 'state' : 'state-direct';
    return { districtId, role, body: PARTIALS[i % PARTIALS.length] ?? { objects: ['District'] } };
  });
  const next = random(1207);
  for (let i = posts.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [posts[i], posts[j]] = [posts[j] as Post, posts[i] as Post];
  }
  return posts;
}

function postRequest(post: Post): Promise<Answer | undefined> {
  if (post.role === 'district') return call('POST', `/api/districts/${post.districtId}/resyncs`, districtToken(post.districtId), post.body);
  if (post.role === 'state-direct') return call('POST', `/api/districts/${post.districtId}/resyncs`, TOKENS.state, post.body);
  return call('POST', `/api/state/districts/${post.districtId}/resync-requests`, TOKENS.state, post.body);
}

async function waitUntilDrained(deadline: number): Promise<void> {
  for (;;) {
    const open = await system.db.sql<{ batch_id: string; status: string }[]>`
      select batch_id, status from resync.batch where status in ('queued', 'running') order by batch_id`;
    if (open.length === 0) return;
    if (Date.now() > deadline) throw new Error(`batches still open at the deadline: ${JSON.stringify(open)}`);
    await sleep(500);
  }
}

describe('the API under load', () => {
  it('accepts or refuses every resync correctly, runs one batch at a time per district, loses nothing, and answers every read', async () => {
    const posts = plannedPosts();
    const accepted: { post: Post; batchId: string }[] = [];
    const postAnswers: { post: Post; answer: Answer }[] = [];
    const reads: { path: string; answer: Answer }[] = [];
    const next = random(2026);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;

    const startedAt = Date.now();
    const writes = Promise.all(posts.map(async (post) => {
      const answer = await postRequest(post);
      if (!answer) return;
      postAnswers.push({ post, answer });
      if (answer.status === 202) accepted.push({ post, batchId: String(answer.body.batchId) });
    }));
    const read = async (index: number) => {
      const districtId = pick(DISTRICTS);
      const token = next() < 0.5 ? TOKENS.state : districtToken(districtId);
      const known = accepted.filter((a) => token === TOKENS.state || a.post.districtId === districtId);
      const kind = index % 4;
      const path = kind === 0 ? `/api/districts/${districtId}/objects`
        : kind === 1 ? `/api/districts/${districtId}/history?limit=20`
          : kind === 2 && known.length > 0 ? `/api/resyncs/${pick(known).batchId}`
            : token === TOKENS.state && next() < 0.5 ? `/api/alerts?district=${districtId}` : '/api/alerts';
      const answer = await call('GET', path, token);
      if (answer) reads.push({ path, answer });
    };
    // Half of the reads while the requests arrive, half once they are all answered and the lanes work.
    let readSeconds = 0;
    let readStartedAt = performance.now();
    await pool(READS / 2, READ_CONCURRENCY, read);
    readSeconds += (performance.now() - readStartedAt) / 1000;
    await writes;
    const [open] = await system.db.sql`select count(*)::int as n from resync.batch where status in ('queued', 'running')`;
    readStartedAt = performance.now();
    await pool(READS / 2, READ_CONCURRENCY, (index) => read(READS / 2 + index));
    readSeconds += (performance.now() - readStartedAt) / 1000;
    const acceptedAt = Date.now();
    await waitUntilDrained(startedAt + DRAIN_DEADLINE_MS);
    const drainedAt = Date.now();

    // Information only.
    const readMs = reads.map((r) => r.answer.ms);
    const postMs = postAnswers.map((p) => p.answer.ms);
    const [totals] = await system.db.sql`select count(*)::int as batches, coalesce(sum(sent), 0)::int as sent from resync.batch`;
    console.log([
      `api-load: ${postAnswers.length} POSTs (${accepted.length} accepted, ${postAnswers.filter((p) => p.answer.status === 409).length} refused as busy), ${reads.length} GETs`,
      `  reads: p50 ${percentile(readMs, 0.5).toFixed(1)} ms, p99 ${percentile(readMs, 0.99).toFixed(1)} ms, max ${Math.max(...readMs).toFixed(1)} ms; ${(reads.length / readSeconds).toFixed(0)} reads/s over ${readSeconds.toFixed(1)} s at concurrency ${READ_CONCURRENCY}`,
      `  ${Number(open?.n)} batches queued or running when the second half of the reads began`,
      `  resync requests: p50 ${percentile(postMs, 0.5).toFixed(1)} ms, p99 ${percentile(postMs, 0.99).toFixed(1)} ms; all answered after ${((acceptedAt - startedAt) / 1000).toFixed(1)} s`,
      `  batches: ${Number(totals?.batches)} finished ${((drainedAt - startedAt) / 1000).toFixed(1)} s after the first request (${(Number(totals?.batches) / ((drainedAt - startedAt) / 60_000)).toFixed(1)} batches/min, ${Number(totals?.sent)} records sent)`,
    ].join('\n'));

    // Every request answered, none with a 5xx.
    expect(failures).toEqual([]);
    expect(postAnswers).toHaveLength(POSTS);
    expect(reads).toHaveLength(READS);
    expect([...postAnswers.map((p) => p.answer.status), ...reads.map((r) => r.answer.status)].filter((status) => status >= 500)).toEqual([]);
    expect(reads.filter((r) => r.answer.status !== 200).map((r) => `${r.path} → ${r.answer.status} ${JSON.stringify(r.answer.body)}`)).toEqual([]);

    // A district request is accepted, or refused naming the batch that holds its lane; the state is never refused.
    const acceptedIds = new Set(accepted.map((a) => a.batchId));
    for (const { post, answer } of postAnswers) {
      const what = `${post.role} ${post.districtId} ${JSON.stringify(post.body)} → ${answer.status} ${JSON.stringify(answer.body)}`;
      if (post.role !== 'district') {
        expect(answer.status, what).toBe(202);
        continue;
      }
      expect([202, 409], what).toContain(answer.status);
      if (answer.status === 409) {
        expect(answer.body.runningBatchId, what).toEqual(expect.any(String));
        expect(acceptedIds.has(String(answer.body.runningBatchId)), `${what}: the running batch is one that was accepted`).toBe(true);
        expect(accepted.find((a) => a.batchId === answer.body.runningBatchId)?.post.districtId, what).toBe(post.districtId);
      }
    }

    // Nothing lost: exactly the accepted batches exist, each ended, each completed, and so did each of its objects.
    const batches = await system.db.sql<{ batch_id: string; district_id: string; school_year: number; status: string; started_at: Date | null; finished_at: Date | null; planned_objects: number }[]>`
      select batch_id, district_id, school_year, status, started_at, finished_at, planned_objects from resync.batch order by batch_id`;
    expect(batches.map((b) => b.batch_id).sort()).toEqual([...acceptedIds].sort());
    for (const batch of batches) {
      expect(batch, batch.batch_id).toMatchObject({ status: 'completed', started_at: expect.any(Date), finished_at: expect.any(Date) });
    }
    const objects = await system.db.sql<{ batch_id: string; objects: number; unfinished: number; not_completed: string[] }[]>`
      select batch_id, count(*)::int as objects,
        count(*) filter (where status not in ('completed', 'failed', 'skipped', 'cancelled') or finished_at is null)::int as unfinished,
        coalesce(array_agg(object || ':' || status) filter (where status <> 'completed'), '{}') as not_completed
      from resync.batch_object group by batch_id`;
    const byBatch = new Map(objects.map((o) => [o.batch_id, o]));
    for (const batch of batches) {
      const counted = byBatch.get(batch.batch_id);
      expect(counted?.objects, `objects of ${batch.batch_id}`).toBe(batch.planned_objects);
      expect(counted, batch.batch_id).toMatchObject({ unfinished: 0, not_completed: [] });
    }
    expect(batches.some((b) => b.planned_objects > 30)).toBe(true);

    // One batch at a time per district and school year: no two batches' run intervals overlap.
    const overlapping = await system.db.sql`
      select a.district_id, a.batch_id as first, b.batch_id as second, a.started_at as first_started, a.finished_at as first_finished,
             b.started_at as second_started, b.finished_at as second_finished
      from resync.batch a join resync.batch b
        on a.district_id = b.district_id and a.school_year = b.school_year and a.batch_id < b.batch_id
      where tstzrange(a.started_at, a.finished_at, '[)') && tstzrange(b.started_at, b.finished_at, '[)')`;
    expect(overlapping).toEqual([]);
    for (const districtId of DISTRICTS) {
      expect(batches.filter((b) => b.district_id === districtId).length, `batches of ${districtId}`).toBeGreaterThanOrEqual(2);
    }

    // The state holds what every district holds.
    for (const districtId of DISTRICTS) {
      const verification = await call('GET', `/api/districts/${districtId}/verification`, districtToken(districtId));
      expect(verification?.status, districtId).toBe(200);
      const outOfSync = (verification?.body.objects as { object: string; inSync: boolean }[] | undefined)?.filter((o) => !o.inSync);
      expect({ districtId, inSync: verification?.body.inSync, outOfSync }).toEqual({ districtId, inSync: true, outOfSync: [] });
    }
  }, 180_000);
});

describe('one batch at a time, and no longer than that', () => {
  it('a district may start its next resync as soon as the API reports the previous one finished', async () => {
    // Polls the batch as a client would, then asks for the next one at once, three times over.
    const token = districtToken(LANE_DISTRICT);
    const status = async (batchId: string) => (await request(app).get(`/api/resyncs/${batchId}`).set(bearer(token))).body.status as string;
    const outcomes: string[] = [];
    for (let round = 0; round < 3; round++) {
      const started = await request(app).post(`/api/districts/${LANE_DISTRICT}/resyncs`).set(bearer(token)).send({ objects: ['District'] });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      const deadline = Date.now() + 60_000;
      let reported = 'queued';
      while (['queued', 'running'].includes(reported) && Date.now() < deadline) {
        await sleep(20);
        reported = await status(started.body.batchId as string);
      }
      expect(reported).toBe('completed');
      const again = await request(app).post(`/api/districts/${LANE_DISTRICT}/resyncs`).set(bearer(token)).send({ objects: ['District'] });
      outcomes.push(again.status === 202 ? '202'
        : `${again.status} ${String(again.body.detail)} (runningBatchId ${String(again.body.runningBatchId)}, which the API reported ${reported})`);
      // Let the lane settle before the next round, whatever the answer was.
      if (again.status === 202) while (['queued', 'running'].includes(await status(again.body.batchId as string))) await sleep(200);
      for (let lane = await system.resyncs.lane(LANE_DISTRICT, 2026); lane && (lane.running || lane.queued.length > 0); lane = await system.resyncs.lane(LANE_DISTRICT, 2026)) {
        await sleep(100);
      }
    }
    expect(outcomes).toEqual(['202', '202', '202']);
  }, 120_000);
});

// ─── One caller cannot crowd out the others ─────────────────────────────────────────────────────

interface Reply { status: number; retryAfter: string | null; type: string | null; body: Record<string, unknown> }

async function send(url: string, token: string | null, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return {
    status: response.status, retryAfter: response.headers.get('retry-after'), type: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const tally = (replies: readonly Reply[]) => replies.reduce<Record<number, number>>((counts, reply) => ({ ...counts, [reply.status]: (counts[reply.status] ?? 0) + 1 }), {});

/** Holds every source table of a district locked until `release()`: what reads them waits, so a
 *  burst's first requests are still running when the rest arrive, whatever the machine's speed. */
async function holdDistrictTables(districtId: string): Promise<{ release(): Promise<void> }> {
  const [row] = await system.db.sql<{ source_schema: string }[]>`select source_schema from resync.district where district_id = ${districtId}`;
  const tables = await system.district.sql<{ name: string }[]>`select format('%I.%I', table_schema, table_name) as name from information_schema.tables where table_schema = ${row?.source_schema ?? ''}`;
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => { locked = resolve; });
  const transaction = system.district.sql.begin(async (tx) => {
    await tx.unsafe(`lock table ${tables.map((t) => t.name).join(', ')} in access exclusive mode`);
    locked();
    await released;
  });
  await Promise.race([isLocked, transaction]);
  return { release: async () => { release(); await transaction; } };
}

async function untilAnswered(replies: readonly unknown[], count: number): Promise<void> {
  const deadline = Date.now() + REQUEST_TIMEOUT_MS;
  while (replies.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${replies.length} of ${count} answers arrived`);
    await sleep(20);
  }
}

describe('one caller cannot crowd out the others', () => {
  const NOISY = DISTRICTS[0] ?? '';
  const QUIET = DISTRICTS[1] ?? '';
  const BURST = 60;
  const bound = readEnv({}).API_VERIFICATIONS_PER_DISTRICT;

  it('bounds a burst of verifications per district (429 with Retry-After); another district\'s reads and /healthz all succeed', async () => {
    const noisy: Reply[] = [];
    const held = await holdDistrictTables(NOISY);
    const burst = Promise.all(Array.from({ length: BURST }, async () => {
      noisy.push(await send(`${base}/api/districts/${NOISY}/verification`, districtToken(NOISY)));
    }));
    // The bound's worth of verifications wait on the lock; every other one is refused at once.
    await untilAnswered(noisy, BURST - bound);

    // Meanwhile the other district reads, the state reads it, and the health check answers.
    const quiet: { path: string; reply: Reply }[] = [];
    const paths = [`/api/districts/${QUIET}/objects`, `/api/districts/${QUIET}/history?limit=20`, `/api/districts/${QUIET}/verification`, '/api/alerts'];
    await pool(40, bound, async (index) => {
      const path = paths[index % paths.length] ?? '';
      quiet.push({ path, reply: await send(`${base}${path}`, index % 3 === 0 ? TOKENS.state : districtToken(QUIET)) });
    });
    const health = await Promise.all(Array.from({ length: 5 }, () => send(`${base}/healthz`, null)));
    await held.release();
    await burst;

    expect(tally(noisy)).toEqual({ 200: bound, 429: BURST - bound });
    const refusal = {
      status: 429, retryAfter: '5', type: 'application/problem+json; charset=utf-8',
      body: {
        type: 'https://state-resync.example/problems/too-many-verifications', title: 'Too Many Verifications', status: 429,
        detail: `district ${NOISY} already has ${bound} verifications running, the most allowed at once: try again when one has finished`,
        instance: `/api/districts/${NOISY}/verification`,
      },
    };
    for (const reply of noisy.filter((r) => r.status === 429)) expect(reply).toEqual(refusal);
    for (const reply of noisy.filter((r) => r.status === 200)) expect({ districtId: reply.body.districtId, inSync: reply.body.inSync }).toEqual({ districtId: NOISY, inSync: true });
    expect(quiet.filter(({ reply }) => reply.status !== 200).map(({ path, reply }) => `${path} → ${reply.status} ${JSON.stringify(reply.body)}`)).toEqual([]);
    expect(quiet).toHaveLength(40);
    expect(health.map((reply) => [reply.status, reply.body.status])).toEqual(Array.from({ length: 5 }, () => [200, 'ok']));
  }, 120_000);

  it('starts one verify-and-resync for a burst of them; the others are refused naming it', async () => {
    const workflowId = `verify-resync/${NOISY}/2026`;
    const replies: Reply[] = [];
    const held = await holdDistrictTables(NOISY);
    const burst = Promise.all(Array.from({ length: 50 }, async () => {
      replies.push(await send(`${base}/api/districts/${NOISY}/verify-and-resync`, districtToken(NOISY), 'POST', {}));
    }));
    await untilAnswered(replies, 50);
    await held.release();
    await burst;

    expect(tally(replies)).toEqual({ 202: 1, 409: 49 });
    expect(replies.find((r) => r.status === 202)?.body.workflowId).toBe(workflowId);
    for (const reply of replies.filter((r) => r.status === 409)) {
      expect({ title: reply.body.title, runningWorkflowId: reply.body.runningWorkflowId })
        .toEqual({ title: 'Verify-Then-Resync Already Running', runningWorkflowId: workflowId });
    }
    expect(await system.worker.client.workflow.getHandle(workflowId).result()).toEqual({ batchId: null, resynced: [], inSyncAfter: true });
    let runs = 0;
    for (const deadline = Date.now() + 15_000; runs < 1 && Date.now() < deadline; await sleep(300)) {
      runs = 0;
      for await (const _run of system.worker.client.workflow.list({ query: `WorkflowType="verifyThenResync" AND DistrictId="${NOISY}"` })) runs++;
    }
    expect(runs).toBe(1);
  }, 120_000);

  it('limits each caller by its token, not its address: the noisy district gets 429s, the others on the same address none', async () => {
    const limited = buildApp({ ...system.deps, tokens: loadTokens(), limits: { ...apiLimits(readEnv({})), requestsPerWindow: 20, windowSeconds: 60 } });
    const limitedServer = limited.listen(0, '127.0.0.1');
    await once(limitedServer, 'listening');
    const limitedBase = `http://127.0.0.1:${(limitedServer.address() as AddressInfo).port}`;
    try {
      const noisy = await Promise.all(Array.from({ length: 30 }, () => send(`${limitedBase}/api/districts/${NOISY}/objects`, districtToken(NOISY))));
      const quiet = await Promise.all(Array.from({ length: 15 }, () => send(`${limitedBase}/api/districts/${QUIET}/objects`, districtToken(QUIET))));
      const state = await Promise.all(Array.from({ length: 15 }, () => send(`${limitedBase}/api/districts/${NOISY}/history`, TOKENS.state)));
      const health = await send(`${limitedBase}/healthz`, null);

      expect({ noisy: tally(noisy), quiet: tally(quiet), state: tally(state), health: health.status })
        .toEqual({ noisy: { 200: 20, 429: 10 }, quiet: { 200: 15 }, state: { 200: 15 }, health: 200 });
      for (const reply of noisy.filter((r) => r.status === 429)) {
        const wait = Number(reply.retryAfter);
        expect(Number.isInteger(wait) && wait >= 1 && wait <= 60, `Retry-After ${reply.retryAfter}`).toBe(true);
        expect({ type: reply.type, title: reply.body.title, detail: reply.body.detail }).toEqual({
          type: 'application/problem+json; charset=utf-8', title: 'Too Many Requests',
          detail: `district:${NOISY} has made 20 requests in 60 s, the most allowed: try again in ${reply.retryAfter} s`,
        });
      }
    } finally {
      limitedServer.closeAllConnections();
      await new Promise((resolve) => limitedServer.close(resolve));
    }
  });
});

// ─── Fifty open pages stay live ─────────────────────────────────────────────────────────────────

describe('fifty open tool pages', () => {
  const PAGES = 50;
  /** What a page does (src/web/src/live.ts): read the activity every two seconds with If-None-Match. */
  const POLL_MS = 2000;
  const WATCHED = [DISTRICTS[2] ?? '', DISTRICTS[3] ?? ''];

  interface OpenPage {
    readonly districtId: string;
    readonly token: string;
    etag: string | null;
    marks: string | null;
    /** Batches the page saw queued or running. */
    readonly seen: Set<string>;
    /** Batches the page saw ended, in the history it reloaded. */
    readonly ended: Set<string>;
  }

  it('each sees every batch of its district start and end; the API answers their polls from memory, one read per change', async () => {
    const pages: OpenPage[] = Array.from({ length: PAGES }, (_, i) => {
      const districtId = WATCHED[i % WATCHED.length] ?? '';
      // One page in five is the state's, watching the same district.
      return { districtId, token: i % 5 === 0 ? TOKENS.state : districtToken(districtId), etag: null, marks: null, seen: new Set(), ended: new Set() };
    });
    const polls: { status: number; ms: number }[] = [];
    const reloads: Answer[] = [];
    const readsBefore = Number((await system.deps.metrics.registry.getSingleMetric('resync_api_activity_reads_total')?.get())?.values[0]?.value ?? 0);

    /** One poll, then what the page reloads when the history changed: the table, the history, the alerts. */
    const pollOnce = async (page: OpenPage): Promise<void> => {
      const started = performance.now();
      let response: Response;
      try {
        response = await fetch(`${base}/api/districts/${page.districtId}/activity`, {
          headers: { authorization: `Bearer ${page.token}`, ...(page.etag ? { 'if-none-match': page.etag } : {}) },
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        failures.push({ what: `activity of ${page.districtId}`, error: String(error) });
        return;
      }
      const body = response.status === 200 ? (await response.json()) as { batches: { batchId: string }[]; marks: unknown } : null;
      if (response.status !== 304) await response.body?.cancel().catch(() => {});
      polls.push({ status: response.status, ms: performance.now() - started });
      if (!body) return;
      page.etag = response.headers.get('etag');
      for (const batch of body.batches) page.seen.add(batch.batchId);
      const marks = JSON.stringify(body.marks);
      if (page.marks !== null && marks !== page.marks) {
        const [, history] = await Promise.all([
          call('GET', `/api/districts/${page.districtId}/objects`, page.token),
          call('GET', `/api/districts/${page.districtId}/history?limit=10`, page.token),
          call('GET', `/api/alerts?limit=10${page.token === TOKENS.state ? `&district=${page.districtId}` : ''}`, page.token),
        ]).then((answers) => {
          for (const answer of answers) if (answer) reloads.push(answer);
          return answers;
        });
        for (const batch of (history?.body.batches ?? []) as { batchId: string; status: string }[]) {
          if (!['queued', 'running'].includes(batch.status)) page.ended.add(batch.batchId);
        }
      }
      page.marks = marks;
    };

    let open = true;
    const running = pages.map(async (page, index) => {
      await sleep((index * POLL_MS) / PAGES); // opened one after another
      while (open) {
        await pollOnce(page);
        await sleep(POLL_MS);
      }
    });
    const until = async (what: string, done: () => boolean): Promise<void> => {
      const deadline = Date.now() + 90_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`not every page ${what}`);
        await sleep(100);
      }
    };

    // Each district's own batch, held running, and a state request queued behind it.
    const lock = await system.db.sql.reserve();
    const batches = new Map<string, string[]>();
    try {
      await lock`begin`;
      await lock`lock table state.district in access exclusive mode`;
      for (const districtId of WATCHED) {
        const own = await call('POST', `/api/districts/${districtId}/resyncs`, districtToken(districtId), { objects: ['District', 'School'] });
        const requested = await call('POST', `/api/state/districts/${districtId}/resync-requests`, TOKENS.state, { objects: ['CourseCode'] });
        expect([own?.status, requested?.status]).toEqual([202, 202]);
        batches.set(districtId, [String(own?.body.batchId), String(requested?.body.batchId)]);
      }
      await until('saw its district\'s batches', () => pages.every((page) => (batches.get(page.districtId) ?? []).every((id) => page.seen.has(id))));
    } finally {
      await lock`commit`;
      lock.release();
    }
    await until('saw them end', () => pages.every((page) => (batches.get(page.districtId) ?? []).every((id) => page.ended.has(id))));
    // Then the pages stay open a while on districts where nothing happens.
    const pollsAtEnd = polls.length;
    await until('polled on', () => polls.length >= pollsAtEnd + 3 * PAGES);
    open = false;
    await Promise.all(running);
    const reads = Number((await system.deps.metrics.registry.getSingleMetric('resync_api_activity_reads_total')?.get())?.values[0]?.value ?? 0) - readsBefore;

    const ms = polls.map((poll) => poll.ms);
    const unchanged = polls.filter((poll) => poll.status === 304).length;
    const quiet = polls.slice(pollsAtEnd);
    console.log([
      `api-load: ${PAGES} open pages on ${WATCHED.length} districts, a poll every ${POLL_MS / 1000} s each: ${polls.length} polls (${unchanged} answered 304), ${reads} reads of a district's activity from PostgreSQL`,
      `  polls: p50 ${percentile(ms, 0.5).toFixed(1)} ms, p99 ${percentile(ms, 0.99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`,
      `  once the batches had ended: ${quiet.length} polls, ${quiet.filter((poll) => poll.status === 304).length} answered 304; p50 ${percentile(quiet.map((p) => p.ms), 0.5).toFixed(1)} ms, p99 ${percentile(quiet.map((p) => p.ms), 0.99).toFixed(1)} ms`,
      `  reloads after a change (table, history, alerts): ${reloads.length}, p50 ${percentile(reloads.map((r) => r.ms), 0.5).toFixed(1)} ms, p99 ${percentile(reloads.map((r) => r.ms), 0.99).toFixed(1)} ms`,
    ].join('\n'));

    expect(failures).toEqual([]);
    expect(polls.filter((poll) => poll.status !== 200 && poll.status !== 304)).toEqual([]);
    expect(reloads.filter((answer) => answer.status !== 200).map((answer) => `${answer.status} ${JSON.stringify(answer.body)}`)).toEqual([]);
    // Every page saw every batch of its district, queued or running, and saw it end.
    for (const page of pages) {
      const expected = batches.get(page.districtId) ?? [];
      expect({ district: page.districtId, seen: expected.filter((id) => page.seen.has(id)), ended: expected.filter((id) => page.ended.has(id)) })
        .toEqual({ district: page.districtId, seen: expected, ended: expected });
    }
  }, 180_000);
});
