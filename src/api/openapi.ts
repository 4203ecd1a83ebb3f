// The OpenAPI 3.1 document, built from the same zod schemas that validate requests, so the
// contract cannot drift from the implementation.
import { z } from 'zod';
import {
  AlertsQuery, BatchParams, bodyRequired, DistrictParams, EmptyQuery, ErrorsQuery, HistoryQuery, QUERY_INTEGER_META, ResyncBody, VerificationQuery,
  YearBody, YearQuery,
} from './schemas';

type Json = Record<string, unknown>;

/** A query integer arrives as digits but is documented as the integer it is (see queryInteger). */
const documentQueryIntegers = (context: { zodSchema: unknown; jsonSchema: Json }): void => {
  const meta = z.globalRegistry.get(context.zodSchema as z.ZodType)?.[QUERY_INTEGER_META];
  if (!meta) return;
  for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
  Object.assign(context.jsonSchema, meta);
};

const jsonSchema = (schema: z.ZodType): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', override: documentQueryIntegers }) as Json;
  return rest;
};

function parameters(where: 'path' | 'query', schema: z.ZodObject): Json[] {
  const properties = (jsonSchema(schema).properties ?? {}) as Record<string, Json>;
  const required = new Set((jsonSchema(schema).required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name, in: where, required: where === 'path' || required.has(name), schema: property,
  }));
}

const problem = { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [String(status), problem]));
const ok = (description: string, schema: Json = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const body = (schema: z.ZodType) => ({ required: bodyRequired(schema), content: { 'application/json': { schema: jsonSchema(schema) } } });
const secured = { security: [{ bearer: [] }] };

const tooMany = {
  ...problem,
  description: 'Too many requests from this caller (API_RATE_LIMIT per API_RATE_WINDOW_SECONDS), or, for verification, too many running for the district: Retry-After says when to try again',
  headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
};

/** Every authenticated operation can be refused by the per-caller rate limit. */
function withRateLimit(paths: Record<string, Record<string, Json>>): Record<string, Record<string, Json>> {
  return Object.fromEntries(Object.entries(paths).map(([path, operations]) => [path, Object.fromEntries(Object.entries(operations).map(([method, operation]) =>
    [method, operation.security ? { ...operation, responses: { ...(operation.responses as Json), 429: tooMany } } : operation]))]));
}

export function openApiDocument(): Json {
  const district = parameters('path', DistrictParams);
  const batch = parameters('path', BatchParams);
  return {
    openapi: '3.1.0',
    info: {
      title: 'State Resync API',
      version: '1.0.0',
      description: 'Resync a district\'s data to the state database: full or partial, parents before children, with results, history and alerts.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from RESYNC_API_TOKENS: state, or district:<id>.' } },
      schemas: {
        Problem: {
          type: 'object', required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' },
          },
        },
        ResyncRequest: jsonSchema(ResyncBody),
        StatusColour: { type: 'string', enum: ['green', 'yellow', 'red', 'gray'] },
      },
    },
    paths: withRateLimit({
      '/healthz': { get: { summary: 'Readiness of PostgreSQL and Temporal', responses: { 200: ok('Ready'), 503: ok('Not ready') } } },
      '/api/me': { get: { ...secured, summary: 'Who the token is: the state, or a district', responses: { 200: ok('Role'), ...problems(401) } } },
      '/api/districts': { get: { ...secured, summary: 'Districts the caller may see', responses: { 200: ok('Districts'), ...problems(401) } } },
      '/api/districts/{district}/objects': {
        get: {
          ...secured, summary: 'The Resync State Data table: each offered object with its last result',
          parameters: [...district, ...parameters('query', YearQuery)],
          responses: { 200: ok('Objects'), ...problems(400, 401, 403, 404, 422) },
        },
      },
      '/api/districts/{district}/resyncs': {
        post: {
          ...secured, summary: 'Start a full or partial resync', parameters: district, requestBody: body(ResyncBody),
          responses: { 202: ok('Accepted: batch id, workflow id and plan'), ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
        },
      },
      '/api/districts/{district}/resyncs/plan': {
        post: {
          ...secured, summary: 'Dry run: the plan, the records each planned object would send, and a warning (null when none) naming the parents missing at the state and about how many records will fail for them', parameters: district,
          requestBody: body(ResyncBody), responses: { 200: ok('Plan'), ...problems(400, 401, 403, 404, 413, 415, 422) },
        },
      },
      '/api/districts/{district}/activity': {
        get: {
          ...secured,
          summary: 'What the tool page polls to stay live: queued and running batches (objects of those the caller may see), and marks that change with the history and the alerts. Send If-None-Match with the last ETag: 304 when nothing changed',
          parameters: [...district, ...parameters('query', EmptyQuery)],
          responses: {
            200: { ...ok('Activity'), headers: { ETag: { description: 'Send it back as If-None-Match', schema: { type: 'string' } } } },
            304: { description: 'Not modified since the ETag sent' },
            ...problems(400, 401, 403, 404),
          },
        },
      },
      '/api/districts/{district}/history': {
        get: {
          ...secured, summary: 'Batch history, newest first', parameters: [...district, ...parameters('query', HistoryQuery)],
          responses: { 200: ok('Batches'), ...problems(400, 401, 403, 404, 422) },
        },
      },
      '/api/districts/{district}/verification': {
        get: {
          ...secured, summary: 'Verification summary: district vs state, per object', parameters: [...district, ...parameters('query', VerificationQuery)],
          responses: { 200: ok('Verification'), ...problems(400, 401, 403, 404, 422) },
        },
      },
      '/api/districts/{district}/verify-and-resync': {
        post: {
          ...secured, summary: 'Verify, then resync exactly the objects that differ (with their parents), then verify again',
          parameters: district, requestBody: body(YearBody),
          responses: { 202: ok('Started: workflow id'), 409: { ...problem, description: 'One is already running for this district and year: runningWorkflowId names it' }, ...problems(400, 401, 403, 404, 413, 415, 422) },
        },
      },
      '/api/resyncs/{batch}': {
        get: { ...secured, summary: 'A batch: live while it runs, from history afterwards', parameters: batch, responses: { 200: ok('Batch'), ...problems(400, 401, 403, 404) } },
      },
      '/api/resyncs/{batch}/cancel': {
        post: { ...secured, summary: 'Cancel a queued or running batch', parameters: batch, responses: { 202: ok('Cancellation requested'), ...problems(400, 401, 403, 404, 409) } },
      },
      '/api/resyncs/{batch}/errors': {
        get: {
          ...secured, summary: 'The error log of a batch: each entry with its record and its cause named (person, school, calendar), the causes grouped; paged; cause=<Object>:<id> narrows to one cause, order=cause lists each cause\'s records together; format=csv downloads every entry with every column', parameters: [...batch, ...parameters('query', ErrorsQuery)],
          responses: { 200: { description: 'Errors', content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } } }, ...problems(400, 401, 403, 404) },
        },
      },
      '/api/state/districts/{district}/resync-requests': {
        post: {
          ...secured, summary: 'State-initiated resync (state only): queued if busy, raises a process alert', parameters: district,
          requestBody: body(ResyncBody), responses: { 202: ok('Accepted'), ...problems(400, 401, 403, 404, 413, 415, 422) },
        },
      },
      '/api/alerts': {
        get: { ...secured, summary: 'Process alerts', parameters: parameters('query', AlertsQuery), responses: { 200: ok('Alerts'), ...problems(400, 401, 403) } },
      },
      '/api/openapi.json': { get: { summary: 'This document', responses: { 200: ok('OpenAPI 3.1 document') } } },
    }),
  };
}
