// Prometheus metrics of the API: requests and latency per route, and batches by status (read
// from the batch history when scraped, so every API instance reports the same truth). Served on
// their own loopback-only port (metricsApp), not on the public app.
import express, { type Express, type Request, type RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { countBatchesByStatus } from '../data/batches';
import type { Sql } from '../data/db';

export interface ApiMetrics {
  readonly registry: Registry;
  readonly middleware: RequestHandler;
}

/**
 * The label of the route a request matched: its full pattern (`/api/districts/:district/objects`),
 * or `unmatched` if it reached none (refused before routing, or no such route). Read when the
 * router matches, not when the response finishes: by then a request refused after matching (by
 * its handler, or by a router.param check) has left its nested routers, which restore baseUrl, and
 * would be counted under a second, truncated label (`/:district/objects`).
 */
function watchMatchedRoute(req: Request): { readonly label: string } {
  const watched = { label: 'unmatched' };
  let route: unknown = req.route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: { path?: unknown } | undefined) => {
      route = value;
      if (typeof value?.path === 'string') watched.label = `${req.baseUrl}${value.path}`.replace(/(.)\/$/, '$1');
    },
  });
  return watched;
}

export function createApiMetrics(state: Sql): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'resync_api_' });
  const requests = new Counter({ name: 'resync_api_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'resync_api_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  new Gauge({
    name: 'resync_batches', help: 'Resync batches in the history by status and initiator', labelNames: ['status', 'initiator'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await countBatchesByStatus(state)) this.set({ status: row.status, initiator: row.initiator }, row.count);
    },
  });
  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    const route = watchMatchedRoute(req);
    res.on('finish', () => {
      requests.inc({ method: req.method, route: route.label, status: String(res.statusCode) });
      latency.observe({ method: req.method, route: route.label }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
  return { registry, middleware };
}

/** The metrics endpoint (GET /metrics), for its own loopback-only port: the counts it shows span
 *  every district, so it is not on the public app. */
export function metricsApp(metrics: ApiMetrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}
