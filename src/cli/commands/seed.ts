// `npx resync seed`: generate a realistic district and load it into a database of its own
// (`district_<id>`; RESYNC_TOPOLOGY=colocated: the district database) (seed-run.ts, loaded on demand).
import { InvalidArgumentError, Option, type Command } from '@commander-js/extra-typings';
import { InvalidSchoolYearError, isValidDistrictId, resolveSchoolYear, schoolYearLabel, schoolYearOn, type SchoolYearArgument } from '../../domain';
import { EXIT } from '../exit-codes';
import { jsonOption, wholeNumber, yearOption } from '../options';
import { UsageError } from '../usage-error';

/** The school year running today (it starts in August), by its first calendar year. */
export function currentSchoolYear(today = new Date()): number {
  return schoolYearOn(today);
}

function parseShare(value: string): number {
  const share = Number(value);
  if (value.trim() === '' || !(share >= 0 && share <= 1)) throw new InvalidArgumentError(`must be between 0 and 1, not "${value}"`);
  return share;
}

function parseDistrictId(value: string): string {
  const districtId = value.toLowerCase();
  if (!isValidDistrictId(districtId)) throw new InvalidArgumentError('a district id is letters, digits and _ (e.g. 1001)');
  return districtId;
}

/** `--years previous,2026-27` → first calendar years, relative choices placed against the scoped year. */
function yearsToGenerate(list: string | undefined, scopedYear: number): number[] {
  if (list === undefined) return [scopedYear];
  return list.split(',').map((entry) => {
    try {
      return resolveSchoolYear(entry, scopedYear).schoolYear;
    } catch (error) {
      if (error instanceof InvalidSchoolYearError) throw new UsageError(`--years: ${error.message}`);
      throw error;
    }
  });
}

/** seed creates the district, so --year names its scoped year explicitly; "current" means today's. */
function scopedYearOf(year: SchoolYearArgument | undefined): number {
  if (year === undefined) return currentSchoolYear();
  if ('schoolYear' in year) return year.schoolYear;
  if (year.choice === 'current') return currentSchoolYear();
  throw new UsageError(`seed --year names the district's scoped year: write it as a school year such as ${schoolYearLabel(currentSchoolYear())} (or current, the one running today)`);
}

export function registerSeed(program: Command): void {
  program.command('seed')
    .summary('generate a realistic district into a database of its own')
    .description('Generate a realistic district (every applicable object, plausible volumes, a small share of state-excluded records), deterministic for a seed, bulk-load it into a database of its own, district_<id>, on the district server (RESYNC_TOPOLOGY=colocated: into the district database itself), and register it.')
    .addOption(new Option('--district <id>', 'the district id: letters, digits and _, e.g. 1001 (required)').argParser(parseDistrictId).makeOptionMandatory())
    .requiredOption('--students <n>', 'how many students (required)', wholeNumber(0))
    .addOption(yearOption('the district\'s scoped (current) school year, written 2026-27 (default: the school year running today)'))
    .option('--years <list>', 'school years to generate: school years such as 2025-26,2026-27, or previous,current,next relative to --year (default: the scoped year)')
    .addOption(new Option('--state <code>', 'the district\'s state (KY, SD, ME, BIE, MT, ...)').argParser((value) => {
      if (!/^[A-Za-z]{2,3}$/.test(value)) throw new InvalidArgumentError(`write a state code such as KY, not "${value}"`);
      return value.toUpperCase();
    }))
    .option('--reporting-entity', 'the district uses the reporting-entity layer')
    .option('--seed <int>', 'random seed: the same seed gives the same district', wholeNumber(0), 1)
    .option('--excluded-share <share>', 'share of enrollments flagged state-excluded, 0..1', parseShare, 0.01)
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  npx resync seed --district 1002 --students 5000 --state KY
  npx resync seed --district 1003 --students 800 --year 2026-27 --years previous,current`)
    .action(async (options) => {
      const scopedYear = scopedYearOf(options.year);
      const years = yearsToGenerate(options.years, scopedYear);
      const { runSeed } = await import('./seed-run');
      await runSeed({ ...options, scopedYear, years });
      process.exitCode = EXIT.OK;
    });
}
