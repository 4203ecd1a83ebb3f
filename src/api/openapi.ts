// The OpenAPI 3.1 document, built from the same zod schemas that validate requests, so the
// contract cannot drift from the implementation.
import { z } from 'zod';
import {
  AlertParams, AlertsQuery, BatchParams, bodyRequired, DistrictParams, DistrictSettingsBody, EmptyQuery, ErrorsQuery, HistoryQuery, QUERY_INTEGER_META,
  RecordSearchQuery, ResyncBody, SelectiveBody, StateResyncBody, StateResyncParams, VerificationQuery, YearBody, YearQuery,
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
/** An operation any user of the tool may call (Read rights), or only users with Write rights (it
 *  sends or cancels a resync; a Read-only user gets 403). `x-tool-right` says which. */
const secured = { security: [{ bearer: [] }], 'x-tool-right': 'read' };
const writing = { security: [{ bearer: [] }], 'x-tool-right': 'write' };

const me = {
  type: 'object', required: ['role', 'name', 'rights'],
  properties: {
    role: { type: 'string', enum: ['state', 'district'] },
    districtId: { type: 'string', description: 'The district of a district user' },
    name: { type: 'string', description: 'Shown as "requested by" and "cancelled by"' },
    rights: { type: 'array', items: { type: 'string', enum: ['read', 'write'] }, description: '["read"]: may view; ["read", "write"]: may also send and cancel resyncs' },
  },
};

const alert = {
  type: 'object',
  properties: {
    alertId: { type: 'integer' }, districtId: { type: 'string' }, category: { type: 'string' }, title: { type: 'string' }, message: { type: 'string' },
    batchId: { type: ['string', 'null'] }, createdAt: { type: 'string', format: 'date-time' },
    read: { type: 'boolean', description: 'Whether this user has marked it read' }, readAt: { type: ['string', 'null'], format: 'date-time' },
  },
};

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
      securitySchemes: {
        bearer: {
          type: 'http', scheme: 'bearer',
          description: 'A JWT of the trusted OIDC issuer (RESYNC_OIDC_ISSUER; or the demo issuer: `npx resync token`), or a static token of '
            + 'RESYNC_API_TOKENS. A user is the state or one district, with Read or Write rights on the tool (operations carry x-tool-right).',
        },
      },
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
      '/api/me': {
        get: { ...secured, summary: 'Who the token is: role (the state, or a district), name and tool rights', responses: { 200: ok('The user', me), ...problems(401, 403) } },
      },
      '/api/districts': { get: { ...secured, summary: 'Districts the caller may see', responses: { 200: ok('Districts'), ...problems(401) } } },
      '/api/districts/{district}': {
        patch: {
          ...writing, summary: 'Change the district\'s settings (Write rights): autoRetryDeferred — retry records that failed only because their parent was missing, in a follow-up Selective Sync, once a batch lands that parent',
          parameters: district, requestBody: body(DistrictSettingsBody), responses: { 200: ok('The settings as they now are'), ...problems(400, 401, 403, 404, 413, 415) },
        },
      },
      '/api/districts/{district}/selective-syncs': {
        post: {
          ...writing, summary: 'Selective Sync (Write rights): resync chosen records of any object, with the parent records they reference (includeParents) and every record below them (includeDependents); records of the set the district no longer has are removed from the state, ids neither side holds are reported as errors of reason unknown',
          parameters: district, requestBody: body(SelectiveBody),
          responses: { 202: ok('Accepted: batch id (kind selective), its place in the lane'), ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
        },
      },
      '/api/districts/{district}/selective-syncs/plan': {
        post: {
          ...secured, summary: 'Preview of a Selective Sync: the record set per object, parent-first, and the chosen ids the district does not hold; starts nothing',
          parameters: district, requestBody: body(SelectiveBody), responses: { 200: ok('Record set'), ...problems(400, 401, 403, 404, 413, 415, 422) },
        },
      },
      '/api/districts/{district}/records': {
        get: {
          ...secured, summary: 'Find records of an object by what a person knows of them (state ID, local number, name, or id), at the district',
          parameters: [...district, ...parameters('query', RecordSearchQuery)], responses: { 200: ok('Records found'), ...problems(400, 401, 403, 404, 422) },
        },
      },
      '/api/districts/{district}/objects': {
        get: {
          ...secured, summary: 'The Resync State Data table: each offered object with its last result',
          parameters: [...district, ...parameters('query', YearQuery)],
          responses: { 200: ok('Objects'), ...problems(400, 401, 403, 404, 422) },
        },
      },
      '/api/districts/{district}/resyncs': {
        post: {
          ...writing, summary: 'Start a full or partial resync (Write rights); method copy (every record written) or differential (compared page by page, only what differs written: each object\'s result then carries inserted, updated, unchanged)', parameters: district, requestBody: body(ResyncBody),
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
          ...writing, summary: 'Verify, then resync exactly the objects that differ (with their parents), then verify again (Write rights)',
          parameters: district, requestBody: body(YearBody),
          responses: { 202: ok('Started: workflow id'), 409: { ...problem, description: 'One is already running for this district and year: runningWorkflowId names it' }, ...problems(400, 401, 403, 404, 413, 415, 422) },
        },
      },
      '/api/resyncs/{batch}': {
        get: { ...secured, summary: 'A batch: live while it runs, from history afterwards', parameters: batch, responses: { 200: ok('Batch'), ...problems(400, 401, 403, 404) } },
      },
      '/api/resyncs/{batch}/retry-failed': {
        post: {
          ...writing, summary: 'Retry the records of a batch that failed for a missing parent or a refusal, with the missing parents, as a Selective Sync (Write rights)',
          parameters: batch, responses: { 202: ok('Accepted: the new batch id, retryOf'), ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      '/api/resyncs/{batch}/cancel': {
        post: { ...writing, summary: 'Cancel a queued or running batch (Write rights)', parameters: batch, responses: { 202: ok('Cancellation requested'), ...problems(400, 401, 403, 404, 409) } },
      },
      '/api/resyncs/{batch}/errors': {
        get: {
          ...secured, summary: 'The error log of a batch: each entry with its record and its cause named (person, school, calendar), the causes grouped; paged; cause=<Object>:<id> narrows to one cause, order=cause lists each cause\'s records together; format=csv downloads every entry with every column', parameters: [...batch, ...parameters('query', ErrorsQuery)],
          responses: { 200: { description: 'Errors', content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } } }, ...problems(400, 401, 403, 404) },
        },
      },
      '/api/state/districts/{district}/resync-requests': {
        post: {
          ...writing, summary: 'State-initiated resync (state users with Write rights): queued if busy, raises a process alert', parameters: district,
          requestBody: body(ResyncBody), responses: { 202: ok('Accepted'), ...problems(400, 401, 403, 404, 413, 415, 422) },
        },
      },
      '/api/state/resyncs': {
        post: {
          ...writing, summary: 'State-wide resync (state only): one request for many or all districts, each in its own lane, bounded by the global throttle',
          requestBody: body(StateResyncBody), responses: { 202: ok('Accepted: request id, districts, districts left out with the reason'), ...problems(400, 401, 403, 413, 415, 422, 429) },
        },
        get: { ...secured, summary: 'The latest state-wide resyncs (state only; each with Temporal\'s status and, once ended, its outcome: green, yellow, red, failed or cancelled), and maxActiveDistricts: how many districts copy at once (the global throttle; null: no bound)', responses: { 200: ok('Requests'), ...problems(401, 403, 429) } },
      },
      '/api/state/resyncs/{request}': {
        get: {
          ...secured, summary: 'A state-wide resync\'s progress: districts done / running / queued, records, errors (state only)',
          parameters: parameters('path', StateResyncParams), responses: { 200: ok('Progress'), ...problems(400, 401, 403, 404, 429) },
        },
      },
      '/api/state/resyncs/{request}/cancel': {
        post: {
          ...writing, summary: 'Cancel a state-wide resync: every district batch not yet ended is cancelled (state only)',
          parameters: parameters('path', StateResyncParams), responses: { 202: ok('Cancellation requested'), ...problems(400, 401, 403, 404, 409, 429) },
        },
      },
      '/api/alerts': {
        get: {
          ...secured, summary: 'Process alerts: the state\'s inbox across every district (?district= narrows it), a district user\'s of their district; unread first',
          parameters: parameters('query', AlertsQuery),
          responses: {
            200: ok('Alerts of this user\'s inbox', {
              type: 'object', properties: {
                limit: { type: 'integer' }, offset: { type: 'integer' }, total: { type: 'integer' }, unread: { type: 'integer', description: 'Unread by this user (with the filter)' },
                alerts: { type: 'array', items: alert },
              },
            }),
            ...problems(400, 401, 403),
          },
        },
      },
      '/api/alerts/{alert}/read': {
        post: {
          ...secured, summary: 'Mark an alert read, for this user only (Read rights suffice); again keeps the first time',
          parameters: parameters('path', AlertParams),
          responses: { 200: ok('The alert, read', alert), ...problems(400, 401, 403, 404, 413, 415) },
        },
      },
      '/api/openapi.json': { get: { summary: 'This document', responses: { 200: ok('OpenAPI 3.1 document') } } },
    }),
  };
}
