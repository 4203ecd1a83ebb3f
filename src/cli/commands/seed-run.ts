// What `npx resync seed` does once its command line is parsed: open the databases, migrate,
// generate the district into its own database (`district_<id>`, or beside the state's data with
// RESYNC_TOPOLOGY=colocated), print what was loaded. Loaded on demand by commands/seed.ts.
import { readEnv } from '../../config';
import { createSql } from '../../data/db';
import { migrate } from '../../data/migrations';
import { schoolYearLabel } from '../../domain';
import { seedDistrict } from '../../generator/seed-district';
import { districtDatabase, openDatabases } from '../../services/databases';

export interface SeedRun {
  readonly district: string;
  readonly students: number;
  /** First calendar years: the district's scoped year and the years to generate. */
  readonly scopedYear: number;
  readonly years: readonly number[];
  readonly state?: string | undefined;
  readonly reportingEntity?: boolean | undefined;
  readonly seed: number;
  readonly excludedShare: number;
  readonly json?: boolean | undefined;
}

export async function runSeed(options: SeedRun): Promise<void> {
  const { scopedYear, years } = options;
  const env = readEnv();
  const databases = await openDatabases(env);
  const stateSql = createSql(databases.urls.state, { max: 2 });
  let districtSql = stateSql;
  try {
    await migrate(stateSql);
    const target = await districtDatabase(databases.urls, options.district, env.RESYNC_TOPOLOGY);
    if (target.url !== databases.urls.state) districtSql = createSql(target.url, { max: 2 });
    const result = await seedDistrict(stateSql, districtSql, {
      districtId: options.district, students: options.students, scopedYear, years,
      state: options.state ?? null, reportingEntity: options.reportingEntity ?? false,
      seed: options.seed, excludedShare: options.excludedShare, sourceUrl: target.sourceUrl,
    });
    const database = new URL(target.url).pathname.slice(1);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ district: options.district, database, schoolYears: years, records: result.records, total: result.total, seconds: Number(result.seconds.toFixed(2)) })}\n`);
    } else {
      process.stdout.write(`district ${options.district} in database ${database}, scoped year ${schoolYearLabel(scopedYear)}; generated ${years.map(schoolYearLabel).join(', ')}\n`);
      for (const { object, records } of result.records) process.stdout.write(`${object.padEnd(30)} ${String(records).padStart(10)}\n`);
      process.stdout.write(`${'total'.padEnd(30)} ${String(result.total).padStart(10)}  (${result.seconds.toFixed(1)} s, ${Math.round(result.total / result.seconds)} records/s)\n`);
    }
  } finally {
    await stateSql.end({ timeout: 5 });
    if (districtSql !== stateSql) await districtSql.end({ timeout: 5 });
    await databases.release();
  }
}
