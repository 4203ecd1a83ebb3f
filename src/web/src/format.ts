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

/** What the Results numbers mean, for the hover: "Sent: 15,722 of 15,944 processed". */
export function resultsTitle(result: { processed: number | null; sent: number | null }): string {
  return `Sent: ${formatCount(result.sent)} of ${formatCount(result.processed)} processed`;
}
