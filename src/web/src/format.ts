// How the page writes numbers, times and school years. School years are always labels (2026-27),
// as everywhere in State Resync; the API carries the first calendar year (2026).
import { h } from './dom';

const numberFormat = new Intl.NumberFormat();
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** 2026 → "2026-27" (the same label as schoolYearLabel in src/workflows/types.ts). */
export function schoolYearLabel(schoolYear: number): string {
  return `${schoolYear}-${String((schoolYear + 1) % 100).padStart(2, '0')}`;
}

/** A number in the reader's locale (15,722 in en-US). */
export const formatNumber = (n: number): string => numberFormat.format(n);

/** A count that may be unknown: "—" for null or undefined. */
export const formatCount = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : numberFormat.format(n));

/** "1 object", "2 objects". */
export const plural = (n: number, noun: string): string => `${formatNumber(n)} ${noun}${n === 1 ? '' : 's'}`;

/** An ISO timestamp in the reader's words: "Nov 30, 2026, 2:07:05 PM". */
export const timeText = (iso: string): string => dateTimeFormat.format(new Date(iso));

/** A <time> for an ISO timestamp, or "Never"; `title` is what a hover says of it. */
export function timeOf(iso: string | null | undefined, title?: string): HTMLTimeElement | string {
  return iso ? h('time', { datetime: iso, title }, timeText(iso)) : 'Never';
}

/** What the Results numbers mean, for the hover: "Sent: 15,722 of 15,944 processed", and how
 *  many failed records later Selective Syncs landed (they count as sent, not as errors). */
export function resultsTitle(result: { processed: number | null; sent: number | null; resolvedSince?: number | null }): string {
  const sent = `Sent: ${formatCount(result.sent)} of ${formatCount(result.processed)} processed`;
  return result.resolvedSince ? `${sent} (${formatCount(result.resolvedSince)} of them after failing, by a later Selective Sync)` : sent;
}

/** What a Selective Sync chose, in words: "1 PersonIdentity record, with its parent records and
 *  every record below it". */
export function selectionText(selection: { object: string; records: number; includeParents: boolean; includeDependents: boolean }): string {
  const one = selection.records === 1;
  const parts = [
    selection.includeParents ? `${one ? 'its' : 'their'} parent records` : null,
    selection.includeDependents ? `every record below ${one ? 'it' : 'them'}` : null,
  ].filter((part): part is string => part !== null);
  return `${plural(selection.records, `${selection.object} record`)}${parts.length > 0 ? `, with ${parts.join(' and ')}` : ''}`;
}

/** "the failed records of batch …"; the automatic retry: "the records of batch … that waited for a parent". */
export function retryText(retry: { retryOf: readonly string[]; onlyDeferred: boolean }): string {
  const batches = `${retry.retryOf.length === 1 ? 'batch' : 'batches'} ${retry.retryOf.join(', ')}`;
  return retry.onlyDeferred ? `the records of ${batches} that waited for a parent` : `the failed records of ${batches}`;
}

type Chosen = Parameters<typeof selectionText>[0] | Parameters<typeof retryText>[0];

/** What a Selective Sync batch chose: its selection in words, or the failed records it retries
 *  (without either, its object). */
export const chosenRecordsText = (batch: { selection?: Chosen | null; requestedObjects: string[] | null }): string => {
  const chosen = batch.selection;
  if (!chosen) return (batch.requestedObjects ?? []).join(', ');
  return 'retryOf' in chosen ? retryText(chosen) : selectionText(chosen);
};

/** A differential batch's split of an object's processed records, for its hover: "inserted 0,
 *  updated 1, unchanged 9, removed 0". Null for a copy batch (it compares nothing). */
export function splitText(result: { inserted?: number | null; updated?: number | null; unchanged?: number | null; deleted?: number | null }): string | null {
  const { inserted, updated, unchanged, deleted } = result;
  if (inserted === null || inserted === undefined || updated === null || updated === undefined || unchanged === null || unchanged === undefined) return null;
  return `inserted ${formatNumber(inserted)}, updated ${formatNumber(updated)}, unchanged ${formatNumber(unchanged)}, removed ${formatCount(deleted)}`;
}

/** Why a button that starts a batch is held: "A resync of district 1001 for 2026-27 is running
 *  (batch …). Send Resync is available again when it has finished." `action` names the button. */
export function blockedReason(
  active: { initiator: string; districtId: string; schoolYear: number; status: string; batchId: string }, action: string,
): string {
  const what = active.initiator === 'state' ? 'A resync requested by the state'
    : active.initiator === 'schedule' ? 'A scheduled resync' : 'A resync';
  return `${what} of district ${active.districtId} for ${schoolYearLabel(active.schoolYear)} is ${active.status} (batch ${active.batchId}). `
    + `${action} is available again when it has finished.`;
}
