// What `npx resync verify` does once its command line is parsed: resolve the district and school
// year, refuse years it does not sync or that hold no data, compare, or "verify, then resync".
// Loaded on demand by commands/verify.ts.
import { startVerifyThenResync } from '../../client/lifecycle';
import { readEnv, type Env } from '../../config';
import { createSql } from '../../data/db';
import { countRecords } from '../../data/district-records';
import { findDistrict, type District } from '../../data/district-registry';
import { DistrictSources } from '../../data/district-sources';
import { migrate } from '../../data/migrations';
import { resolveSchoolYear, schoolYearLabel, yearIsOffered, type SchoolYearArgument, type SchoolYearChoice } from '../../domain';
import { openDatabases } from '../../services/databases';
import { connectClient } from '../../temporal/client';
import { verifiableObjects, verifyDistrict, type ObjectVerification } from '../../verification/summary';
import type { VerifyThenResyncResult } from '../../workflows/verify-then-resync';
import { EXIT } from '../exit-codes';
import type { ObjectSelection } from '../options';
import { UsageError } from '../usage-error';

interface Scope {
  readonly district: District;
  readonly choice: SchoolYearChoice;
  readonly schoolYear: number;
}

const where = ({ district, choice, schoolYear }: Scope) => `district ${district.districtId}, ${schoolYearLabel(schoolYear)} (${choice} year)`;

/** The district and school year to verify; refuses a year the district does not sync. */
function scopeOf(district: District, year: SchoolYearArgument | undefined): Scope {
  const { choice, schoolYear } = resolveSchoolYear(year ?? { choice: 'current' }, district.scopedYear);
  if (!yearIsOffered(district.profile, choice)) {
    throw new UsageError(`district ${district.districtId} (scoped year ${schoolYearLabel(district.scopedYear)}) is not configured to sync the ${choice} school year, ${schoolYearLabel(schoolYear)}`);
  }
  return { district, choice, schoolYear };
}

/** Neither side holds a record: there is nothing to compare, and "in sync" would mislead. */
function refuseEmpty(scope: Scope, results: readonly ObjectVerification[]): void {
  if (results.every((result) => result.district === 0 && result.state === 0)) {
    throw new UsageError(`${where(scope)}: neither the district nor the state holds any record for this school year; nothing to verify`);
  }
}

function objectsToVerify(scope: Scope, selection: ObjectSelection | undefined): string[] {
  const wanted = selection === undefined || selection === 'all' ? undefined : selection;
  const objects = verifiableObjects(scope.district, scope.choice, wanted);
  const unknown = (wanted ?? []).filter((name) => !objects.some((object) => object.toLowerCase() === name.toLowerCase()));
  if (unknown.length > 0) throw new UsageError(`not verifiable for ${where(scope)}: ${unknown.join(', ')}`);
  return objects;
}

function printTable(results: readonly ObjectVerification[]): void {
  process.stdout.write(`${'object'.padEnd(30)}${['district', 'state', 'missing', 'extra', 'differing', 'excluded'].map((h) => h.padStart(10)).join('')}  in sync\n`);
  for (const r of results) {
    const cells = [r.district, r.state, r.missing, r.extra, r.differing, r.excluded].map((n) => String(n).padStart(10)).join('');
    process.stdout.write(`${r.object.padEnd(30)}${cells}  ${r.inSync ? 'yes' : 'NO'}\n`);
  }
}

interface Data { state: ReturnType<typeof createSql>; districtSources: DistrictSources }

/** Does the district hold at least one record of these objects for the year? Stops at the first. */
async function districtHoldsRecords(data: Data, scope: Scope, objects: readonly string[]): Promise<boolean> {
  const source = data.districtSources.for(scope.district);
  for (const object of objects) {
    if (await countRecords(source, scope.district.sourceSchema, object, scope.schoolYear) > 0) return true;
  }
  return false;
}

async function verifyThenResync(env: Env, data: Data, scope: Scope, objects: readonly string[], json: boolean): Promise<number> {
  // The workflow would report an empty year as "nothing to resync"; refuse it here instead. Only
  // when the district side is empty is the (then cheap) full comparison needed to be sure.
  if (!await districtHoldsRecords(data, scope, objects)) refuseEmpty(scope, await verifyDistrict(data, scope.district, scope.schoolYear, objects));
  const { client, close } = await connectClient(env);
  try {
    const workflowId = await startVerifyThenResync(client, env.TEMPORAL_TASK_QUEUE, {
      districtId: scope.district.districtId, yearChoice: scope.choice, schoolYear: scope.schoolYear, initiator: 'district', requestedBy: 'cli',
    });
    if (!json) process.stderr.write(`verifying, then resyncing ${where(scope)}: ${workflowId}\n`);
    const result = await client.workflow.getHandle(workflowId).result() as VerifyThenResyncResult;
    if (json) process.stdout.write(`${JSON.stringify({ workflowId, ...result })}\n`);
    else {
      process.stdout.write(result.batchId
        ? `resynced ${result.resynced.join(', ')} in batch ${result.batchId}: ${result.inSyncAfter ? 'now in sync' : 'still out of sync'}\n`
        : 'district and state agree: nothing to resync\n');
    }
    return result.inSyncAfter ? EXIT.OK : EXIT.OUT_OF_SYNC;
  } finally {
    await close();
  }
}

export interface VerifyOptions {
  readonly district: string;
  readonly year?: SchoolYearArgument | undefined;
  readonly objects?: ObjectSelection | undefined;
  readonly resync?: boolean | undefined;
  readonly json?: boolean | undefined;
}

/** Runs `verify`. → the exit code: OK (in sync), OUT_OF_SYNC. @throws UsageError (unknown district, year not synced, no data). */
export async function runVerify(options: VerifyOptions): Promise<number> {
  const env = readEnv();
  const databases = await openDatabases(env);
  const state = createSql(databases.urls.state, { max: 2 });
  const districtSources = new DistrictSources(databases.urls.district, { poolSize: 2, stateUrl: databases.urls.state });
  try {
    await migrate(state);
    const district = await findDistrict(state, options.district.toLowerCase());
    if (!district) throw new UsageError(`district "${options.district}" is not registered (seed it with npx resync seed)`);
    const scope = scopeOf(district, options.year);
    const objects = objectsToVerify(scope, options.objects);
    if (options.resync) return await verifyThenResync(env, { state, districtSources }, scope, objects, options.json ?? false);
    const results = await verifyDistrict({ state, districtSources }, district, scope.schoolYear, objects);
    refuseEmpty(scope, results);
    if (options.json) process.stdout.write(`${JSON.stringify({ district: district.districtId, schoolYear: scope.schoolYear, objects: results })}\n`);
    else printTable(results);
    return results.every((result) => result.inSync) ? EXIT.OK : EXIT.OUT_OF_SYNC;
  } finally {
    await districtSources.end();
    await state.end({ timeout: 5 });
    await databases.release();
  }
}
