// `npx resync verify`: the verification summary of a district, per object, district vs state.
import { parseArgs } from 'node:util';
import { readEnv, type Env } from '../../config';
import { startVerifyThenResync } from '../../client/lifecycle';
import type { SchoolYearChoice } from '../../domain';
import { connectClient } from '../../temporal/client';
import type { VerifyThenResyncResult } from '../../workflows/verify-then-resync';
import { createSql } from '../../data/db';
import { findDistrict, schoolYearFor } from '../../data/district-registry';
import { DistrictSources } from '../../data/district-sources';
import { migrate } from '../../data/migrations';
import { openDatabases } from '../../services/databases';
import { verifiableObjects, verifyDistrict } from '../../verification/summary';
import { UsageError } from '../usage-error';

const HELP = `usage: npx resync verify --district <id> [--year <yyyy>] [--objects A,B,...] [--json]
       npx resync verify --district <id> --resync [--year <yyyy>]

  --year    the school year by its first calendar year (default: the district's scoped year)
  --resync  verify, resync exactly the objects that differ (with their parents), verify again`;

async function verifyThenResyncFromCli(env: Env, districtId: string, yearChoice: SchoolYearChoice, schoolYear: number, json: boolean): Promise<void> {
  const { client, close } = await connectClient(env);
  try {
    const workflowId = await startVerifyThenResync(client, env.TEMPORAL_TASK_QUEUE, { districtId, yearChoice, schoolYear, initiator: 'district', requestedBy: 'cli' });
    if (!json) process.stderr.write(`verifying, then resyncing: ${workflowId}\n`);
    const result = await client.workflow.getHandle(workflowId).result() as VerifyThenResyncResult;
    if (json) return void process.stdout.write(`${JSON.stringify({ workflowId, ...result })}\n`);
    process.stdout.write(result.batchId
      ? `resynced ${result.resynced.join(', ')} in batch ${result.batchId}: ${result.inSyncAfter ? 'now in sync' : 'still out of sync'}\n`
      : 'district and state agree: nothing to resync\n');
  } finally {
    await close();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args, strict: true,
    options: {
      district: { type: 'string' }, year: { type: 'string' }, objects: { type: 'string' },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false }, resync: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  if (!values.district) throw new UsageError('--district <id> is required');
  if (values.year !== undefined && !/^\d{4}$/.test(values.year)) throw new UsageError(`--year must be a year such as 2026, not "${values.year}"`);

  const env = readEnv();
  const databases = await openDatabases(env);
  const state = createSql(databases.urls.state, { max: 2 });
  const districtSources = new DistrictSources(databases.urls.district, 2, databases.urls.state);
  try {
    await migrate(state);
    const district = await findDistrict(state, values.district.toLowerCase());
    if (!district) throw new UsageError(`district "${values.district}" is not registered (seed it with npx resync seed)`);
    const schoolYear = values.year ? Number(values.year) : schoolYearFor(district, 'current');
    const choice = schoolYear === district.scopedYear ? 'current' : schoolYear < district.scopedYear ? 'previous' : 'next';
    if (values.resync) return await verifyThenResyncFromCli(env, district.districtId, choice, schoolYear, values.json);
    const selection = values.objects?.split(',').map((name) => name.trim()).filter(Boolean);
    const objects = verifiableObjects(district, choice, selection);
    const unknown = (selection ?? []).filter((name) => !objects.some((object) => object.toLowerCase() === name.toLowerCase()));
    if (unknown.length > 0) throw new UsageError(`not verifiable for district ${district.districtId}, ${schoolYear}: ${unknown.join(', ')}`);
    const results = await verifyDistrict({ state, districtSources }, district, schoolYear, objects);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ district: district.districtId, schoolYear, objects: results })}\n`);
      return;
    }
    process.stdout.write(`${'object'.padEnd(30)}${['district', 'state', 'missing', 'extra', 'differing', 'excluded'].map((h) => h.padStart(10)).join('')}  in sync\n`);
    for (const r of results) {
      const cells = [r.district, r.state, r.missing, r.extra, r.differing, r.excluded].map((n) => String(n).padStart(10)).join('');
      process.stdout.write(`${r.object.padEnd(30)}${cells}  ${r.inSync ? 'yes' : 'NO'}\n`);
    }
  } finally {
    await districtSources.end();
    await state.end({ timeout: 5 });
    await databases.release();
  }
}
