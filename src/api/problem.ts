// Errors as application/problem+json (RFC 9457): a status, a short title, a specific detail.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { InvalidPlanRequestError, ResyncAlreadyRunningError, UnknownDistrictError, VerifyThenResyncRunningError } from '../domain';
import type { Logger } from '../logging';

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    /** Response headers that belong to the problem (e.g. Retry-After on a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const notFound = (detail: string) => new HttpProblem(404, 'Not Found', detail);
export const forbidden = (detail: string) => new HttpProblem(403, 'Forbidden', detail);

const PROBLEM_TYPE_BASE = 'https://state-resync.example/problems/';

function problemOf(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ZodError) {
    const errors = error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
    return new HttpProblem(400, 'Invalid Request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }
  if (error instanceof InvalidPlanRequestError) {
    return new HttpProblem(422, 'Invalid Resync Request', error.message, error.unknownObjects.length > 0 ? { unknownObjects: error.unknownObjects } : {});
  }
  if (error instanceof UnknownDistrictError) return notFound(error.message);
  if (error instanceof VerifyThenResyncRunningError) {
    return new HttpProblem(409, 'Verify-Then-Resync Already Running', error.message, { runningWorkflowId: error.workflowId });
  }
  if (error instanceof ResyncAlreadyRunningError) {
    return new HttpProblem(409, 'Resync Already Running', error.message, error.running ? { runningBatchId: error.running.batchId } : {});
  }
  // Errors from express.json(): malformed or oversized bodies.
  const bodyError = error as { type?: string; status?: number; limit?: number };
  if (bodyError.type === 'entity.too.large') {
    // The limit is the route's (a Selective Sync's ids get more room than other bodies).
    return new HttpProblem(413, 'Payload Too Large', `the request body exceeds ${Math.round((bodyError.limit ?? 16_384) / 1024)} kB`);
  }
  if (bodyError.type === 'entity.parse.failed') return new HttpProblem(400, 'Invalid Request', 'the request body is not valid JSON');
  if (bodyError.type === 'encoding.unsupported' || bodyError.type === 'charset.unsupported') {
    return new HttpProblem(415, 'Unsupported Media Type', 'send the body as UTF-8 JSON');
  }
  // Anything else the HTTP layer refuses as the client's fault (an undecodable path parameter, a
  // body whose Content-Encoding lies) is a 400, not a server error.
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpProblem(400, 'Invalid Request', `the request could not be read: ${(error as Error).message}`);
  }
  return undefined;
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = problemOf(error) ?? new HttpProblem(500, 'Internal Server Error', 'the request failed; the error was logged');
    if (problem.status >= 500) log.error({ err: error, method: req.method, path: req.path }, 'request failed');
    res.set(problem.headers);
    res.status(problem.status).type('application/problem+json').json({
      type: problem.status >= 500 ? 'about:blank' : `${PROBLEM_TYPE_BASE}${slug(problem.title)}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      instance: req.originalUrl,
      ...problem.extensions,
    });
  };
}

export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(notFound(`no route ${req.method} ${req.baseUrl}${req.path}`));
};
