// `npx resync seed`: generate a realistic district and load it into the district database.
import { parseArgs } from 'node:util';
import { readEnv } from '../../config';
import { createSql } from '../../data/db';
import { migrate } from '../../data/migrations';
import { isValidDistrictId } from '../../domain';
import { seedDistrict } from '../../generator/seed-district';
import { openDatabases } from '../../services/databases';
import { UsageError } from '../usage-error';

const HELP = `usage: npx resync seed --district <id> --students <n> [--year <yyyy>] [--years a,b]
                         [--state XX] [--reporting-entity] [--seed <int>] [--excluded-share <0..1>] [--json]

  --year            the district's scoped (current) school year, by its first calendar year
                    (default: the school year running today)
  --years           school years to generate (default: the scoped year)
  --excluded-share  share of enrollments flagged state-excluded (default 0.01)`;

/** The school year running on a date: it starts in August. */
export function currentSchoolYear(today = new Date()): number {
  return today.getUTCMonth() >= 7 ? today.getUTCFullYear() : today.getUTCFullYear() - 1;
}

function positiveInt(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new UsageError(`--${name} must be a whole number, not "${value}"`);
  return parsed;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args, strict: true,
    options: {
      district: { type: 'string' }, students: { type: 'string' }, year: { type: 'string' }, years: { type: 'string' },
      state: { type: 'string' }, 'reporting-entity': { type: 'boolean', default: false }, seed: { type: 'string' },
      'excluded-share': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const districtId = values.district?.toLowerCase();
  if (!districtId || !isValidDistrictId(districtId)) throw new UsageError('--district must be an id of letters, digits and _ (e.g. 1001)');
  if (values.students === undefined) throw new UsageError('--students <n> is required');
  if (values.state !== undefined && !/^[A-Za-z]{2,3}$/.test(values.state)) throw new UsageError(`--state must be a state code such as KY, not "${values.state}"`);
  const scopedYear = positiveInt('year', values.year, currentSchoolYear());
  const years = values.years ? values.years.split(',').map((year) => positiveInt('years', year.trim())) : [scopedYear];
  const excludedShare = values['excluded-share'] === undefined ? 0.01 : Number(values['excluded-share']);
  if (!(excludedShare >= 0 && excludedShare <= 1)) throw new UsageError('--excluded-share must be between 0 and 1');

  const env = readEnv();
  const databases = await openDatabases(env);
  const stateSql = createSql(databases.urls.state, { max: 2 });
  const districtSql = databases.urls.district === databases.urls.state ? stateSql : createSql(databases.urls.district, { max: 2 });
  try {
    await migrate(stateSql);
    const result = await seedDistrict(stateSql, districtSql, {
      districtId, students: positiveInt('students', values.students), scopedYear, years,
      state: values.state?.toUpperCase() ?? null, reportingEntity: values['reporting-entity'],
      seed: positiveInt('seed', values.seed, 1), excludedShare,
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ district: districtId, schoolYears: years, records: result.records, total: result.total, seconds: Number(result.seconds.toFixed(2)) })}\n`);
    } else {
      for (const { object, records } of result.records) process.stdout.write(`${object.padEnd(30)} ${String(records).padStart(10)}\n`);
      process.stdout.write(`${'total'.padEnd(30)} ${String(result.total).padStart(10)}  (${result.seconds.toFixed(1)} s, ${Math.round(result.total / result.seconds)} records/s)\n`);
    }
  } finally {
    await stateSql.end({ timeout: 5 });
    if (districtSql !== stateSql) await districtSql.end({ timeout: 5 });
    await databases.release();
  }
}
