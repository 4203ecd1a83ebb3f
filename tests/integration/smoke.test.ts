import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resyncs, newBatchId } from '../../src/client/resyncs';
import { getBatch, listBatchObjects } from '../../src/data/batch-history';
import { DistrictSources } from '../../src/data/district-sources';
import { seedDistrict } from '../../src/generator/seed-district';
import { batchWorkflowId } from '../../src/workflows/types';
import { createTestDatabase, type TestDatabase } from '../setup/database';
import { startTestWorker, type TestWorker } from '../setup/temporal';

describe('smoke', () => {
  let db: TestDatabase;
  let worker: TestWorker;
  let sources: DistrictSources;

  beforeAll(async () => {
    db = await createTestDatabase();
    sources = new DistrictSources(db.url);
    worker = await startTestWorker({ state: db.sql, districtSources: sources });
    await seedDistrict(db.sql, db.sql, { districtId: '1001', students: 300, scopedYear: 2026, state: null, reportingEntity: false, seed: 7 });
  });

  afterAll(async () => {
    await worker?.shutdown();
    await sources?.end();
    await db?.drop();
  });

  it('runs a full resync', async () => {
    const resyncs = new Resyncs(worker.client, worker.taskQueue);
    const batchId = newBatchId();
    const submitted = await resyncs.submit({
      batchId, districtId: '1001', yearChoice: 'current', schoolYear: 2026, objects: 'all', checkDependencies: false,
      initiator: 'district', requestedBy: 'test',
    });
    expect(submitted.workflowId).toBe(batchWorkflowId('1001', 2026, batchId));
    await resyncs.waitForBatch(submitted.workflowId);
    const batch = await getBatch(db.sql, batchId);
    const objects = await listBatchObjects(db.sql, batchId);
    console.log(batch, objects.map((o) => `${o.object} ${o.status} ${o.processed} ${o.errors} ${o.colour} ${o.failure ?? ''}`).join('\n'));
    expect(batch?.status).toBe('completed');
  });
});
