// Selective Sync's record picker: an object of the view's table, records found by what a person
// knows of them (GET /api/districts/:d/records: a state ID, local number or name for persons, a name
// or number for schools, the person for records that belong to one, else the id) or pasted as ids,
// gathered in a list of chosen records. Emits `records-picked` whenever that list changes.
import { CATALOG } from '../../domain/catalog';
import { MAX_SELECTED_RECORDS, TOO_MANY_SELECTED_RECORDS } from '../../domain/selection';
import type { FoundRecord, ObjectTable } from './api-types';
import { byId, fill, h, visuallyHidden } from './dom';
import { plural } from './format';
import { fail, say, showError } from './messages';
import { emit, isCurrent, on, session, state } from './store';

const FOUND_LIMIT = 20;
const DEFAULT_OBJECT = 'PersonIdentity';

const objectSelect = () => byId('selective-object', HTMLSelectElement);
const query = () => byId('selective-query', HTMLInputElement);
const foundList = () => byId('selective-found', HTMLUListElement);
const pickedList = () => byId('selective-picked', HTMLUListElement);
const idsBox = () => byId('selective-ids', HTMLTextAreaElement);

/** The chosen records, in the order chosen (one object at a time). */
let picked = new Map<number, FoundRecord>();
/** The records of the last search, to mark those already chosen. */
let found: FoundRecord[] = [];

/** How records of `object` can be found (the API's search, src/data/record-search.ts). */
export function searchHelp(object: string): string {
  if (object === 'PersonIdentity') return 'A student or staff member by state ID, local number or name (e.g. 100042, Ava Lopez, Lopez).';
  if (object === 'School') return 'A school by name or number.';
  const entry = CATALOG.find(object);
  if (entry?.referencedParents.includes('PersonIdentity')) {
    return `The ${object} records of a person, found by that person's state ID, local number or name; or a ${object} record by its id.`;
  }
  return `A ${object} record by its id.`;
}

function changed(): void {
  renderPicked();
  renderFound();
  emit('records-picked', { object: objectSelect().value, records: [...picked.values()] });
}

function clearPicked(): void {
  picked = new Map();
  changed();
}

/** A pasted id is known by its number only (its label is "<Object> <id>"). */
const pastedLabel = (object: string, id: number) => `${object} ${id}`;

function recordItem(record: FoundRecord, action: HTMLButtonElement): HTMLLIElement {
  const pasted = record.label === pastedLabel(objectSelect().value, record.id);
  return h('li', { 'data-record': record.id },
    h('span', { class: 'record-label' }, record.label), ' ', h('span', { class: 'muted record-id' }, pasted ? '(pasted id)' : `id ${record.id}`), ' ', action);
}

function renderPicked(): void {
  const records = [...picked.values()];
  byId('selective-picked-title').textContent = records.length > 0 ? `Chosen records (${plural(records.length, objectSelect().value + ' record')})` : 'Chosen records';
  fill(pickedList(), records.length > 0
    ? records.map((record) => recordItem(record, h('button', {
      type: 'button', class: 'link', onclick: () => {
        picked.delete(record.id);
        changed();
        query().focus();
      },
    }, 'Remove', visuallyHidden(` ${record.label}`))))
    : h('li', { class: 'muted' }, 'None yet: find records above, or paste their ids.'));
}

function renderFound(): void {
  foundList().hidden = found.length === 0 && foundList().dataset.searched !== 'true';
  if (foundList().dataset.searched !== 'true') return;
  fill(foundList(), found.length > 0
    ? found.map((record) => recordItem(record, picked.has(record.id)
      ? h('button', { type: 'button', class: 'link', disabled: true }, 'Added', visuallyHidden(` ${record.label}`))
      : h('button', {
        type: 'button', class: 'link', onclick: () => {
          if (picked.size >= MAX_SELECTED_RECORDS) {
            showError(TOO_MANY_SELECTED_RECORDS);
            return;
          }
          showError('');
          picked.set(record.id, record);
          changed();
        },
      }, 'Add', visuallyHidden(` ${record.label}`))))
    : h('li', { class: 'muted' }, `No ${objectSelect().value} record matches "${foundList().dataset.text ?? ''}".`));
}

function resetFound(): void {
  found = [];
  delete foundList().dataset.searched;
  delete foundList().dataset.text;
  foundList().replaceChildren();
  foundList().hidden = true;
}

async function search(): Promise<void> {
  const view = state.view;
  if (!view) return;
  showError('');
  const text = query().value.trim();
  if (!text) {
    showError(`Type what you know of the record: ${searchHelp(objectSelect().value)}`);
    query().focus();
    return;
  }
  try {
    const answer = await session().api.findRecords(view.district, objectSelect().value, text, FOUND_LIMIT, view.year);
    if (!isCurrent(view) || answer.object !== objectSelect().value) return;
    found = answer.records;
    foundList().dataset.searched = 'true';
    foundList().dataset.text = text;
    renderFound();
    say(answer.records.length === 0 ? `No ${answer.object} record matches "${text}".`
      : `${plural(answer.records.length, `${answer.object} record`)} found${answer.records.length === FOUND_LIMIT ? ' (the first 20: say more to narrow it)' : ''}.`);
  } catch (error) {
    if (isCurrent(view)) fail(error);
  }
}

/** Adds the pasted ids; refuses (adding none) when any is not a record id, or when the chosen
 *  records would then be more than a Selective Sync may name. */
function addPastedIds(): void {
  showError('');
  const words = idsBox().value.split(/[\s,;]+/).filter(Boolean);
  if (words.length === 0) {
    showError('Paste one or more record ids (whole numbers), separated by spaces, commas or new lines.');
    idsBox().focus();
    return;
  }
  const bad = words.filter((word) => !/^[0-9]{1,16}$/.test(word) || !Number.isSafeInteger(Number(word)) || Number(word) <= 0);
  if (bad.length > 0) {
    showError(`Not record ids: ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''}. A record id is a whole number above 0, e.g. 2131.`);
    idsBox().focus();
    return;
  }
  // A Selective Sync names at most MAX_SELECTED_RECORDS ids: refused here, adding none, rather
  // than only when previewed or sent.
  const fresh = new Set(words.map(Number).filter((id) => !picked.has(id)));
  if (picked.size + fresh.size > MAX_SELECTED_RECORDS) {
    showError(TOO_MANY_SELECTED_RECORDS);
    idsBox().focus();
    return;
  }
  const object = objectSelect().value;
  let added = 0;
  for (const id of words.map(Number)) {
    if (picked.has(id)) continue;
    // The preview says whether the district holds it.
    picked.set(id, { id, label: pastedLabel(object, id) });
    added += 1;
  }
  idsBox().value = '';
  changed();
  const again = words.length - added;
  say(`${plural(added, `${object} record`)} added${again > 0 ? ` (${plural(again, 'id')} already chosen)` : ''}.`);
}

function renderObjects(table: ObjectTable): void {
  const names = table.objects.map((row) => row.object);
  const before = objectSelect().value;
  const chosen = names.includes(before) ? before : names.includes(DEFAULT_OBJECT) ? DEFAULT_OBJECT : names[0] ?? '';
  objectSelect().replaceChildren(...names.map((name) => h('option', { value: name, selected: name === chosen }, name)));
  objectSelect().value = chosen;
  byId('selective-query-help').textContent = searchHelp(chosen);
  if (chosen !== before && picked.size > 0) clearPicked();
}

export function mountRecordPicker(): void {
  byId('selective-find', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    void search();
  });
  byId('selective-add-ids', HTMLButtonElement).addEventListener('click', addPastedIds);
  objectSelect().addEventListener('change', () => {
    byId('selective-query-help').textContent = searchHelp(objectSelect().value);
    resetFound();
    // Records of one object at a time: a new object starts a new choice.
    if (picked.size > 0) say(`Chosen records cleared: a Selective Sync is of one object (now ${objectSelect().value}).`);
    clearPicked();
  });
  on('objects', renderObjects);
  // Sent: the choice is done with.
  on('selective-started', clearPicked);
  on('view', () => {
    query().value = '';
    idsBox().value = '';
    resetFound();
    clearPicked();
  });
}
