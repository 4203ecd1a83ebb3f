// /healthz: 200 once PostgreSQL and Temporal answer and a worker polls the task queue; 503 (with
// what is missing) before.
import { Router } from 'express';
import type { ApiDeps } from '../deps';

async function postgresHealthy(deps: ApiDeps): Promise<boolean> {
  try {
    await deps.state`select 1`;
    return true;
  } catch {
    return false;
  }
}

export function healthRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [postgres, temporal, worker] = await Promise.all([
      postgresHealthy(deps), deps.temporalHealthy().catch(() => false), deps.workerPolling().catch(() => false),
    ]);
    const healthy = postgres && temporal && worker;
    res.status(healthy ? 200 : 503).json({
      status: healthy ? 'ok' : 'unavailable',
      postgres: postgres ? 'ok' : 'down',
      temporal: temporal ? 'ok' : 'down',
      worker: worker ? 'ok' : 'no worker polling the task queue',
    });
  });
  return router;
}
