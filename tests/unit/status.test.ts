// The Status column (DESIGN §2.8).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statusColour, YELLOW_ERROR_SHARE, type ObjectOutcome } from '../../src/domain/status';

const done = (errors: number, processed: number) => statusColour('completed', { processed, errors });

describe('status colours', () => {
  it('gray while pending or running, whatever the counts', () => {
    for (const outcome of ['pending', 'running'] as const) {
      expect(statusColour(outcome, { processed: 0, errors: 0 })).toBe('gray');
      expect(statusColour(outcome, { processed: 100, errors: 50 })).toBe('gray');
    }
  });

  it('green when finished with no errors', () => {
    expect(done(0, 100)).toBe('green');
    expect(done(0, 1)).toBe('green');
  });

  it('0 of 0 is green', () => {
    expect(done(0, 0)).toBe('green');
  });

  it('yellow at errors up to 1 % of processed', () => {
    expect(done(1, 100)).toBe('yellow');
    expect(done(1, 101)).toBe('yellow');
    expect(done(10, 1000)).toBe('yellow');
    expect(done(7, 700)).toBe('yellow');
  });

  it('red above 1 %', () => {
    expect(done(2, 100)).toBe('red');
    expect(done(1, 99)).toBe('red');
    expect(done(11, 1000)).toBe('red');
    expect(done(1, 0)).toBe('red');
  });

  it('red when the object failed, was skipped or cancelled, even with no errors', () => {
    for (const outcome of ['failed', 'skipped', 'cancelled'] as const) {
      expect(statusColour(outcome, { processed: 0, errors: 0 })).toBe('red');
      expect(statusColour(outcome, { processed: 1000, errors: 0 })).toBe('red');
    }
  });

  it('the threshold is 1 %', () => {
    expect(YELLOW_ERROR_SHARE).toBe(0.01);
  });

  it('matches exact integer arithmetic: yellow iff 0 < 100·errors ≤ processed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 200_000 }), (processed, errors) => {
        const expected = errors === 0 ? 'green' : 100 * errors <= processed ? 'yellow' : 'red';
        expect(done(errors, processed)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('exactly 1 % is yellow for every multiple of 100 (no floating-point rounding to red)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (k) => {
        expect(done(k, 100 * k)).toBe('yellow');
        expect(done(k + 1, 100 * k)).toBe('red');
      }),
      { numRuns: 1000 },
    );
  });

  it('every colour has a legend line', () => {
    const outcomes: ObjectOutcome[] = ['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled'];
    const colours = new Set(outcomes.flatMap((o) => [statusColour(o, { processed: 100, errors: 0 }), statusColour(o, { processed: 100, errors: 1 }), statusColour(o, { processed: 100, errors: 2 })]));
    expect([...colours].sort()).toEqual(['gray', 'green', 'red', 'yellow']);
  });
});
