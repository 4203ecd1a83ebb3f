// The object table (the seed's tool): per object its Last Resync (when the object's own last
// resync started), Results (Processed / Errors, with what was sent on hover; for a differential
// batch, hovering or focusing the processed figure shows what it inserted, updated, left unchanged
// and removed) and Status colour; checkboxes to pick objects. Rows are updated in place while a
// batch runs. A yellow or red row offers its errors, opened in place below it (object-errors.ts),
// and, to a user with Write rights, Retry failed records (retry-failed.ts), whose refusal is
// shown in the row. The checkboxes only serve Send Resync: disabled for a Read-only user, pointing
// to the note that says why (send.ts).
import type { BatchObject, ObjectOutcome, ObjectRow, ObjectTable, StatusColour } from './api-types';
import { byId, fill, h, keepingFocus, visuallyHidden } from './dom';
import { formatCount, resultsTitle, schoolYearLabel, splitText, timeOf, timeText } from './format';
import { fail } from './messages';
import { emit, isCurrent, mayWrite, on, session, type LiveBatch, type View } from './store';

const COLOUR_NAME: Record<StatusColour, string> = { green: 'Green', yellow: 'Yellow', red: 'Red', gray: 'Gray' };
// Short forms of the legend, read by screen readers after the colour name.
const COLOUR_MEANING: Record<StatusColour, string> = {
  green: 'finished without errors',
  yellow: 'finished with errors in 1% of attempts or fewer',
  red: 'finished with errors in more than 1% of attempts, or did not finish',
  gray: 'in progress',
};
// Object outcomes worth spelling out next to the colour (a red dot alone does not say "skipped").
const OUTCOME_NOTE: Partial<Record<ObjectOutcome, string>> = {
  pending: 'waiting', running: 'running', failed: 'failed', skipped: 'skipped', cancelled: 'cancelled',
};

/** What a row shows: from the object table, or from a running batch's object (`live`: its batch
 *  has not ended, so there is nothing to retry yet). */
type RowResult = Pick<ObjectRow, 'object' | 'lastResync' | 'processed' | 'errors' | 'sent' | 'colour' | 'status' | 'batchId'
  | 'inserted' | 'updated' | 'unchanged' | 'deleted'> & { live?: boolean };

/** The hover of a Last Resync time: what the time is. */
export const lastResyncTitle = (object: string, iso: string, batchId: string | null): string =>
  `${timeText(iso)}: when the last resync of ${object} started${batchId ? ` (batch ${batchId})` : ''}`;

/** Whether a row offers its errors: it finished yellow or red with errors logged in a batch. */
const offersErrors = (result: RowResult): boolean =>
  (result.colour === 'yellow' || result.colour === 'red') && (result.errors ?? 0) > 0 && result.batchId !== null;

/** The table as last loaded (its rows are updated in place from then on). */
let shown: ObjectTable | null = null;

/** A note in a row about its batch (why Retry failed records was refused), while the row shows that batch. */
const notes = new Map<string, { batchId: string; text: string }>();

const table = () => byId('objects', HTMLTableElement);
const body = (): HTMLTableSectionElement => {
  const section = table().tBodies[0];
  if (!section) throw new Error('#objects has no <tbody>');
  return section;
};
const selectAll = () => byId('select-all', HTMLInputElement);
const pickBoxes = () => [...body().querySelectorAll<HTMLInputElement>('input.pick-one')];
const rowOf = (object: string) => body().querySelector<HTMLTableRowElement>(`tr[data-object="${CSS.escape(object)}"]`);

/** Writes an object's latest result into its row, the keyboard focus kept on the same control
 *  (or, when the row no longer offers it, on the row). */
function fillRow(row: HTMLTableRowElement, result: RowResult): void {
  keepingFocus(row, () => drawRow(row, result), () => rowFocusTarget(row));
}

/** Where the keyboard goes in a row when what it was on has gone: its "Show errors", else its
 *  checkbox, else the object's name (focusable for this only). */
function rowFocusTarget(row: HTMLTableRowElement): HTMLElement | null {
  const control = row.querySelector<HTMLElement>('button.show-errors') ?? row.querySelector<HTMLInputElement>('input.pick-one:not(:disabled)');
  if (control) return control;
  const name = row.querySelector<HTMLElement>('th');
  name?.setAttribute('tabindex', '-1');
  return name;
}

/** Puts the keyboard on an object's row (see rowFocusTarget), e.g. as the errors below it close. */
export function focusObjectRow(object: string): void {
  const row = rowOf(object);
  if (row) rowFocusTarget(row)?.focus();
}

function drawRow(row: HTMLTableRowElement, result: RowResult): void {
  const { object, lastResync, processed, errors, colour, status, batchId } = result;
  row.dataset.colour = colour ?? '';
  row.dataset.batch = batchId ?? '';
  row.querySelector('.last')?.replaceChildren(lastResync ? timeOf(lastResync, lastResyncTitle(object, lastResync, batchId)) : 'Never');
  const results = row.querySelector('.results');
  if (processed === null) {
    results?.replaceChildren('—', visuallyHidden(' not resynced yet'));
  } else {
    const explanationId = `sent-${object}`;
    const explanation = resultsTitle(result);
    const split = splitText(result);
    const splitId = `split-${object}`;
    // The split is a tooltip of the processed figure, shown on hover and on keyboard focus (CSS)
    // and read as its description; its empty title keeps the "Sent" hover off that figure.
    const figures = split === null
      ? [`${formatCount(processed)} / ${formatCount(errors)}`]
      : [h('span', { class: 'processed', tabindex: 0, title: '', 'aria-describedby': splitId }, formatCount(processed)), ` / ${formatCount(errors)}`];
    if (results) {
      fill(results,
        h('span', { title: explanation, 'aria-describedby': explanationId }, ...figures),
        h('span', { id: explanationId, class: 'visually-hidden' }, explanation),
        split === null ? null : h('span', { id: splitId, role: 'tooltip', class: 'split-tip' }, split));
    }
  }
  const cell = row.querySelector('.status');
  if (!cell) return;
  if (!colour) {
    cell.replaceChildren(h('span', { class: 'muted' }, 'Not resynced'));
    return;
  }
  const note = status ? OUTCOME_NOTE[status] : undefined;
  const open = row.getAttribute('aria-expanded') === 'true';
  const refused = batchId ? notes.get(object) : undefined;
  fill(cell,
    h('span', { class: `dot dot-${colour}`, 'aria-hidden': 'true' }),
    h('span', { class: 'colour-name' }, COLOUR_NAME[colour]),
    note ? ` (${note})` : '',
    visuallyHidden(`: ${COLOUR_MEANING[colour]}`),
    offersErrors(result)
      ? h('button', {
        type: 'button', class: 'link show-errors', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': `errors-of-${object}`,
        onclick: () => toggleErrors(row),
      }, open ? 'Hide errors' : 'Show errors', visuallyHidden(` of ${object}`))
      : null,
    offersErrors(result) && !result.live && mayWrite()
      ? h('button', { type: 'button', class: 'link retry-failed', onclick: () => askRetry(result) }, 'Retry failed records', visuallyHidden(` of ${object}`))
      : null,
    refused && refused.batchId === batchId ? h('p', { class: 'row-note', id: `retry-note-${object}`, tabindex: -1 }, refused.text) : null);
}

function askRetry(result: RowResult): void {
  if (!shown || !result.batchId) return;
  emit('retry-failed', { object: result.object, batchId: result.batchId, lastResync: result.lastResync, districtId: shown.districtId, schoolYear: shown.schoolYear });
}

/**
 * Shows (text) or clears (null) a note in an object's row about its batch — why Retry failed
 * records was refused — and focuses it, so that a screen reader reads it. It stays while the row
 * shows that batch.
 */
export function showRowNote(object: string, batchId: string, text: string | null): void {
  if (text === null) notes.delete(object);
  else notes.set(object, { batchId, text });
  const row = rowOf(object);
  const result = shown?.objects.find((o) => o.object === object);
  if (!row || !result || result.batchId !== batchId) return;
  fillRow(row, result);
  if (text !== null) byId(`retry-note-${object}`).focus();
}

/** Opens (or closes) the errors of a row's object in place. */
function toggleErrors(row: HTMLTableRowElement): void {
  const object = row.dataset.object;
  const batchId = row.dataset.batch;
  if (!object || !batchId) return;
  emit('object-errors', { object, batchId, open: row.getAttribute('aria-expanded') !== 'true' });
}

/** Marks a row's errors open or closed (object-errors.ts calls this as it shows or hides them). */
export function markErrorsOpen(object: string, open: boolean): void {
  const row = rowOf(object);
  if (!row) return;
  row.setAttribute('aria-expanded', open ? 'true' : 'false');
  const toggle = row.querySelector<HTMLButtonElement>('button.show-errors');
  if (toggle) {
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    toggle.firstChild?.replaceWith(open ? 'Hide errors' : 'Show errors');
  }
}

function updateSelectAll(): void {
  const boxes = pickBoxes();
  const checked = boxes.filter((box) => box.checked).length;
  selectAll().checked = boxes.length > 0 && checked === boxes.length;
  selectAll().indeterminate = checked > 0 && checked < boxes.length;
}

/** Picking objects is for sending a resync: a Read-only user's checkboxes are disabled, described by the reason. */
const pickAttributes = (writer: boolean) => ({ disabled: !writer, 'aria-describedby': writer ? null : 'send-read-only' });

function render(data: ObjectTable): void {
  // Which view the rows are of (a view just left may still be on screen for a moment).
  const view = `${data.districtId}:${data.year}`;
  const shownView = table().dataset.view;
  table().dataset.view = view;
  const writer = mayWrite();
  selectAll().disabled = !writer;
  if (writer) selectAll().removeAttribute('aria-describedby');
  else selectAll().setAttribute('aria-describedby', 'send-read-only');
  // The same view and objects again (a batch ended): the rows are filled in place, so that the
  // reader's picks, the keyboard focus and any errors opened below a row stay as they were.
  const rows = [...body().querySelectorAll<HTMLTableRowElement>('tr[data-object]')];
  const same = view === shownView && rows.length === data.objects.length && rows.every((row, i) => row.dataset.object === data.objects[i]?.object);
  if (same) {
    rows.forEach((row, i) => {
      const box = row.querySelector<HTMLInputElement>('input.pick-one');
      if (box) {
        box.disabled = !writer;
        if (writer) box.removeAttribute('aria-describedby');
        else Object.assign(box, { checked: false }).setAttribute('aria-describedby', 'send-read-only');
      }
      const object = data.objects[i];
      if (object) fillRow(row, object);
    });
  } else {
    body().replaceChildren(...data.objects.map((object) => {
      const id = `pick-${object.object}`;
      const row = h('tr', { 'data-object': object.object },
        h('td', { class: 'pick' },
          h('input', { type: 'checkbox', id, class: 'pick-one', value: object.object, ...pickAttributes(writer) }),
          h('label', { for: id, class: 'visually-hidden' }, `Select ${object.object}`)),
        h('th', { scope: 'row' }, object.object),
        h('td', { class: 'last' }),
        h('td', { class: 'num results' }),
        h('td', { class: 'status' }));
      fillRow(row, object);
      return row;
    }));
  }
  const notOffered = data.notOffered;
  fill(byId('objects-intro'),
    `${data.objects.length} objects can be resynced for ${schoolYearLabel(data.schoolYear)} (${data.year} year). `,
    writer ? 'Select all objects for a full resync, or some of them for a partial one. ' : null,
    notOffered.length > 0
      ? h('details', {}, h('summary', {}, `${notOffered.length} objects are not offered here`),
        h('ul', {}, notOffered.map((entry) => h('li', {}, `${entry.object}: ${entry.reason}`))))
      : null);
  updateSelectAll();
}

function clear(): void {
  shown = null;
  delete table().dataset.view;
  body().replaceChildren();
  byId('objects-intro').replaceChildren();
  updateSelectAll();
}

/** Loads and shows the view's object table; false (and the error shown) when the API refused it,
 *  or when the user has left the view meanwhile. */
export async function loadObjects(view: View): Promise<boolean> {
  try {
    const data = await session().api.objects(view.district, view.year);
    if (!isCurrent(view)) return false;
    shown = data;
    render(data);
    emit('objects', data);
    return true;
  } catch (error) {
    if (!isCurrent(view)) return false;
    clear();
    fail(error);
    return false;
  }
}

/** The picked objects, and whether they are all of them (the seed's full resync). */
export function selection(): { picked: string[]; all: boolean } {
  const boxes = pickBoxes();
  const picked = boxes.filter((box) => box.checked).map((box) => box.value);
  return { picked, all: boxes.length > 0 && picked.length === boxes.length };
}

export function clearSelection(): void {
  for (const box of pickBoxes()) box.checked = false;
  updateSelectAll();
}

const showsBatchOf = (batch: { districtId: string; schoolYear: number }) =>
  shown !== null && batch.districtId === shown.districtId && batch.schoolYear === shown.schoolYear;

/** The object's row as the table was last read (null: not in the table shown). */
export const objectResult = (object: string): ObjectRow | null => shown?.objects.find((o) => o.object === object) ?? null;

/** The row element of an object (for panels that open something below it). */
export const objectRow = (object: string): HTMLTableRowElement | null => rowOf(object);

export function mountObjectTable(): void {
  selectAll().addEventListener('change', () => {
    for (const box of pickBoxes()) box.checked = selectAll().checked;
    updateSelectAll();
  });
  body().addEventListener('change', updateSelectAll);
  // A tooltip is dismissed with Escape without moving focus or the pointer (WCAG 1.4.13).
  body().addEventListener('keydown', (event) => {
    const figure = (event.target as Element).closest('.processed');
    if (figure && event.key === 'Escape') figure.setAttribute('data-dismissed', 'true');
  });
  for (const type of ['focusout', 'mouseout']) {
    body().addEventListener(type, (event) => (event.target as Element).closest('.processed')?.removeAttribute('data-dismissed'));
  }
  on('view', () => notes.clear());
  // A click anywhere on a yellow or red row (not on its checkbox) opens its errors too.
  body().addEventListener('click', (event) => {
    const target = event.target as Element;
    if (target.closest('input, label, button, a, .errors-row')) return;
    const row = target.closest<HTMLTableRowElement>('tr[data-object]');
    if (row?.querySelector('button.show-errors')) toggleErrors(row);
  });

  // Planned objects are in progress from the moment the batch is accepted; the live view confirms it.
  on('batch-started', (started) => {
    if (!showsBatchOf(started)) return;
    for (const object of started.plan.levels.flat()) {
      const row = rowOf(object);
      const before = shown?.objects.find((o) => o.object === object);
      if (row && before) fillRow(row, { ...before, colour: 'gray', status: 'pending' });
    }
  });
  on('batch', (batch) => {
    if (!showsBatchOf(batch)) return;
    for (const object of batch.objects) {
      const row = rowOf(object.object);
      const before = shown?.objects.find((o) => o.object === object.object);
      if (row) fillRow(row, rowResultOf(object, batch, before?.lastResync ?? null));
    }
  });
}

/** A running batch's object as its row shows it. Last Resync is when the object itself started;
 *  until it starts, the time of its previous resync stays. */
const rowResultOf = (object: BatchObject, batch: LiveBatch, previous: string | null): RowResult => ({
  object: object.object, lastResync: object.startedAt ?? previous, processed: object.processed, errors: object.errors, sent: object.sent,
  colour: object.colour, status: object.status, batchId: batch.batchId,
  inserted: object.inserted, updated: object.updated, unchanged: object.unchanged, deleted: object.deleted, live: true,
});
