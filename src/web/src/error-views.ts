// How error-log entries read on the page (in place under an object's row, and in a batch's Error
// details): each record named the way people know it — the person, school and calendar — and
// the errors a record caused grouped under it: "Enrollment 2131 (Ava Lopez, …) is a
// state-excluded enrollment → 8 AttendanceExactCount records".
import type { CauseGroup, ErrorEntry, RecordName, RecordRef } from './api-types';
import { h, type Child } from './dom';
import { formatNumber, plural, timeOf } from './format';

/** "Ava Lopez (local ID 100042) · Elementary School 1 (school 101) · 2026-27 Regular". */
export function recordLabel(record: RecordName | null): string | null {
  return record ? record.label : null;
}

/** What a reason says of its cause, without the words that name it: "is a state-excluded
 *  enrollment", "is not at the state". */
function predicate(cause: RecordRef, reason: string): string {
  const name = `${cause.object} ${cause.recordId}`;
  const at = reason.indexOf(name);
  return at >= 0 ? reason.slice(at + name.length).trim() : `caused it (${reason})`;
}

/** "Enrollment 2131 (Ava Lopez (local ID 100042) · …) is a state-excluded enrollment". */
export function causeText(cause: RecordRef & { record: RecordName | null }, reason: string): string {
  const named = cause.record && cause.record.atDistrict ? ` (${cause.record.label})` : '';
  return `${cause.object} ${cause.recordId}${named} ${predicate(cause, reason)}`;
}

/** "… → 8 AttendanceExactCount records". */
export const causeGroupText = (group: CauseGroup): string =>
  `${causeText(group.cause, group.reason)} → ${plural(group.count, `${group.object} record`)}`;

/** Reason codes in words. */
export const REASON_WORDS: Record<string, string> = {
  'not-allowed': 'not allowed to sync', 'parent-missing': 'parent not at the state', refused: 'refused by the state',
};

/** The record cell: its id and object, then its name (unless the cause's header already says
 *  it: the same person, school and calendar) and its own values. */
export function recordCell(entry: ErrorEntry, showObject: boolean): Child[] {
  const label = entry.cause?.record && entry.record?.label === entry.cause.record.label ? null : recordLabel(entry.record);
  return [
    h('span', { class: 'record-id' }, `${showObject ? `${entry.object} ` : ''}${entry.recordId}`),
    label ? h('span', { class: 'record-name' }, label) : null,
    entry.record?.summary ? h('span', { class: 'record-summary muted' }, entry.record.summary) : null,
  ];
}

const causeKey = (entry: ErrorEntry): string => (entry.cause ? `${entry.cause.object}:${entry.cause.recordId}` : '');

/**
 * Rows of error entries, those of one cause under a header naming the cause (entries listed by
 * cause arrive together). Columns: record, reason, logged; `showObject` adds the object's name to
 * the record cell (for a log of several objects).
 */
export function errorRows(errors: readonly ErrorEntry[], showObject: boolean): HTMLTableRowElement[] {
  const rows: HTMLTableRowElement[] = [];
  let group: string | null = null;
  for (const entry of errors) {
    const key = causeKey(entry);
    if (key !== group) {
      group = key;
      rows.push(h('tr', { class: 'cause-head' }, h('th', { colspan: 3, scope: 'rowgroup' },
        entry.cause ? `Caused by ${causeText(entry.cause, entry.reason)}` : 'Refused or excluded for their own data')));
    }
    // Under its cause's header the reason is said already: the row keeps the kind of failure.
    rows.push(h('tr', { 'data-record': `${entry.object}:${entry.recordId}` },
      h('td', { class: 'record' }, ...recordCell(entry, showObject)),
      entry.cause ? h('td', { title: entry.reason }, REASON_WORDS[entry.reasonCode] ?? entry.reason) : h('td', {}, entry.reason),
      h('td', {}, timeOf(entry.loggedAt))));
  }
  return rows;
}

/** The causes of a log, largest first, each a button that lists its records; "and N more". */
export function causeList(groups: readonly CauseGroup[], total: number, pick: (group: CauseGroup) => void): HTMLElement {
  return h('div', { class: 'causes' },
    h('ul', {}, groups.map((group) => h('li', { 'data-cause': `${group.cause.object}:${group.cause.recordId}` },
      h('button', { type: 'button', class: 'link', onclick: () => pick(group) }, causeGroupText(group))))),
    total > groups.length ? h('p', { class: 'muted' }, `and ${formatNumber(total - groups.length)} more causes (listed below, record by record).`) : null);
}
