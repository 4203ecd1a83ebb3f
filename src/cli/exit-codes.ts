// What `npx resync` exits with. Scripts and schedulers branch on these numbers, so they are
// chosen once, here, and documented in --help and the README from the same table.

export const EXIT = {
  /** Completed green (no errors), in sync, or the command simply did its job. */
  OK: 0,
  /** Anything else that went wrong: the API or a database did not answer, the API refused. */
  ERROR: 1,
  /** The command line is wrong, or names a district, object, school year, batch or rollover that is not there. */
  USAGE: 2,
  /** The batch completed, but some records did not reach the state (yellow or red objects). */
  COMPLETED_WITH_ERRORS: 3,
  /** The batch failed: an object failed after its retries (its dependents were skipped). */
  FAILED: 4,
  /** The batch was cancelled. */
  CANCELLED: 5,
  /** The verification found district and state out of sync (after a green batch, or on its own). */
  OUT_OF_SYNC: 6,
  /** `status` without --watch: the batch is still queued or running. */
  NOT_FINISHED: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit-code table, as --help and the README show it. */
export const EXIT_CODE_ROWS: readonly (readonly [ExitCode, string])[] = [
  [EXIT.OK, 'completed green (no errors), in sync, or done'],
  [EXIT.ERROR, 'other error (API, database or Temporal unreachable; request refused by the API)'],
  [EXIT.USAGE, 'usage error: unknown command or option, bad value; unknown district, object or school year; no data for the year; no such batch or rollover'],
  [EXIT.COMPLETED_WITH_ERRORS, 'the batch completed with errors (yellow or red objects)'],
  [EXIT.FAILED, 'the batch failed (an object failed; its dependents were skipped)'],
  [EXIT.CANCELLED, 'the batch was cancelled'],
  [EXIT.OUT_OF_SYNC, 'out of sync after verification'],
  [EXIT.NOT_FINISHED, 'status without --watch: the batch is still queued or running'],
];

/** Which outcome a batch reports when several apply (see exitCodeForBatch). */
export const BATCH_PRECEDENCE = `A batch reports the first that applies: ${EXIT.FAILED}, ${EXIT.CANCELLED}, ${EXIT.COMPLETED_WITH_ERRORS}, ${EXIT.OUT_OF_SYNC}, ${EXIT.OK}.`;

/** The table as plain text for --help epilogues. */
export function exitCodeHelp(codes: readonly ExitCode[] = EXIT_CODE_ROWS.map(([code]) => code)): string {
  const rows = EXIT_CODE_ROWS.filter(([code]) => codes.includes(code));
  const batch = codes.includes(EXIT.FAILED) ? [`  ${BATCH_PRECEDENCE}`] : [];
  return ['Exit codes:', ...rows.map(([code, meaning]) => `  ${String(code).padEnd(3)} ${meaning}`), ...batch].join('\n');
}

/** The parts of a batch (as GET /api/resyncs/:batch returns it) that decide its exit code. */
export interface BatchOutcome {
  readonly status: string;
  /** Records that did not reach the state; absent when the caller may not see the objects. */
  readonly errors?: number;
  /** "completed with errors" etc.; present for every caller, also when objects are hidden. */
  readonly outcome?: string;
  readonly objects?: readonly { readonly colour: string; readonly verifiedInSync?: boolean | null }[];
  readonly verifications?: readonly { readonly purpose?: string; readonly inSync: boolean }[];
}

/**
 * A batch's exit code. Precedence: failed, cancelled, completed with errors, out of sync after
 * the post-run verification, green. (Errored records are usually also missing at the state, so
 * verification disagrees too; the errors are the cause worth reporting.)
 */
export function exitCodeForBatch(batch: BatchOutcome): ExitCode {
  if (batch.status === 'failed') return EXIT.FAILED;
  if (batch.status === 'cancelled') return EXIT.CANCELLED;
  if (batch.status !== 'completed') return EXIT.NOT_FINISHED;
  const withErrors = (batch.errors ?? 0) > 0 || batch.outcome === 'completed with errors'
    || (batch.objects ?? []).some((object) => object.colour === 'yellow' || object.colour === 'red');
  if (withErrors) return EXIT.COMPLETED_WITH_ERRORS;
  // Only the batch's own post-run verification: "verify, then resync" also files its 'before'
  // verification (out of sync by definition) with the batch.
  const outOfSync = (batch.verifications ?? []).some((verification) => verification.purpose === 'post-run' && !verification.inSync)
    || (batch.objects ?? []).some((object) => object.verifiedInSync === false);
  return outOfSync ? EXIT.OUT_OF_SYNC : EXIT.OK;
}
