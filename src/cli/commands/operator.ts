// Operator commands over the API: `start`, `status`, `cancel`, `history`.
import { parseArgs } from 'node:util';
import { apiClient, type ApiClient } from '../api-client';
import { UsageError } from '../usage-error';

interface ObjectRow { object: string; status: string; colour: string; processed: number; errors: number; sent: number; failure: string | null }
interface Batch {
  batchId: string; districtId: string; schoolYear: number; initiator: string; status: string; kind?: string; phase?: string | null;
  requestedAt: string; startedAt: string | null; finishedAt: string | null; processed?: number; errors?: number; deleted?: number;
  objectsHidden?: boolean; objects?: ObjectRow[]; temporalUi?: string | null; failure?: string | null;
}

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const ROLE_OPTION = { as: { type: 'string' as const } };

function printBatch(batch: Batch): void {
  out(`batch ${batch.batchId}  district ${batch.districtId}  ${batch.schoolYear}  ${batch.kind ?? ''} by ${batch.initiator}  ${batch.status}${batch.phase ? ` (${batch.phase})` : ''}`);
  if (batch.objectsHidden) return out('  (objects of state-requested resyncs are visible to state users only)');
  if (batch.processed !== undefined) out(`  processed ${batch.processed}, errors ${batch.errors ?? 0}, removed ${batch.deleted ?? 0}`);
  for (const o of batch.objects ?? []) {
    out(`  ${o.object.padEnd(30)} ${o.status.padEnd(10)} ${o.colour.padEnd(7)} processed ${String(o.processed).padStart(8)}  errors ${String(o.errors).padStart(6)}${o.failure ? `  ${o.failure}` : ''}`);
  }
  if (batch.failure) out(`  failure: ${batch.failure}`);
  if (batch.temporalUi) out(`  Temporal UI: ${batch.temporalUi}`);
}

async function waitUntilDone(api: ApiClient, batchId: string, onUpdate: (batch: Batch) => void): Promise<Batch> {
  for (;;) {
    const batch = await api.get<Batch>(`/api/resyncs/${encodeURIComponent(batchId)}`);
    onUpdate(batch);
    if (!['queued', 'running'].includes(batch.status)) return batch;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args, strict: true,
    options: {
      district: { type: 'string' }, all: { type: 'boolean', default: false }, objects: { type: 'string' },
      'check-dependencies': { type: 'boolean', default: false }, year: { type: 'string', default: 'current' },
      'state-request': { type: 'boolean', default: false }, wait: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }, ...ROLE_OPTION,
    },
  });
  if (!values.district) throw new UsageError('--district <id> is required');
  if (values.all === (values.objects !== undefined)) throw new UsageError('give exactly one of --all or --objects A,B,...');
  const api = apiClient({ as: values.as ?? (values['state-request'] ? 'state' : `district:${values.district}`) });
  const body = {
    objects: values.all ? 'all' : (values.objects ?? '').split(',').map((name) => name.trim()).filter(Boolean),
    checkDependencies: values['check-dependencies'], year: values.year,
  };
  const target = values['state-request']
    ? `/api/state/districts/${encodeURIComponent(values.district)}/resync-requests`
    : `/api/districts/${encodeURIComponent(values.district)}/resyncs`;
  const started = await api.post<{ batchId: string; status: string; position: number; plan: { levels: string[][] } }>(target, body);
  if (!values.wait) {
    if (values.json) return out(JSON.stringify(started));
    out(`batch ${started.batchId} ${started.status}${started.position > 0 ? ` (${started.position} ahead)` : ''}: ${started.plan.levels.flat().length} object(s) in ${started.plan.levels.length} level(s)`);
    return;
  }
  const final = await waitUntilDone(api, started.batchId, (batch) => {
    if (!values.json) process.stderr.write(`\r${batch.status} ${batch.phase ?? ''}    `);
  });
  if (!values.json) process.stderr.write('\n');
  if (values.json) out(JSON.stringify(final));
  else printBatch(final);
  if (final.status !== 'completed') process.exitCode = 1;
}

export async function status(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { json: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false }, ...ROLE_OPTION } });
  const [batchId] = positionals;
  if (!batchId) throw new UsageError('usage: npx resync status <batch-id> [--watch] [--json]');
  const api = apiClient({ as: values.as });
  const batch = values.watch ? await waitUntilDone(api, batchId, () => {}) : await api.get<Batch>(`/api/resyncs/${encodeURIComponent(batchId)}`);
  if (values.json) out(JSON.stringify(batch));
  else printBatch(batch);
}

export async function cancel(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { ...ROLE_OPTION } });
  const [batchId] = positionals;
  if (!batchId) throw new UsageError('usage: npx resync cancel <batch-id> [--as district:<id>]');
  await apiClient({ as: values.as }).post(`/api/resyncs/${encodeURIComponent(batchId)}/cancel`);
  out(`cancellation of batch ${batchId} requested`);
}

export async function history(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, strict: true, options: { district: { type: 'string' }, limit: { type: 'string', default: '20' }, json: { type: 'boolean', default: false }, ...ROLE_OPTION } });
  if (!values.district) throw new UsageError('--district <id> is required');
  const page = await apiClient({ as: values.as }).get<{ total: number; batches: Batch[] }>(
    `/api/districts/${encodeURIComponent(values.district)}/history?limit=${encodeURIComponent(values.limit)}`);
  if (values.json) return out(JSON.stringify(page));
  out(`${page.total} batch(es); newest first`);
  for (const b of page.batches) {
    out(`  ${b.batchId}  ${String(b.schoolYear)}  ${(b.kind ?? '-').padEnd(7)} ${b.initiator.padEnd(8)} ${b.status.padEnd(9)} requested ${b.requestedAt}${b.errors ? `  errors ${b.errors}` : ''}`);
  }
}
