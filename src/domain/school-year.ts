// School years, as people write them and as machines carry them. Machine fields hold the first
// calendar year (2026 for the 2026-27 school year); people read and write the label "2026-27".
// A bare "2026" or "2027" is refused: "2027" has been misread as "the year ending in 2027".
// Pure: the CLI, the API and the workflows can all import it.
import { InvalidSchoolYearError, SchoolYearOutOfScopeError } from './errors';
import { SCHOOL_YEAR_CHOICES, type SchoolYearChoice } from './profile';

export { InvalidSchoolYearError, SchoolYearOutOfScopeError };

/** The earliest and latest first calendar years accepted: anything else is a typo. */
const FIRST_YEAR = 1900;
const LAST_YEAR = 2999;

/** 2026 → "2026-27"; 2099 → "2099-00". */
export function schoolYearLabel(schoolYear: number): string {
  return `${schoolYear}-${String((schoolYear + 1) % 100).padStart(2, '0')}`;
}

/**
 * "2026-27" → 2026 (the school year's first calendar year). Surrounding blanks are ignored.
 * @throws InvalidSchoolYearError for a bare year ("2026": ambiguous), a span that is not one year
 *   ("2026-28"), a four-digit second half ("2026-2027", written "2026-27" here) or anything else.
 */
export function parseSchoolYear(text: string): number {
  const input = text.trim();
  const bare = /^(\d{4})$/.exec(input);
  if (bare) {
    const year = Number(bare[1]);
    throw new InvalidSchoolYearError(text, `a bare year "${input}" is ambiguous: write the school year as `
      + `${schoolYearLabel(year)} (the one starting in ${year}) or ${schoolYearLabel(year - 1)} (the one ending in ${year})`);
  }
  const label = /^(\d{4})-(\d{2}|\d{4})$/.exec(input);
  if (!label) {
    throw new InvalidSchoolYearError(text, `"${input}" is not a school year: write it as 2026-27`);
  }
  const first = Number(label[1]);
  const second = label[2] as string;
  const expected = schoolYearLabel(first);
  if (first < FIRST_YEAR || first > LAST_YEAR) {
    throw new InvalidSchoolYearError(text, `"${input}" is not a plausible school year (${FIRST_YEAR}-${String((FIRST_YEAR + 1) % 100).padStart(2, '0')} to ${schoolYearLabel(LAST_YEAR)})`);
  }
  if (second.length === 4) {
    if (Number(second) === first + 1) throw new InvalidSchoolYearError(text, `write the school year as ${expected}, not "${input}"`);
  } else if (Number(second) === (first + 1) % 100) {
    return first;
  }
  throw new InvalidSchoolYearError(text, `"${input}" is not a school year: a school year spans two consecutive years, e.g. ${expected}`);
}

/** What a `--year` (or API `year`) value names before a district is known. */
export type SchoolYearArgument =
  | { readonly choice: SchoolYearChoice }
  | { readonly schoolYear: number };

/**
 * "current" | "previous" | "next" (any case) → { choice }; "2026-27" → { schoolYear: 2026 }.
 * @throws InvalidSchoolYearError for anything else, including a bare "2026".
 */
export function parseSchoolYearArgument(text: string): SchoolYearArgument {
  const choice = text.trim().toLowerCase();
  if ((SCHOOL_YEAR_CHOICES as readonly string[]).includes(choice)) return { choice: choice as SchoolYearChoice };
  // Input that looks like a year gets parseSchoolYear's precise complaint; anything else the list.
  if (!/^\d{4}(-\d+)?$/.test(text.trim())) {
    throw new InvalidSchoolYearError(text, `"${text.trim()}" is not a school year: write ${SCHOOL_YEAR_CHOICES.join(', ')} or a school year such as 2026-27`);
  }
  return { schoolYear: parseSchoolYear(text) };
}

/** The first calendar year a choice names for a district scoped to `scopedYear`. */
export function schoolYearOfChoice(choice: SchoolYearChoice, scopedYear: number): number {
  return scopedYear + (choice === 'previous' ? -1 : choice === 'next' ? 1 : 0);
}

/**
 * A `--year` value (a choice or a label, as text or already parsed) against a district's scoped
 * year → the choice and the school year it names: ("2025-26", 2026) → { previous, 2025 }.
 * Whether the district is configured to sync that year is the caller's question.
 * @throws InvalidSchoolYearError for badly written input; SchoolYearOutOfScopeError for a school
 *   year other than scopedYear-1 .. scopedYear+1.
 */
export function resolveSchoolYear(value: string | SchoolYearArgument, scopedYear: number): { choice: SchoolYearChoice; schoolYear: number } {
  const argument = typeof value === 'string' ? parseSchoolYearArgument(value) : value;
  if ('choice' in argument) return { choice: argument.choice, schoolYear: schoolYearOfChoice(argument.choice, scopedYear) };
  const offset = argument.schoolYear - scopedYear;
  const choice = offset === -1 ? 'previous' : offset === 0 ? 'current' : offset === 1 ? 'next' : undefined;
  if (!choice) {
    throw new SchoolYearOutOfScopeError(`${schoolYearLabel(argument.schoolYear)} is not a school year this district can work on: `
      + `its scoped year is ${schoolYearLabel(scopedYear)}, so the choices are ${schoolYearLabel(scopedYear - 1)} (previous), `
      + `${schoolYearLabel(scopedYear)} (current) and ${schoolYearLabel(scopedYear + 1)} (next)`, argument.schoolYear, scopedYear);
  }
  return { choice, schoolYear: argument.schoolYear };
}

/** The school year running on a date (UTC): it starts in August. 2026-09-01 → 2026, 2027-03-01 → 2026. */
export function schoolYearOn(date: { getUTCFullYear(): number; getUTCMonth(): number }): number {
  return date.getUTCMonth() >= 7 ? date.getUTCFullYear() : date.getUTCFullYear() - 1;
}
