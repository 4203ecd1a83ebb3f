// Load through the API on a real port: many concurrent resync requests across several districts
// (district and state tokens, small partial plans and a full one per district) together with a
// burst of reads while the batches run. What must hold: no 5xx and no failed request; a district
// request is accepted or refused with the running batch, a state request always accepted; one
// batch at a time per district and school year; nothing lost (every accepted batch recorded and
// finished, every object of it finished); the state in sync with every district at the end.
// Latencies and throughput are printed for information only: speed is measured by the benchmark.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { parseTokens } from '../../src/api/auth';
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

let system: TestSystem;
let app: ReturnType<typeof buildApp>;
let server: Server;
let base: string;

beforeAll(async () => {
  system = await startTestSystem();
  for (const [index, districtId] of DISTRICTS.entries()) await system.seed({ districtId, students: STUDENTS, seed: 100 + index });
  await system.seed({ districtId: LANE_DISTRICT, students: 20, seed: 200 });
  // The same system, with a token for each district.
  const tokens = parseTokens([`${TOKENS.state}=state`, ...[...DISTRICTS, LANE_DISTRICT].map((d) => `${districtToken(d)}=district:${d}`)].join(';'));
  app = buildApp({ ...system.deps, tokens });
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
