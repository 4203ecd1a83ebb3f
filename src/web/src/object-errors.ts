// A yellow or red object's errors, opened in place below its row: the causes (the records that
// made others fail), then the records in error, each named by its person, school and calendar,
// grouped under their cause; twenty a page; one cause's records at a time on request; the CSV.
import type { CauseGroup, ErrorsPage, RecordRef } from './api-types';
import { byId, fill, h, keepingFocus } from './dom';
import { downloadErrorsCsv } from './error-csv';
import { causeGroupText, causeList, errorRows, REASON_WORDS } from './error-views';
import { formatNumber, plural } from './format';
import { fail } from './messages';
import { focusObjectRow, markErrorsOpen, objectResult, objectRow } from './object-table';
import { renderPager } from './pager';
import { on, session } from './store';

const PAGE = 20;

interface Open {
  readonly object: string;
  readonly batchId: string;
  offset: number;
  cause: CauseGroup | null;
  /** The groups of the first read (they do not change with the page or the chosen cause). */
  groups: ErrorsPage['causes'] | null;
}

let open: Open | null = null;

const rowId = (object: string) => `errors-of-${object}`;

function close(): void {
  if (!open) return;
  const { object } = open;
  document.getElementById(rowId(object))?.remove();
  markErrorsOpen(object, false);
  open = null;
}

function panelRow(current: Open): HTMLTableRowElement {
  const existing = document.getElementById(rowId(current.object));
  if (existing instanceof HTMLTableRowElement) return existing;
  const row = h('tr', { id: rowId(current.object), class: 'errors-row' }, h('td', { colspan: 5 }));
  objectRow(current.object)?.after(row);
  return row;
}

function render(current: Open, page: ErrorsPage): void {
  const cell = panelRow(current).cells[0];
  if (cell) keepingFocus(cell, () => draw(cell, current, page), () => document.getElementById(`${rowId(current.object)}-title`));
}

function draw(cell: HTMLTableCellElement, current: Open, page: ErrorsPage): void {
  const groups = current.groups ?? page.causes;
  const records = h('tbody', {}, errorRows(page.errors, false));
  const pager = h('nav', { class: 'pager', 'aria-label': `Pages of the errors of ${current.object}` });
  renderPager(pager, page, 'records', (offset) => {
    current.offset = offset;
    void load(current);
  });
  const reasons = page.reasons.map((reason) => `${formatNumber(reason.count)} ${REASON_WORDS[reason.reasonCode] ?? reason.reasonCode}`).join(', ');
  fill(cell, h('div', { class: 'object-errors', role: 'region', 'aria-labelledby': `${rowId(current.object)}-title` },
    h('div', { class: 'section-head' },
      h('h3', { id: `${rowId(current.object)}-title`, tabindex: -1 }, `Errors of ${current.object} — batch ${current.batchId}`),
      h('div', { class: 'links' },
        h('button', { type: 'button', class: 'secondary', onclick: () => void downloadErrorsCsv(current.batchId, current.object) }, 'Download CSV'),
        h('button', { type: 'button', class: 'secondary', onclick: () => closeAndFocus(current.object) }, 'Close'))),
    h('p', {}, current.cause
      ? `${plural(page.total, 'record')} caused by one record: ${causeGroupText(current.cause)}. `
      : `${plural(page.total, 'record')} did not reach the state (${reasons}).`,
    current.cause ? h('button', { type: 'button', class: 'link', onclick: () => pick(current, null) }, 'Show every record') : null),
    resolvedNote(current),
    !current.cause && groups.groups.length > 0
      ? [h('h4', {}, 'Records that made others fail'), causeList(groups.groups, groups.total, (group) => pick(current, group))]
      : null,
    h('table', { class: 'error-records' },
      h('caption', {}, current.cause ? 'Records in error' : 'Records in error, by cause'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Record'), h('th', { scope: 'col' }, 'Reason'), h('th', { scope: 'col' }, 'Logged'))),
      records),
    pager));
}

/** The batch's errors are listed as it ended; the row counts those a later Selective Sync landed
 *  as sent: say so, with how many, so that the list and the row do not seem to disagree. */
function resolvedNote(current: Open): HTMLParagraphElement | null {
  // The count is of the whole list: with one cause's records shown it would overstate them.
  const result = current.cause ? null : objectResult(current.object);
  const resolved = result?.batchId === current.batchId ? result.resolvedSince ?? 0 : 0;
  if (resolved === 0) return null;
  return h('p', { class: 'resolved-note' }, `${plural(resolved, 'record')} of this list ${resolved === 1 ? 'was' : 'were'} sent later by a Selective Sync `
    + `and ${resolved === 1 ? 'is' : 'are'} at the state now; the list shows batch ${current.batchId} as it ended.`);
}

function closeAndFocus(object: string): void {
  close();
  focusObjectRow(object);
}

/** Closes the errors because their row shows another batch now; the keyboard, if it was in
 *  them, goes to the row (not to the top of the page). */
function closeAsStale(): void {
  if (!open) return;
  const { object } = open;
  const hadFocus = document.getElementById(rowId(object))?.contains(document.activeElement) ?? false;
  close();
  // Only a keyboard that was in them moves: a reader elsewhere on the page is not scrolled away.
  if (hadFocus) focusObjectRow(object);
}

function pick(current: Open, group: CauseGroup | null): void {
  Object.assign(current, { cause: group, offset: 0 });
  void load(current);
}

async function load(current: Open): Promise<void> {
  let page: ErrorsPage;
  try {
    const cause: RecordRef | undefined = current.cause?.cause;
    page = await session().api.errors(current.batchId, {
      limit: PAGE, offset: current.offset, object: current.object, order: 'cause', ...(cause ? { cause: { object: cause.object, recordId: cause.recordId } } : {}),
    });
  } catch (error) {
    fail(error);
    if (open === current) close();
    return;
  }
  if (open !== current) return;
  current.groups ??= page.causes;
  render(current, page);
}

async function show(object: string, batchId: string): Promise<void> {
  close();
  const current: Open = { object, batchId, offset: 0, cause: null, groups: null };
  open = current;
  markErrorsOpen(object, true);
  await load(current);
  if (open === current) byId(`${rowId(object)}-title`).focus();
}

export function mountObjectErrors(): void {
  on('object-errors', ({ object, batchId, open: opening }) => {
    if (opening) void show(object, batchId);
    else if (open?.object === object) closeAndFocus(object);
  });
  // The table was drawn again (a batch ended): read the same errors again if they still apply,
  // else close them (the row now shows another batch).
  on('objects', (table) => {
    const current = open;
    if (!current) return;
    const row = table.objects.find((o) => o.object === current.object);
    if (row?.batchId !== current.batchId) {
      closeAsStale();
      return;
    }
    markErrorsOpen(current.object, true);
    void load(current);
  });
  // A batch of the same object started since: its row follows that batch now, so these errors
  // (of the batch before) no longer belong below it.
  on('batch', (batch) => {
    const current = open;
    if (!current || batch.batchId === current.batchId) return;
    // The row shows that batch only when the object is in it (object-table.ts fills it first).
    if (objectRow(current.object)?.dataset.batch === batch.batchId) closeAsStale();
  });
  // This page sent a batch of the object: its row turns gray at once; these errors are of the batch before.
  on('batch-started', (started) => {
    const object = open?.object;
    if (object && started.plan.levels.some((level) => level.includes(object))) closeAsStale();
  });
  // Another district or year: its rows may be drawn in place of these (the same view asked for
  // again before the other one drew), so the panel goes too, not only its state.
  on('view', () => close());
}
