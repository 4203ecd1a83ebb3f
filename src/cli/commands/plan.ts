// `npx resync plan`: the planner from the command line. The --json output is a contract other
// tools rely on: exactly {"levels": [[...]], "excluded": [{"object", "reason"}]}.
import { InvalidArgumentError, Option, type Command } from '@commander-js/extra-typings';
import { CATALOG, planResync, type DistrictProfile, type Plan, type SchoolYearArgument, type SchoolYearChoice } from '../../domain';
import { EXIT } from '../exit-codes';
import { allOption, jsonOption, objectSelection, objectsOption, yearOption } from '../options';
import { UsageError } from '../usage-error';

export function profileFromFlags(state: string | undefined, reportingEntity: boolean): DistrictProfile {
  const yearTied = CATALOG.objects.filter((object) => object.yearTied).map((object) => object.name);
  return {
    state: state ? state.toUpperCase() : null,
    reportingEntity,
    disabledObjects: [],
    yearSync: { previous: yearTied, next: yearTied },
  };
}

/** The plan has no district, so no scoped year to place an explicit school year against. */
function yearChoice(year: SchoolYearArgument | undefined): SchoolYearChoice {
  if (year === undefined) return 'current';
  if ('choice' in year) return year.choice;
  throw new UsageError('plan has no district, hence no scoped year to place a school year such as 2026-27 against: write --year current, previous or next');
}

function formatTable(plan: Plan): string {
  const lines = [`${plan.kind} resync, ${plan.levels.flat().length} object(s) in ${plan.levels.length} level(s)`];
  plan.levels.forEach((level, i) => {
    const names = level.map((name) => (plan.addedByCheckDependencies.includes(name) ? `${name} (dependency)` : name));
    lines.push(`  level ${String(i + 1).padStart(2)}  ${names.join(', ')}`);
  });
  if (plan.excluded.length > 0) {
    lines.push('excluded:');
    for (const { object, reason } of plan.excluded) lines.push(`  ${object.padEnd(30)} ${reason}`);
  }
  return lines.join('\n');
}

export function registerPlan(program: Command): void {
  program.command('plan')
    .summary('show the parent-first plan of a resync')
    .description('Show the parent-first plan of a resync, level by level, and the objects it excludes with their reasons. Works offline: no API, no database.')
    .addOption(objectsOption())
    .addOption(allOption())
    .option('--check-dependencies', 'add every parent of the selected objects, synchronised first')
    .addOption(yearOption('current | previous | next: for previous/next, every year-tied object counts as configured for that year (default: current)'))
    .addOption(new Option('--state <code>', 'the district\'s state (KY, SD, ME, BIE, MT, ...); without it, a generic state: every object not specific to a state or region applies')
      .argParser((value) => {
        if (!/^[A-Za-z]{2,3}$/.test(value)) throw new InvalidArgumentError(`write a state code such as KY or BIE, not "${value}"`);
        return value;
      }))
    .option('--reporting-entity', 'the district uses the reporting-entity layer (never in Montana)')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  npx resync plan --objects TestScore --check-dependencies
  npx resync plan --objects all --state KY --json
  npx resync plan --objects Enrollment --year previous

--json prints exactly {"levels": [[...], ...], "excluded": [{"object", "reason"}]}.`)
    .action((options) => {
      const plan = planResync(
        { objects: objectSelection(options), checkDependencies: options.checkDependencies ?? false, year: yearChoice(options.year) },
        profileFromFlags(options.state, options.reportingEntity ?? false),
      );
      const output = options.json ? JSON.stringify({ levels: plan.levels, excluded: plan.excluded }) : formatTable(plan);
      process.stdout.write(`${output}\n`);
      process.exitCode = EXIT.OK;
    });
}
