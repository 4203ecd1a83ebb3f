// Prometheus metrics of the API: requests and latency per route, and batches by status (read
// from the batch history when scraped, so every API instance reports the same truth). Served on
// their own loopback-only port (metricsApp), not on the public app.
import express, { type Express, type RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Sql } from '../data/db';

export interface ApiMetrics {
  readonly registry: Registry;
  readonly middleware: RequestHandler;
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
      const rows = await state`select status, initiator, count(*)::int as n from resync.batch group by status, initiator`;
      for (const row of rows) this.set({ status: row.status as string, initiator: row.initiator as string }, Number(row.n));
    },
  });
  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // The matched route pattern, not the raw path: bounded label values.
      const route = `${req.baseUrl}${(req.route as { path?: string } | undefined)?.path ?? ''}` || 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      latency.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
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
