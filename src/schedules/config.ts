// The schedules file (temporal/schedules.json): which districts or states get the mandatory
// year-end and year-start full resyncs, when, in which time zone, with which overlap policy.
import { readFile } from 'node:fs/promises';
import { MONTHS, ScheduleOverlapPolicy } from '@temporalio/client';
import { z } from 'zod';
import { DISTRICT_ID_PATTERN, DISTRICT_ID_RULE } from '../domain';

const Range = z.union([z.number().int(), z.literal('*')]);

export const ScheduleEntry = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9/_-]{0,80}$/, 'a schedule id is letters, digits, /, _ or -'),
  scenario: z.enum(['year-end', 'year-start']),
  target: z.union([
    z.object({ districtId: z.string().regex(DISTRICT_ID_PATTERN, DISTRICT_ID_RULE) }).strict(),
    z.object({ state: z.string().regex(/^[A-Z]{2,3}$/) }).strict(),
  ]),
  calendar: z.object({
    month: z.enum(MONTHS as unknown as [string, ...string[]]).optional(),
    dayOfMonth: Range.optional(),
    dayOfWeek: z.string().optional(),
    hour: Range.optional(),
    minute: Range.optional(),
  }).strict(),
  timeZone: z.string().min(1).default('UTC'),
  overlap: z.enum(Object.values(ScheduleOverlapPolicy) as [string, ...string[]]).default('SKIP'),
  paused: z.boolean().default(false),
}).strict();
export type ScheduleEntry = z.infer<typeof ScheduleEntry>;

export const SchedulesFile = z.object({
  $comment: z.string().optional(),
  schedules: z.array(ScheduleEntry),
}).strict().refine((file) => new Set(file.schedules.map((s) => s.id)).size === file.schedules.length, 'schedule ids must be unique');

export async function readSchedulesFile(path: string): Promise<ScheduleEntry[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = SchedulesFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data.schedules;
}
