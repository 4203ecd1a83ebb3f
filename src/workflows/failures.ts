// Failure types and helpers shared by the workflows.
import { ApplicationFailure } from '@temporalio/workflow';

export const INVALID_RESYNC_REQUEST = 'InvalidResyncRequest';
export const RESYNC_ALREADY_RUNNING = 'ResyncAlreadyRunning';
export const RESYNC_OBJECTS_FAILED = 'ResyncObjectsFailed';

/** Errors that retrying cannot fix: listed in activity retry policies. */
export const NON_RETRYABLE_ERRORS = ['UnknownRangeError', 'UnknownDistrict', 'CatalogError', INVALID_RESYNC_REQUEST];

export function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, INVALID_RESYNC_REQUEST);
}

/** The innermost message of a failure chain (child → activity → application failure). */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  while (current instanceof Error) {
    if (current.message) message = current.message;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return message;
}
