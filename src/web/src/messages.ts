// The page's two message lines: a polite status (progress, outcomes) and an assertive error
// banner; and the sentence a user reads for each failed call.
import { ApiError } from './api';
import { byId } from './dom';
import { emit } from './store';

export function say(text: string): void {
  byId('status').textContent = text;
}

/** Clears the status line if it still says `text` (what was said since, e.g. "Signed out.", stays). */
export function unsay(text: string): void {
  if (byId('status').textContent === text) say('');
}

export function showError(text: string): void {
  byId('error').textContent = text;
}

/** A sentence for the user, per the statuses the API documents. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return `The server could not be reached (${error instanceof Error ? error.message : String(error)}).`;
  const { status, problem } = error;
  const detail = problem.detail ? `: ${problem.detail}` : '';
  switch (status) {
    case 401: return 'The token was not accepted (401 Unauthorized). Check it and sign in again.';
    case 403: return `Access denied (403 Forbidden)${detail}.`;
    case 404: return `Not found (404)${detail}.`;
    case 409: return problem.runningBatchId
      ? `A resync is already running for this district and school year (batch ${problem.runningBatchId}). Wait for it to finish, then send again.`
      : `Conflict (409)${detail}.`;
    case 400:
    case 422: return `The request was refused (${status} ${problem.title})${detail}.`;
    default: return `${problem.title || 'Request failed'} (${status})${detail}.`;
  }
}

/** Shows a failed call; a 401 means the token is no good any more, so it ends the session. */
export function fail(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) emit('unauthorized', describeError(error));
  else showError(describeError(error));
}
