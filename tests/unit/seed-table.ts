// Reads the object table of the seed document (docs/seed-resync-state-data.txt) as written, so that
// the catalog and its reconciliation decisions can be checked against the source itself.
//
// The table sits between the column headers "Resync Object / Parent Objects / Child Objects" and
// "Technical Information". Blocks are separated by blank lines; each object is three blocks (name,
// parents, children), except ReportingEntity, which has two more between its name and its parents:
// a line holding only a non-breaking space, and the Montana note.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SEED_PATH = fileURLToPath(new URL('../../docs/seed-resync-state-data.txt', import.meta.url));

const TABLE_START = 'Resync Object\n\nParent Objects\n\nChild Objects\n\n';
const TABLE_END = 'Technical Information';
const NO_PARENTS = /^no parent dependencies$/i;
const NO_CHILDREN = /^no dependent objects$/i;
const CONDITIONAL = '(ONLY WHEN THE REPORTING ENTITY OBJECT IS USED)';
export const MONTANA_NOTE = 'No longer available for Montana users as of Release Pack .1501';

export interface SeedObject {
  readonly name: string;
  /** Parent Objects column as written, `*` markers kept (e.g. `PersonIdentity *`), in order. */
  readonly parents: readonly string[];
  /** Child Objects column as written, `*` markers kept, in order. */
  readonly children: readonly string[];
  /** The child column applies only "when the reporting entity object is used". */
  readonly childrenConditional: boolean;
  /** The extra note under the object's name (ReportingEntity's Montana note). */
  readonly note?: string;
}

/** An entry with its `*` marker and surrounding spaces removed: `PersonIdentity *` → `PersonIdentity`. */
export function entryName(entry: string): string {
  return entry.replace(/\*/g, '').trim();
}

/** Whether the seed marks the entry as immediate with `*`. */
export function isMarked(entry: string): boolean {
  return entry.includes('*');
}

function clean(line: string): string {
  return line.replace(/\u00a0/g, ' ').trim();
}

function lines(block: string): string[] {
  return block.split('\n').map(clean).filter((line) => line.length > 0);
}

export function parseSeedTable(text: string): SeedObject[] {
  const normalised = text.replace(/\r\n/g, '\n');
  const start = normalised.indexOf(TABLE_START);
  if (start < 0) throw new Error('seed table header not found');
  const end = normalised.indexOf(TABLE_END, start);
  if (end < 0) throw new Error('seed table end ("Technical Information") not found');
  const blocks = normalised.slice(start + TABLE_START.length, end).split(/\n(?:[ \t]*\n)+/)
    // Not `trim()`: a block holding only a non-breaking space is a block (ReportingEntity's spacer).
    .filter((block) => !/^[ \t\n]*$/.test(block));
  const objects: SeedObject[] = [];
  let i = 0;
  const take = (what: string): string => {
    const block = blocks[i++];
    if (block === undefined) throw new Error(`seed table ends before ${what}`);
    return block;
  };
  while (i < blocks.length) {
    const nameLines = lines(take('an object name'));
    const name = nameLines[0];
    if (nameLines.length !== 1 || name === undefined || !/^[A-Za-z0-9]+$/.test(name)) {
      throw new Error(`expected an object name, got ${JSON.stringify(nameLines)}`);
    }
    let note: string | undefined;
    if (name === 'ReportingEntity') {
      const spacer = take('ReportingEntity\'s spacer');
      if (clean(spacer) !== '' || !spacer.includes('\u00a0')) throw new Error(`expected a non-breaking space line, got ${JSON.stringify(spacer)}`);
      note = clean(take('the Montana note'));
      if (note !== MONTANA_NOTE) throw new Error(`expected the Montana note, got ${JSON.stringify(note)}`);
    }
    const parentLines = lines(take(`the parents of ${name}`));
    const parents = parentLines.length === 1 && NO_PARENTS.test(parentLines[0] ?? '') ? [] : parentLines;
    let childLines = lines(take(`the children of ${name}`));
    const childrenConditional = childLines[0] === CONDITIONAL;
    if (childrenConditional) childLines = childLines.slice(1);
    const children = childLines.length === 1 && NO_CHILDREN.test(childLines[0] ?? '') ? [] : childLines;
    for (const entry of [...parents, ...children]) {
      if (/no (parent|dependent)/i.test(entry)) throw new Error(`${name}: "${entry}" mixed with other entries`);
    }
    objects.push({ name, parents, children, childrenConditional, ...(note ? { note } : {}) });
  }
  return objects;
}

let cached: SeedObject[] | undefined;

/** The seed document's object table, parsed once. */
export function readSeedTable(): SeedObject[] {
  cached ??= parseSeedTable(readFileSync(SEED_PATH, 'utf8'));
  return cached;
}
