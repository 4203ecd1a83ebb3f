// `npx resync plan`: the planner from the command line. The --json output is a contract other
// tools rely on: exactly {"levels": [[...]], "excluded": [{"object", "reason"}]}.
import { parseArgs } from 'node:util';
import {
  CATALOG, planResync, SCHOOL_YEAR_CHOICES, type DistrictProfile, type Plan, type SchoolYearChoice,
} from '../../domain';
import { UsageError } from '../usage-error';

const HELP = `usage: npx resync plan (--all | --objects A,B,...) [--check-dependencies]
                         [--year current|previous|next] [--state XX] [--reporting-entity] [--json]

  --state XX            the district's state (KY, SD, ME, BIE, MT, ...). Without it the plan is
                        for a generic state: every object that is not specific to a state or
                        region applies, ReportingEntity only with --reporting-entity.
  --year previous|next  every year-tied object counts as configured for that year.`;

export function profileFromFlags(state: string | undefined, reportingEntity: boolean): DistrictProfile {
  const yearTied = CATALOG.objects.filter((object) => object.yearTied).map((object) => object.name);
  return {
    state: state ? state.toUpperCase() : null,
    reportingEntity,
    disabledObjects: [],
    yearSync: { previous: yearTied, next: yearTied },
  };
}

function parseYear(value: string | undefined): SchoolYearChoice {
  if (value === undefined) return 'current';
  if (!(SCHOOL_YEAR_CHOICES as readonly string[]).includes(value)) {
    throw new UsageError(`--year must be one of ${SCHOOL_YEAR_CHOICES.join(', ')}, not "${value}"`);
  }
  return value as SchoolYearChoice;
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

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      all: { type: 'boolean', default: false },
      objects: { type: 'string' },
      'check-dependencies': { type: 'boolean', default: false },
      year: { type: 'string' },
      state: { type: 'string' },
      'reporting-entity': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (values.all === (values.objects !== undefined)) throw new UsageError('give exactly one of --all or --objects A,B,...');
  if (values.state !== undefined && !/^[A-Za-z]{2,3}$/.test(values.state)) {
    throw new UsageError(`--state must be a state code such as KY or BIE, not "${values.state}"`);
  }
  const objects = values.all ? 'all' : (values.objects ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const plan = planResync(
    { objects, checkDependencies: values['check-dependencies'], year: parseYear(values.year) },
    profileFromFlags(values.state, values['reporting-entity']),
  );
  const output = values.json ? JSON.stringify({ levels: plan.levels, excluded: plan.excluded }) : formatTable(plan);
  process.stdout.write(`${output}\n`);
}
