// GET /api/resyncs/:batch/errors — a batch's error log as people act on it: each entry names its
// record (the person, school and calendar, read from the district's data for the page shown) and
// the record that caused it; the causes are grouped ("Enrollment 2131 is a state-excluded
// enrollment → 8 AttendanceExactCount records"). format=csv downloads every entry with every
// column, names included. A district user never reads the errors of a state request.
import type { Response } from 'express';
import type { BatchRecord } from '../../data/batches';
import { getDistrict } from '../../data/district-registry';
import { listErrorCauses } from '../../data/error-causes';
import { nameRecords, recordKey, type RecordName, type RecordRef } from '../../data/record-names';
import { listErrors, type SyncErrorEntry } from '../../data/sync-errors';
import type { ApiDeps } from '../deps';
import type { ErrorsQuery } from '../schemas';

/** Causes listed with a page of errors, most records first. */
const CAUSES_SHOWN = 10;
/** Entries named per batch of district reads in a CSV export. */
const CSV_CHUNK = 1000;
/** The most entries a CSV export holds. */
const CSV_LIMIT = 100_000;

type Names = (refs: readonly RecordRef[]) => Promise<Map<string, RecordName>>;

/** Names records of the batch's district; when the district's database cannot be read, the log
 *  is still answered, without names (logged). */
function namer(deps: ApiDeps, batch: BatchRecord): Names {
  return async (refs) => {
    try {
      const district = await getDistrict(deps.state, batch.districtId);
      return await nameRecords(deps.districtSources.for(district), district.sourceSchema, deps.state, district.districtId, refs);
    } catch (error) {
      deps.log.warn({ err: error, batchId: batch.batchId }, 'error log answered without record names: the district\'s data could not be read');
      return new Map();
    }
  };
}

const refsOf = (errors: readonly SyncErrorEntry[]): RecordRef[] =>
  errors.flatMap((entry) => [{ object: entry.object, recordId: entry.recordId }, ...(entry.cause ? [entry.cause] : [])]);

function entryView(entry: SyncErrorEntry, names: ReadonlyMap<string, RecordName>) {
  return {
    ...entry,
    record: names.get(recordKey(entry)) ?? null,
    cause: entry.cause ? { ...entry.cause, record: names.get(recordKey(entry.cause)) ?? null } : null,
  };
}

function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_COLUMNS = [
  'object', 'record_id', 'reason_code', 'reason', 'logged_at', 'cause_object', 'cause_record_id',
  'record', 'person', 'local_id', 'state_id', 'school', 'school_number', 'calendar', 'cause_record',
];

function csvLine(entry: SyncErrorEntry, names: ReadonlyMap<string, RecordName>): string {
  const name = names.get(recordKey(entry));
  const cause = entry.cause ? names.get(recordKey(entry.cause)) : undefined;
  return [
    entry.object, entry.recordId, entry.reasonCode, entry.reason, entry.loggedAt.toISOString(),
    entry.cause?.object ?? null, entry.cause?.recordId ?? null,
    name ? [name.label, name.summary].filter(Boolean).join(' — ') : null,
    name?.person?.name ?? null, name?.person?.localId ?? null, name?.person?.stateId ?? null,
    name?.school?.name ?? null, name?.school?.number ?? null, name?.calendar?.name ?? null,
    cause ? [cause.label, cause.summary].filter(Boolean).join(' — ') : null,
  ].map(csvCell).join(',');
}

async function sendCsv(res: Response, deps: ApiDeps, batch: BatchRecord, query: ErrorsQuery): Promise<void> {
  const page = await listErrors(deps.state, batch.batchId, {
    limit: CSV_LIMIT, offset: 0, ...(query.object ? { object: query.object } : {}), ...(query.cause ? { cause: query.cause } : {}),
    ...(query.order ? { order: query.order } : {}),
  });
  const name = namer(deps, batch);
  const lines = [CSV_COLUMNS.join(',')];
  for (let start = 0; start < page.errors.length; start += CSV_CHUNK) {
    const chunk = page.errors.slice(start, start + CSV_CHUNK);
    const names = await name(refsOf(chunk));
    for (const entry of chunk) lines.push(csvLine(entry, names));
  }
  res.type('text/csv').attachment(`resync-${batch.batchId}-errors.csv`).send(`${lines.join('\n')}\n`);
}

/** Answers the error log of a batch the caller may read (the route has checked that). */
export async function sendErrors(res: Response, deps: ApiDeps, batch: BatchRecord, query: ErrorsQuery): Promise<void> {
  if (query.format === 'csv') return sendCsv(res, deps, batch, query);
  const [page, causes] = await Promise.all([
    listErrors(deps.state, batch.batchId, {
      limit: query.limit, offset: query.offset, ...(query.object ? { object: query.object } : {}),
      ...(query.cause ? { cause: query.cause } : {}), ...(query.order ? { order: query.order } : {}),
    }),
    listErrorCauses(deps.state, batch.batchId, { ...(query.object ? { object: query.object } : {}), limit: CAUSES_SHOWN }),
  ]);
  const names = await namer(deps, batch)([...refsOf(page.errors), ...causes.causes.map((group) => group.cause)]);
  res.json({
    batchId: batch.batchId, total: page.total, limit: query.limit, offset: query.offset, reasons: page.reasons,
    causes: {
      total: causes.total,
      groups: causes.causes.map((group) => ({ ...group, cause: { ...group.cause, record: names.get(recordKey(group.cause)) ?? null } })),
    },
    errors: page.errors.map((entry) => entryView(entry, names)),
  });
}
