// What one caller may start or read. A per-caller rate limit (express-rate-limit), keyed by the
// authenticated principal so that one district's token cannot crowd out another's even from the
// same address; and a bound on verifications running at once per district, because each one
// reads every object of the district on both sides and a burst of them slowed every other
// district's reads and /healthz.
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Env } from '../config';
import { principalOf } from './auth';
import { HttpProblem } from './problem';

export interface ApiLimits {
  /** Requests one caller (principal) may make per window, over every /api route. */
  readonly requestsPerWindow: number;
  /** The rate limit's window, in seconds. */
  readonly windowSeconds: number;
  /** Verifications of one district that may run at once (per API process). */
  readonly verificationsPerDistrict: number;
}

/** Seconds a caller refused for a busy district is asked to wait before trying again. */
export const VERIFICATION_RETRY_AFTER_SECONDS = 5;

export function apiLimits(env: Pick<Env, 'API_RATE_LIMIT' | 'API_RATE_WINDOW_SECONDS' | 'API_VERIFICATIONS_PER_DISTRICT'>): ApiLimits {
  return {
    requestsPerWindow: env.API_RATE_LIMIT,
    windowSeconds: env.API_RATE_WINDOW_SECONDS,
    verificationsPerDistrict: env.API_VERIFICATIONS_PER_DISTRICT,
  };
}

/**
 * The per-caller rate limit; mount it after authentication (it keys on the principal). Beyond the
 * limit: 429 problem+json with Retry-After (seconds until the window resets) and RateLimit headers.
 */
export function perCallerRateLimit(limits: ApiLimits): RequestHandler {
  return rateLimit({
    windowMs: limits.windowSeconds * 1000,
    limit: limits.requestsPerWindow,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => principalOf(req).id,
    handler: (req, res, next) => {
      const retryAfter = res.getHeader('Retry-After') ?? String(limits.windowSeconds);
      next(new HttpProblem(429, 'Too Many Requests',
        `${principalOf(req).name} has made ${limits.requestsPerWindow} requests in ${limits.windowSeconds} s, the most allowed: try again in ${String(retryAfter)} s`,
        {}, { 'Retry-After': String(retryAfter) }));
    },
  });
}

/** At most `perKey` holders at once per key (e.g. per district). */
export class ConcurrencyLimit {
  private readonly running = new Map<string, number>();

  constructor(readonly perKey: number) {}

  /** A release function if a slot was free for `key` (call it exactly once when done), else null. */
  tryAcquire(key: string): (() => void) | null {
    const held = this.running.get(key) ?? 0;
    if (held >= this.perKey) return null;
    this.running.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(key) ?? 1) - 1;
      if (left > 0) this.running.set(key, left);
      else this.running.delete(key);
    };
  }
}
