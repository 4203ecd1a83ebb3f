// Loads the catalog entries into validated objects. A catalog that names an unknown parent,
// contains a cycle, or lists parents that are not closed under (and ordered by) their own
// parents cannot produce a safe plan, so loading refuses it.
import { CatalogError } from '../errors';
import { nameKey, tableName } from './names';
import type { CatalogEntry, CatalogObject } from './types';

export { CatalogError };

export class Catalog {
  private readonly byKey: ReadonlyMap<string, CatalogObject>;

  constructor(readonly objects: readonly CatalogObject[]) {
    this.byKey = new Map(objects.map((object) => [nameKey(object.name), object]));
  }

  get names(): string[] {
    return this.objects.map((object) => object.name);
  }

  /** Case- and space-insensitive lookup: `LEPKY` and `lepky` both find `LepKY`. */
  find(name: string): CatalogObject | undefined {
    return this.byKey.get(nameKey(name));
  }

  get(name: string): CatalogObject {
    const object = this.find(name);
    if (!object) throw new Error(`unknown object ${name}`);
    return object;
  }

  has(name: string): boolean {
    return this.byKey.has(nameKey(name));
  }

  /** Objects whose parent list names `name`, in catalog order. */
  dependentsOf(name: string): CatalogObject[] {
    return this.objects.filter((object) => object.parents.includes(name));
  }

  /** Objects that reference `name` by foreign key. */
  referencingObjects(name: string): CatalogObject[] {
    return this.objects.filter((object) => object.referencedParents.includes(name));
  }
}

interface ParsedParents {
  parents: string[];
  immediate: string[];
}

function parseParents(written: readonly string[]): ParsedParents {
  const parents = written.map((entry) => entry.replace('*', '').trim());
  const marked = written.filter((entry) => entry.includes('*')).map((entry) => entry.replace('*', '').trim());
  // The seed marks nothing when there is a single parent (School: "District"); the last is immediate.
  const last = parents.at(-1);
  const immediate = marked.length > 0 ? marked : last ? [last] : [];
  return { parents, immediate };
}

function validate(parsed: ReadonlyMap<string, ParsedParents>): string[] {
  const problems: string[] = [];
  for (const [name, { parents }] of parsed) {
    const unknown = parents.filter((parent) => !parsed.has(parent));
    if (unknown.length > 0) problems.push(`${name} names unknown parent(s) ${unknown.join(', ')}`);
    if (new Set(parents).size !== parents.length) problems.push(`${name} lists a parent twice`);
  }
  if (problems.length > 0) return problems;
  problems.push(...findCycles(parsed));
  if (problems.length > 0) return problems;
  for (const [name, { parents }] of parsed) {
    parents.forEach((parent, position) => {
      const own = parsed.get(parent)?.parents ?? [];
      const missing = own.filter((grandparent) => !parents.includes(grandparent));
      if (missing.length > 0) {
        problems.push(`${name} lists ${parent} but not its parent(s) ${missing.join(', ')}`);
      }
      const late = own.filter((grandparent) => parents.indexOf(grandparent) > position);
      if (late.length > 0) problems.push(`${name} lists ${late.join(', ')} after its child ${parent}`);
    });
  }
  return problems;
}

function findCycles(parsed: ReadonlyMap<string, ParsedParents>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      cycles.push(`cycle ${[...path.slice(path.indexOf(name)), name].join(' → ')}`);
      return;
    }
    state.set(name, 'visiting');
    for (const parent of parsed.get(name)?.parents ?? []) visit(parent, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of parsed.keys()) visit(name, []);
  return cycles;
}

/** Parents that a record must point at: the immediate ones, plus any listed parent that is not
 *  already an ancestor of another listed parent (the transitive reduction of the list). */
function referencedParents(name: string, parsed: ReadonlyMap<string, ParsedParents>): string[] {
  const { parents, immediate } = parsed.get(name) ?? { parents: [], immediate: [] };
  const coveredByOthers = (parent: string) =>
    parents.some((other) => other !== parent && (parsed.get(other)?.parents ?? []).includes(parent));
  return parents.filter((parent) => immediate.includes(parent) || !coveredByOthers(parent));
}

export function loadCatalog(entries: readonly CatalogEntry[]): Catalog {
  const duplicates = entries.filter((entry, i) => entries.findIndex((e) => nameKey(e.name) === nameKey(entry.name)) !== i);
  if (duplicates.length > 0) throw new CatalogError(duplicates.map((entry) => `${entry.name} is listed twice`));
  const parsed = new Map(entries.map((entry) => [entry.name, parseParents(entry.parents)]));
  const problems = validate(parsed);
  if (problems.length > 0) throw new CatalogError(problems);
  return new Catalog(
    entries.map((entry) => {
      const { parents, immediate } = parsed.get(entry.name) ?? { parents: [], immediate: [] };
      return {
        name: entry.name,
        table: tableName(entry.name),
        parents,
        immediateParents: immediate,
        referencedParents: referencedParents(entry.name, parsed),
        yearTied: entry.yearTied,
        fields: entry.fields,
        ...(entry.region ? { region: entry.region } : {}),
        ...(entry.exclusionFlag ? { exclusionFlag: entry.exclusionFlag } : {}),
      };
    }),
  );
}
