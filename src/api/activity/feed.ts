// The districts' activity, cached: one document per district, read from PostgreSQL once per
// change and served to every open page of that district (mostly as 304 Not Modified). The
// bookkeeping NOTIFYs channel resync_activity with the district id when a batch's row changes or
// an alert is raised (migration 0008); a district with a running batch is re-read at most once a
// second besides, for its objects' statuses and record counts (which do not notify: migration
// 0010). Why not server-sent events: a stream per open tab holds one of the browser's six HTTP/1.1
// connections to the API for as long as the page is open, and cannot carry the bearer token
// through EventSource; a conditional GET every two seconds from memory costs the API a fraction of
// a millisecond.
import { createHash } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { readDistrictActivity, type DistrictActivity } from '../../data/activity';
import type { Sql } from '../../data/db';
import type { Logger } from '../../logging';

export const ACTIVITY_CHANNEL = 'resync_activity';

export interface ActivityFeedOptions {
  /** How long a district with a running batch is served from memory (its counts move), in ms. */
  readonly runningTtlMs?: number;
  /** How long any other district is served from memory without a notification, in ms: a safety
   *  net should a notification ever be lost (the listener reconnects and then reads afresh). */
  readonly idleTtlMs?: number;
}

/** A rendered view of one district's activity for one audience: the JSON body and its ETag. */
export interface RenderedActivity {
  readonly body: string;
  readonly etag: string;
}

interface Entry {
  /** The district's change count when the read began: a later notification makes it stale. */
  readonly generation: number;
  readonly read: Promise<DistrictActivity>;
  /** When the read finished (ms since the epoch); null while it runs. */
  readAt: number | null;
  running: boolean;
  readonly views: Map<string, RenderedActivity>;
}

const READS_METRIC = 'resync_api_activity_reads_total';

/** The reads counter, registered once per registry (several apps may share one in tests). */
function readsCounter(registry: Registry): Counter {
  const existing = registry.getSingleMetric(READS_METRIC);
  if (existing) return existing as Counter;
  return new Counter({ name: READS_METRIC, help: 'Reads of a district\'s activity from PostgreSQL (one per change, shared by its open pages)', registers: [registry] });
}

export class ActivityFeed {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private listening: Promise<boolean> | null = null;
  private readonly runningTtlMs: number;
  private readonly idleTtlMs: number;
  private readonly reads: Counter;
  /** Reads since this feed was built (for tests and the load test's evidence). */
  readCount = 0;

  constructor(private readonly sql: Sql, private readonly log: Logger, registry: Registry, options: ActivityFeedOptions = {}) {
    this.runningTtlMs = options.runningTtlMs ?? 1000;
    this.idleTtlMs = options.idleTtlMs ?? 15_000;
    this.reads = readsCounter(registry);
  }

  /** Forgets what is cached for a district: the next request reads it again. */
  invalidate(districtId: string): void {
    this.generations.set(districtId, (this.generations.get(districtId) ?? 0) + 1);
  }

  private invalidateAll(): void {
    for (const districtId of this.entries.keys()) this.invalidate(districtId);
  }

  /** LISTENs once (postgres.js keeps one connection for it and listens again after a reconnect,
   *  calling back each time: what happened meanwhile is unknown, so everything is read afresh).
   *  Resolves to false when listening failed: the feed then serves from memory for one second. */
  private listen(): Promise<boolean> {
    this.listening ??= this.sql.listen(ACTIVITY_CHANNEL, (districtId) => this.invalidate(districtId), () => this.invalidateAll())
      .then(() => true, (error: unknown) => {
        this.log.warn({ err: error }, 'activity notifications unavailable: the live view reads each district at most once a second');
        return false;
      });
    return this.listening;
  }

  private fresh(entry: Entry, districtId: string, notified: boolean): boolean {
    if (entry.generation !== (this.generations.get(districtId) ?? 0)) return false;
    if (entry.readAt === null) return true; // being read, for the current generation: share it
    const ttl = entry.running || !notified ? this.runningTtlMs : this.idleTtlMs;
    return Date.now() - entry.readAt < ttl;
  }

  /**
   * The district's activity rendered for an audience (e.g. "state" or "district": what differs
   * between readers), from memory when nothing changed. `render` turns the activity into the JSON
   * the audience may see; it runs once per read and audience.
   * @throws what reading the district's activity throws (the entry is dropped, the next call reads again)
   */
  async rendered(districtId: string, audience: string, render: (activity: DistrictActivity) => unknown): Promise<RenderedActivity> {
    const notified = await this.listen();
    let entry = this.entries.get(districtId);
    if (!entry || !this.fresh(entry, districtId, notified)) {
      entry = this.startRead(districtId);
    }
    const activity = await entry.read;
    let view = entry.views.get(audience);
    if (!view) {
      const body = JSON.stringify(render(activity));
      view = { body, etag: `W/"${createHash('sha1').update(body).digest('base64url')}"` };
      entry.views.set(audience, view);
    }
    return view;
  }

  private startRead(districtId: string): Entry {
    const generation = this.generations.get(districtId) ?? 0;
    this.readCount++;
    this.reads.inc();
    const entry: Entry = { generation, read: readDistrictActivity(this.sql, districtId), readAt: null, running: false, views: new Map() };
    this.entries.set(districtId, entry);
    entry.read.then((activity) => {
      entry.readAt = Date.now();
      entry.running = activity.active.some((batch) => batch.status === 'running');
    }, () => {
      if (this.entries.get(districtId) === entry) this.entries.delete(districtId);
    });
    return entry;
  }
}
