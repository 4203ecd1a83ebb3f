// Every error class the system throws across a boundary (activity → workflow, data → API), in one
// place. Retry policies list the ones retrying cannot fix by `ErrorClass.name` (see
// src/workflows/policies.ts), and Temporal reports a thrown error's `name` as its failure type, so
// a class renamed here is renamed everywhere at once. Pure: workflow code imports it.

/** The catalog data itself is inconsistent (an unknown parent, a cycle…); raised at load. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid object catalog: ${problems.join('; ')}`);
  }
}

export interface UnknownObject {
  readonly name: string;
  readonly suggestion?: string;
}

/** A resync request the planner cannot plan: unknown objects, nothing selected, a year the
 *  district does not sync. */
export class InvalidPlanRequestError extends Error {
  override readonly name = 'InvalidPlanRequestError';
  constructor(message: string, readonly unknownObjects: readonly UnknownObject[] = []) {
    super(message);
  }
}

/** A workflow input that can never run (bad district id, no objects left, a year mismatch). */
export class InvalidResyncRequestError extends Error {
  override readonly name = 'InvalidResyncRequestError';
}

export class UnknownDistrictError extends Error {
  override readonly name = 'UnknownDistrictError';
  constructor(readonly districtId: string) {
    super(`district "${districtId}" is not registered`);
  }
}

export class UnknownBatchError extends Error {
  override readonly name = 'UnknownBatchError';
  constructor(readonly batchId: string) {
    super(`no resync batch ${batchId}`);
  }
}

/** A key range a copy activity was asked for does not exist (its batch was deleted). */
export class UnknownRangeError extends Error {
  override readonly name = 'UnknownRangeError';
}

/** Another attempt has moved the range on (this one stalled past its heartbeat timeout and was
 *  retried elsewhere): its page is rolled back rather than counted twice. Retryable: the next
 *  attempt resumes from the committed cursor. */
export class SupersededAttemptError extends Error {
  override readonly name = 'SupersededAttemptError';
}

/** Two requests drew the same batch id: refused, never merged into one batch. */
export class BatchIdCollisionError extends Error {
  override readonly name = 'BatchIdCollisionError';
  constructor(readonly batchId: string) {
    super(`batch id ${batchId} is already taken by another request`);
  }
}

/** A district request while the district's lane (district and school year) is busy (DESIGN §2.12). */
export class ResyncAlreadyRunningError extends Error {
  override readonly name = 'ResyncAlreadyRunningError';
  constructor(message: string, readonly running: { batchId: string; workflowId: string } | undefined) {
    super(message);
  }
}

/** A "verify, then resync" of the same district and school year is already running. */
export class VerifyThenResyncRunningError extends Error {
  override readonly name = 'VerifyThenResyncRunningError';
  constructor(message: string, readonly workflowId: string) {
    super(message);
  }
}

/** The district's scoped year is no longer the one a year switch expected. */
export class ScopedYearChangedError extends Error {
  override readonly name = 'ScopedYearChangedError';
}

/** One or more objects of a batch failed; the batch's workflow fails with this type. */
export class ResyncObjectsFailedError extends Error {
  override readonly name = 'ResyncObjectsFailedError';
}

/** A school year written in a way this module does not accept (bare year, wrong span, garbage). */
export class InvalidSchoolYearError extends Error {
  override readonly name = 'InvalidSchoolYearError';
  constructor(readonly input: string, message: string) {
    super(message);
  }
}

/** A well-written school year that is none of the district's previous, current or next year. */
export class SchoolYearOutOfScopeError extends Error {
  override readonly name = 'SchoolYearOutOfScopeError';
  constructor(message: string, readonly schoolYear: number, readonly scopedYear: number) {
    super(message);
  }
}
