// Options several commands share, defined once so that they read and behave alike everywhere:
// --objects (with "all"), --all, --year, --json, --as, --district.
import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { InvalidSchoolYearError, parseSchoolYear, parseSchoolYearArgument, RESYNC_METHODS } from '../domain';
import { UsageError } from './usage-error';

/** What a resync or verification covers: every object, or the named ones. */
export type ObjectSelection = 'all' | string[];

/** "all" (any case) → 'all'; "A, B,,C" → ['A', 'B', 'C']. */
export function parseObjects(value: string): ObjectSelection {
  if (value.trim().toLowerCase() === 'all') return 'all';
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('name objects as A,B,... or write "all"');
  return names;
}

export const objectsOption = (what = 'objects to resync') =>
  new Option('--objects <names>', `${what}: "all" (a full resync) or a comma-separated list, e.g. Roster,TestScore`)
    .argParser(parseObjects);

export const allOption = () => new Option('--all', 'the same as --objects all').conflicts('objects');

/** --all / --objects → the selection; one of them is required. */
export function objectSelection(options: { objects?: ObjectSelection | undefined; all?: boolean | undefined }): ObjectSelection {
  if (options.all) return 'all';
  if (options.objects === undefined) throw new UsageError('give --objects all (a full resync) or --objects A,B,... (or --all)');
  return options.objects;
}

/** Commander's way to refuse an option value: the message names the option and the value. */
function asOptionError<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof InvalidSchoolYearError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

export const YEAR_HELP = 'current | previous | next (relative to the district\'s scoped year), or a school year such as 2026-27';

export const yearOption = (description = `the school year: ${YEAR_HELP} (default: current)`) =>
  new Option('--year <year>', description).argParser(asOptionError(parseSchoolYearArgument));

/** A school year written as a label only ("2026-27" → 2026), for options that need an explicit year. */
export const schoolYearLabelParser = asOptionError(parseSchoolYear);

/** How the records travel (issue 13): every record written, or only the records that differ. */
export const methodOption = () =>
  new Option('--method <method>', 'copy (write every record; the default) | differential (compare page by page, write only what differs)')
    .choices(RESYNC_METHODS);

export const jsonOption = () => new Option('--json', 'machine-readable output (one JSON document on stdout)');

export const asOption = () => new Option('--as <role>', 'use the demo token of this role (state or district:<id>) from .data/api-tokens.json');

export const districtOption = () => new Option('--district <id>', 'the district, e.g. 1001 (required)').makeOptionMandatory();

/** A whole number ≥ min, for counts and limits. */
export function wholeNumber(min: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${value}"`);
    }
    return parsed;
  };
}
