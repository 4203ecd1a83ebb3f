// The Express application, built from injected dependencies; `server.ts` listens. Tests call it
// through supertest without a port.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { alertsRouter } from './alerts/router';
import { authenticate, principalOf } from './auth';
import type { ApiDeps } from './deps';
import { districtsRouter } from './districts/router';
import { healthRouter } from './health/router';
import { perCallerRateLimit } from './limits';
import { openApiDocument } from './openapi';
import { apiNotFound, errorHandler, HttpProblem } from './problem';
import { resyncsRouter } from './resyncs/router';
import { noStore, securityHeaders } from './security';
import { stateRouter } from './state/router';
import { WEB_BUNDLE_DIR } from '../web/paths';

/** The tool page's built bundle (dist/web; `npm run build:web`, or `npm start`, builds it). */
export const WEB_ROOT = WEB_BUNDLE_DIR;

/** Routes whose bodies carry a Selective Sync's ids (with or without preview). */
const SELECTIVE_SYNC_ROUTES = /^\/districts\/[^/]+\/selective-syncs(?:\/plan)?$/;

export function buildApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(deps.metrics.middleware);
  app.use(securityHeaders());
  app.use(healthRouter(deps));
  app.use('/api', noStore);
  const openApi = openApiDocument();
  app.get('/api/openapi.json', (_req, res) => void res.json(openApi));

  const api = express.Router();
  // Who is asking comes first: without a valid token nothing else about the request is answered.
  api.use(authenticate({ tokens: deps.tokens, jwt: deps.jwt }));
  api.use(perCallerRateLimit(deps.limits));
  // A Selective Sync names up to MAX_SELECTED_RECORDS ids (10 000 of up to 16 digits: ~170 kB);
  // every other body is small. The first parser to read a body wins.
  api.use(SELECTIVE_SYNC_ROUTES, express.json({ limit: '200kb', strict: true }));
  api.use(express.json({ limit: '16kb', strict: true }));
  api.use((req, _res, next) => {
    // A body that is not JSON is refused rather than ignored.
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    next(hasBody && !req.is('application/json') ? new HttpProblem(415, 'Unsupported Media Type', 'send request bodies as application/json') : undefined);
  });
  api.get('/me', (req, res) => {
    const principal = principalOf(req);
    // What the page needs to show the right controls: a Read-only user gets no Send or Cancel.
    res.json({
      role: principal.role, ...(principal.role === 'district' ? { districtId: principal.districtId } : {}), name: principal.name, rights: principal.rights,
    });
  });
  api.use('/districts', districtsRouter(deps));
  api.use('/resyncs', resyncsRouter(deps));
  api.use('/state', stateRouter(deps));
  api.use('/alerts', alertsRouter(deps));
  api.use(apiNotFound);
  app.use('/api', api);

  app.use(express.static(WEB_ROOT, { index: 'index.html', fallthrough: true }));
  // An API started on its own before the page was ever built: say how to build it, not "Cannot GET /".
  app.get(['/', '/index.html'], (_req, res, next) => {
    if (existsSync(path.join(WEB_ROOT, 'index.html'))) return next();
    res.status(503).type('text/plain').send('The tool page is not built yet: run `npm run build:web` (npm start builds it).\n');
  });
  app.use(errorHandler(deps.log));
  return app;
}
