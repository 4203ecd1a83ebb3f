// Request shapes shared by the routes. Strict: unknown fields are refused, strings are bounded.
import type { Request } from 'express';
import { z } from 'zod';
import { BATCH_ID_PARAM_PATTERN, DISTRICT_ID_PATTERN, DISTRICT_ID_RULE, SCHOOL_YEAR_CHOICES } from '../domain';

export const DistrictId = z.string().regex(DISTRICT_ID_PATTERN, DISTRICT_ID_RULE);
export const BatchId = z.string().regex(BATCH_ID_PARAM_PATTERN, 'a batch id is 1-64 letters, digits, - or _');
export const YearChoice = z.enum(SCHOOL_YEAR_CHOICES as unknown as ['current', 'previous', 'next']);
const ObjectName = z.string().min(1).max(64).regex(/^[A-Za-z0-9 _-]+$/, 'an object name is letters and digits');

export const DistrictParams = z.object({ district: DistrictId }).strict();
export const BatchParams = z.object({ batch: BatchId }).strict();

export const YearQuery = z.object({ year: YearChoice.default('current') }).strict();

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
}).strict();

export const ResyncBody = z.object({
  objects: z.union([z.literal('all'), z.array(ObjectName).min(1).max(100)]),
  checkDependencies: z.boolean().default(false),
  year: YearChoice.default('current'),
}).strict();
export type ResyncBody = z.infer<typeof ResyncBody>;

export const YearBody = z.object({ year: YearChoice.default('current') }).strict();

export const HistoryQuery = PageQuery.extend({ year: YearChoice.optional() }).strict();
export const ErrorsQuery = PageQuery.extend({ object: ObjectName.optional(), format: z.enum(['json', 'csv']).default('json') }).strict();
export const AlertsQuery = PageQuery.extend({ district: DistrictId.optional() }).strict();
export const VerificationQuery = z.object({
  year: YearChoice.default('current'),
  objects: z.string().max(2000).regex(/^[A-Za-z0-9 _,-]+$/, 'objects is a comma-separated list of names').optional(),
}).strict();

/** Parses a request's parts; a ZodError becomes a 400 problem in the error handler. */
export function input<P extends z.ZodType = z.ZodNever, Q extends z.ZodType = z.ZodNever, B extends z.ZodType = z.ZodNever>(
  req: Request, schemas: { params?: P; query?: Q; body?: B },
): { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B> } {
  return {
    params: schemas.params ? schemas.params.parse(req.params) : (undefined as never),
    query: schemas.query ? schemas.query.parse(req.query) : (undefined as never),
    body: schemas.body ? schemas.body.parse(req.body ?? {}) : (undefined as never),
  };
}
