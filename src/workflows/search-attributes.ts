// Typed keys of the custom search attributes (registered from temporal/search-attributes.json),
// and the outcome an operator filters on ("ResyncOutcome" = green/yellow/red/failed/cancelled).
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { FinishedBatchStatus, Initiator, ResyncKind, StatusColour } from '../domain';

export const DISTRICT_ID = defineSearchAttributeKey('DistrictId', SearchAttributeType.KEYWORD);
export const SCHOOL_YEAR = defineSearchAttributeKey('SchoolYear', SearchAttributeType.INT);
export const RESYNC_KIND = defineSearchAttributeKey('ResyncKind', SearchAttributeType.KEYWORD);
export const INITIATOR = defineSearchAttributeKey('Initiator', SearchAttributeType.KEYWORD);
export const RESYNC_OUTCOME = defineSearchAttributeKey('ResyncOutcome', SearchAttributeType.KEYWORD);

/** How a run ended, for operators: the status colour when it completed, else how it stopped. A
 *  batch whose every record failed completes red — never looking like a clean success. */
export type ResyncOutcome = Exclude<StatusColour, 'gray'> | Exclude<FinishedBatchStatus, 'completed'>;

/** The attributes of every run that belongs to a district's resync (those that apply). */
export function resyncAttributes(run: {
  districtId?: string; schoolYear?: number; kind?: ResyncKind; initiator?: Initiator;
}): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [];
  if (run.districtId !== undefined) pairs.push({ key: DISTRICT_ID, value: run.districtId });
  if (run.schoolYear !== undefined) pairs.push({ key: SCHOOL_YEAR, value: run.schoolYear });
  if (run.kind !== undefined) pairs.push({ key: RESYNC_KIND, value: run.kind });
  if (run.initiator !== undefined) pairs.push({ key: INITIATOR, value: run.initiator });
  return pairs;
}

/** The worst colour among results (red over yellow over green); none = green. */
export function worstColour(colours: Iterable<StatusColour>): Exclude<StatusColour, 'gray'> {
  let worst: Exclude<StatusColour, 'gray'> = 'green';
  for (const colour of colours) {
    if (colour === 'red' || colour === 'gray') return 'red';
    if (colour === 'yellow') worst = 'yellow';
  }
  return worst;
}
