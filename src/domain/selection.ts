// Selective Sync (DESIGN §2.13, the seed's sibling tool "Resync State Data – Selective Sync"):
// chosen records of one object, with — on request — the parent records they reference and every
// record below them. The record set itself is built at the district (it can be a whole school);
// this module validates the request and plans the set's objects parent-first. Pure.
import { districtCatalog, offers } from './applicability';
import { closestName } from './catalog';
import { InvalidPlanRequestError } from './errors';
import { levelsOf, type Plan } from './planner';
import type { DistrictProfile, SchoolYearChoice } from './profile';

/** At most this many records may be named in one request; their dependents are not counted. */
export const MAX_SELECTED_RECORDS = 10_000;

/** What a request (or the tool page's chosen list) naming more than MAX_SELECTED_RECORDS ids is told. */
export const TOO_MANY_SELECTED_RECORDS = `at most ${String(MAX_SELECTED_RECORDS).replace(/\B(?=(\d{3})+$)/g, ' ')} ids per Selective Sync `
  + '(choose a record with includeDependents to take everything below it)';

export interface RecordSelection {
  /** The catalog object the ids belong to (any case). */
  readonly object: string;
  readonly ids: readonly number[];
  /** Add the parent records they reference, transitively (synchronised first). */
  readonly includeParents: boolean;
  /** Add every record below them (e.g. one person → enrollments, attendance, rosters, scores…). */
  readonly includeDependents: boolean;
}

/**
 * Retrying failed records: the records that failed in earlier batches because the state refused
 * them or a parent was missing — with, for the latter, the missing parent records (and their own
 * parents) — resynced as a selective batch.
 */
export interface FailedRecordsSelection {
  readonly retryOf: readonly string[];
  /** Only records that failed because a parent was missing and whose parent the state now holds
   *  (the automatic retry after a batch landed the parent). */
  readonly onlyDeferred: boolean;
}

/** What a selective batch resyncs: chosen records, or records that failed before. */
export type RecordSetRequest = RecordSelection | FailedRecordsSelection;

export function isRetry(request: RecordSetRequest): request is FailedRecordsSelection {
  return 'retryOf' in request;
}

/**
 * Checks a selection against the district's catalog and the school year.
 * @returns the selection with the object's canonical name and the ids deduplicated, in order
 * @throws InvalidPlanRequestError for an unknown object, one the district is not offered for the
 *   year, no ids, too many, or ids that are not positive whole numbers
 */
export function checkSelection(selection: RecordSelection, profile: DistrictProfile, year: SchoolYearChoice): RecordSelection {
  const catalog = districtCatalog(profile);
  const object = catalog.find(selection.object);
  if (!object) {
    const suggestion = closestName(selection.object, catalog.names);
    throw new InvalidPlanRequestError(`unknown object "${selection.object}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
      [suggestion ? { name: selection.object, suggestion } : { name: selection.object }]);
  }
  const offer = offers(profile, year).find((entry) => entry.object.name === object.name);
  if (offer?.notOfferedBecause) throw new InvalidPlanRequestError(`${object.name}: ${offer.notOfferedBecause}`);
  if (selection.ids.length === 0) throw new InvalidPlanRequestError('name at least one record id');
  const bad = selection.ids.filter((id) => !Number.isSafeInteger(id) || id <= 0);
  if (bad.length > 0) throw new InvalidPlanRequestError(`record ids are positive whole numbers, not ${bad.slice(0, 5).join(', ')}`);
  const ids = [...new Set(selection.ids)].sort((a, b) => a - b);
  if (ids.length > MAX_SELECTED_RECORDS) {
    throw new InvalidPlanRequestError(TOO_MANY_SELECTED_RECORDS);
  }
  return { ...selection, object: object.name, ids };
}

/**
 * The plan of a selective batch: the objects its record set holds records of, parent-first.
 * @param objects the objects with at least one record in the set (the selected object always)
 */
export function planRecordSet(objects: readonly string[], profile: DistrictProfile, year: SchoolYearChoice): Plan {
  const catalog = districtCatalog(profile);
  const offered = new Set(offers(profile, year).filter((offer) => !offer.notOfferedBecause).map((offer) => offer.object.name));
  const planned = new Set(objects.filter((name) => offered.has(name)));
  return {
    kind: 'selective',
    levels: levelsOf(planned, catalog),
    excluded: objects.filter((name) => !planned.has(name)).map((object) => ({ object, reason: 'not offered for this school year' })),
    addedByCheckDependencies: [],
  };
}
