// Request shapes shared by the routes. Strict: unknown fields are refused, strings are bounded.
import type { Request } from 'express';
import { z } from 'zod';
import {
  BATCH_ID_PARAM_PATTERN, DISTRICT_ID_PATTERN, DISTRICT_ID_RULE, MAX_SELECTED_RECORDS, RESYNC_METHODS, SCHOOL_YEAR_CHOICES,
  TOO_MANY_SELECTED_RECORDS,
} from '../domain';
import { HttpProblem } from './problem';

export const DistrictId = z.string().regex(DISTRICT_ID_PATTERN, DISTRICT_ID_RULE);
export const BatchId = z.string().regex(BATCH_ID_PARAM_PATTERN, 'a batch id is 1-64 letters, digits, - or _');
export const YearChoice = z.enum(SCHOOL_YEAR_CHOICES as unknown as ['current', 'previous', 'next']);
const ObjectName = z.string().min(1).max(64).regex(/^[A-Za-z0-9 _-]+$/, 'an object name is letters and digits');

export const DistrictParams = z.object({ district: DistrictId }).strict();
export const BatchParams = z.object({ batch: BatchId }).strict();

/** A route that takes no query parameters refuses any. */
export const EmptyQuery = z.object({}).strict();

export const YearQuery = z.object({ year: YearChoice.default('current') }).strict();

/** Metadata key under which a query integer carries what the OpenAPI document says of it. */
export const QUERY_INTEGER_META = 'queryInteger';

/**
 * A whole number in a query string: digits only, then bounds. `?limit=`, `0x10`, `1e2`, ` 5` and
 * `5.0` are refused naming the parameter (a lax Number() coercion read them as 0, 16, 100, 5, 5).
 * The OpenAPI document shows the integer it is, with its bounds and default.
 */
function queryInteger(min: number, max: number, fallback: number) {
  return z.string()
    .regex(/^[0-9]+$/, 'must be a whole number written in digits (0-9)')
    .transform(Number)
    // Digits are a whole number already; the bounds keep it small.
    .pipe(z.number().min(min).max(max))
    .default(fallback)
    .meta({ [QUERY_INTEGER_META]: { type: 'integer', minimum: min, maximum: max, default: fallback } });
}

export const PageQuery = z.object({
  limit: queryInteger(1, 500, 50),
  offset: queryInteger(0, 1_000_000, 0),
}).strict();

export const ResyncMethodField = z.enum(RESYNC_METHODS as unknown as ['copy', 'differential'])
  .describe('copy writes every record; differential compares district and state first and writes only what differs');

export const ResyncBody = z.object({
  objects: z.union([z.literal('all'), z.array(ObjectName).min(1).max(100)]),
  checkDependencies: z.boolean().default(false),
  year: YearChoice.default('current'),
  method: ResyncMethodField.default('copy'),
}).strict();
export type ResyncBody = z.infer<typeof ResyncBody>;

/** Selective Sync: chosen records of one object, with their parents and, on request, dependents. */
export const SelectiveBody = z.object({
  object: ObjectName,
  ids: z.array(z.number().int().positive()).min(1).max(MAX_SELECTED_RECORDS, { error: TOO_MANY_SELECTED_RECORDS }),
  includeParents: z.boolean().default(true),
  includeDependents: z.boolean().default(false),
  year: YearChoice.default('current'),
}).strict();
export type SelectiveBody = z.infer<typeof SelectiveBody>;

/** Finding records by what a person knows of them: a state ID, a local number, a name. */
export const RecordSearchQuery = z.object({
  object: ObjectName,
  q: z.string().trim().min(1).max(100),
  limit: queryInteger(1, 100, 20),
  /** Records of a year-tied object are those of this school year (a Selective Sync's). */
  year: YearChoice.default('current'),
}).strict();

/** A state-wide request: one resync request for many or all districts. */
export const StateResyncBody = ResyncBody.extend({
  districts: z.union([z.literal('all'), z.array(DistrictId).min(1).max(1000)]),
}).strict();
export type StateResyncBody = z.infer<typeof StateResyncBody>;
export const StateResyncParams = z.object({ request: BatchId }).strict();

/** A district's settings an administrator may change through the API. */
export const DistrictSettingsBody = z.object({ autoRetryDeferred: z.boolean() }).strict();

export const YearBody = z.object({ year: YearChoice.default('current') }).strict();

export const HistoryQuery = PageQuery.extend({ year: YearChoice.optional() }).strict();
/** "Enrollment:2131": the record that caused errors (an error-log entry's cause). */
const CauseRef = z.string().max(100).regex(/^[A-Za-z0-9_-]{1,64}:[0-9]{1,18}$/, 'cause is <Object>:<record id>, e.g. Enrollment:2131')
  .transform((text) => {
    const at = text.lastIndexOf(':');
    return { object: text.slice(0, at), recordId: Number(text.slice(at + 1)) };
  });
export const ErrorsQuery = PageQuery.extend({
  object: ObjectName.optional(),
  format: z.enum(['json', 'csv']).default('json'),
  /** Only the records one record caused. */
  cause: CauseRef.optional(),
  /** record: by object and record id; cause: the records of each cause together. */
  order: z.enum(['record', 'cause']).optional(),
}).strict();
export type ErrorsQuery = z.infer<typeof ErrorsQuery>;
export const AlertsQuery = PageQuery.extend({
  district: DistrictId.optional(),
  unread: z.enum(['true', 'false']).optional().describe('true: only the alerts this user has not read'),
}).strict();
export const AlertParams = z.object({
  alert: z.string().regex(/^[0-9]{1,15}$/, 'an alert id is a whole number').transform(Number),
}).strict();
export const VerificationQuery = z.object({
  year: YearChoice.default('current'),
  objects: z.string().max(2000).regex(/^[A-Za-z0-9 _,-]+$/, 'objects is a comma-separated list of names').optional(),
}).strict();

/** Whether a request must carry a body for `schema`: unless every field is optional or defaulted.
 *  The OpenAPI document's `requestBody.required` is this same answer. */
export function bodyRequired(schema: z.ZodType): boolean {
  return !schema.safeParse({}).success;
}

/** Parses a request's parts; a ZodError becomes a 400 problem in the error handler. A missing body
 *  is read as `{}` where the schema allows it, and refused (400) where it does not. */
export function input<P extends z.ZodType = z.ZodNever, Q extends z.ZodType = z.ZodNever, B extends z.ZodType = z.ZodNever>(
  req: Request, schemas: { params?: P; query?: Q; body?: B },
): { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B> } {
  const params = schemas.params ? schemas.params.parse(req.params) : (undefined as never);
  const query = schemas.query ? schemas.query.parse(req.query) : (undefined as never);
  if (schemas.body && req.body === undefined && bodyRequired(schemas.body)) {
    throw new HttpProblem(400, 'Invalid Request', 'the request needs a JSON body (Content-Type: application/json)');
  }
  const body = schemas.body ? schemas.body.parse(req.body ?? {}) : (undefined as never);
  return { params, query, body };
}
