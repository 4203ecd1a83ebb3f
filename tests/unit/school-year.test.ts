// The school-year convention: machines carry 2026, people write 2026-27; a bare year is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidSchoolYearError, parseSchoolYear, parseSchoolYearArgument, resolveSchoolYear, SchoolYearOutOfScopeError,
  schoolYearLabel, schoolYearOfChoice, schoolYearOn,
} from '../../src/domain';

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('schoolYearLabel / parseSchoolYear', () => {
  it('labels the first calendar year, across the century', () => {
    expect(schoolYearLabel(2026)).toBe('2026-27');
    expect(schoolYearLabel(2009)).toBe('2009-10');
    expect(schoolYearLabel(2099)).toBe('2099-00');
  });

  it('parses labels back to the first calendar year', () => {
    expect(parseSchoolYear('2026-27')).toBe(2026);
    expect(parseSchoolYear(' 2099-00 ')).toBe(2099);
    fc.assert(fc.property(fc.integer({ min: 1900, max: 2999 }), (year) => parseSchoolYear(schoolYearLabel(year)) === year));
  });

  it('refuses a bare year, naming both school years it could mean', () => {
    const error = errorOf(() => parseSchoolYear('2026'));
    expect(error).toBeInstanceOf(InvalidSchoolYearError);
    expect(error.message).toBe('a bare year "2026" is ambiguous: write the school year as 2026-27 (the one starting in 2026) or 2025-26 (the one ending in 2026)');
    expect((error as InvalidSchoolYearError).input).toBe('2026');
  });

  it('refuses spans that are not one school year, and the four-digit second half', () => {
    expect(errorOf(() => parseSchoolYear('2026-28')).message).toBe('"2026-28" is not a school year: a school year spans two consecutive years, e.g. 2026-27');
    expect(errorOf(() => parseSchoolYear('2026-2027')).message).toBe('write the school year as 2026-27, not "2026-2027"');
    expect(errorOf(() => parseSchoolYear('26-27'))).toBeInstanceOf(InvalidSchoolYearError);
    expect(errorOf(() => parseSchoolYear('0026-27'))).toBeInstanceOf(InvalidSchoolYearError);
    expect(errorOf(() => parseSchoolYear(''))).toBeInstanceOf(InvalidSchoolYearError);
  });
});

describe('parseSchoolYearArgument', () => {
  it('takes the relative choices (any case) and labels', () => {
    expect(parseSchoolYearArgument('current')).toEqual({ choice: 'current' });
    expect(parseSchoolYearArgument('Previous')).toEqual({ choice: 'previous' });
    expect(parseSchoolYearArgument('next')).toEqual({ choice: 'next' });
    expect(parseSchoolYearArgument('2025-26')).toEqual({ schoolYear: 2025 });
  });

  it('refuses a bare year with the label to write, and words with the list of choices', () => {
    expect(errorOf(() => parseSchoolYearArgument('2027')).message).toContain('2027-28');
    expect(errorOf(() => parseSchoolYearArgument('someday')).message).toBe('"someday" is not a school year: write current, previous, next or a school year such as 2026-27');
  });
});

describe('resolveSchoolYear', () => {
  it('places choices and labels against the scoped year', () => {
    expect(resolveSchoolYear('current', 2026)).toEqual({ choice: 'current', schoolYear: 2026 });
    expect(resolveSchoolYear('previous', 2026)).toEqual({ choice: 'previous', schoolYear: 2025 });
    expect(resolveSchoolYear('2027-28', 2026)).toEqual({ choice: 'next', schoolYear: 2027 });
    expect(resolveSchoolYear({ schoolYear: 2025 }, 2026)).toEqual({ choice: 'previous', schoolYear: 2025 });
    expect(schoolYearOfChoice('next', 2026)).toBe(2027);
  });

  it('refuses school years beyond previous and next, naming the scoped year and the choices', () => {
    const error = errorOf(() => resolveSchoolYear('2024-25', 2026));
    expect(error).toBeInstanceOf(SchoolYearOutOfScopeError);
    expect(error.message).toBe('2024-25 is not a school year this district can work on: its scoped year is 2026-27, so the choices are 2025-26 (previous), 2026-27 (current) and 2027-28 (next)');
    expect(errorOf(() => resolveSchoolYear('2026', 2026))).toBeInstanceOf(InvalidSchoolYearError);
  });
});

describe('schoolYearOn', () => {
  it('starts the school year in August (UTC)', () => {
    expect(schoolYearOn(new Date('2026-07-31T23:59:59Z'))).toBe(2025);
    expect(schoolYearOn(new Date('2026-08-01T00:00:00Z'))).toBe(2026);
    expect(schoolYearOn(new Date('2027-03-01T00:00:00Z'))).toBe(2026);
  });
});
