// Failure helpers shared by the workflows.
import { ApplicationFailure } from '@temporalio/workflow';
import { InvalidResyncRequestError } from '../domain/errors';
import { NON_RETRYABLE_ERRORS } from './policies';

/** A request that can never run: fails the workflow at once, with the reason. */
export function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, InvalidResyncRequestError.name);
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

/** Whether retrying may fix what failed: no failure in the chain is non-retryable, by its flag or
 *  by its type (NON_RETRYABLE_ERRORS). */
export function retryMayFix(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = (current as Error & { cause?: unknown }).cause) {
    if (current instanceof ApplicationFailure && (current.nonRetryable || NON_RETRYABLE_ERRORS.includes(current.type ?? ''))) return false;
  }
  return true;
}
