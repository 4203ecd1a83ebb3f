// The State Resync API as seen from the page: every call carries the bearer token; failures
// arrive as application/problem+json and are thrown as ApiError with the problem attached.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

export function createApi(token) {
  async function request(method, path, body) {
    const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json, application/problem+json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.ok) return response;
    let problem = { title: response.statusText, status: response.status, detail: '' };
    try {
      problem = { ...problem, ...(await response.json()) };
    } catch {
      // Not a problem document (e.g. a proxy's error page): the status line is all we have.
    }
    throw new ApiError(response.status, problem);
  }
  return {
    get: async (path) => (await request('GET', path)).json(),
    post: async (path, body) => (await request('POST', path, body)).json(),
    blob: async (path) => (await request('GET', path)).blob(),
  };
}

/** A sentence for the user, per the statuses the API documents. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return `The server could not be reached (${error.message}).`;
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
