// Every disagreement between the seed's Child Objects column and its Parent Objects column, derived
// from the seed document itself, must be resolved by exactly one decision in SEED_DECISIONS, and every
// decision must still resolve something (DESIGN §2.1).
import { describe, expect, it } from 'vitest';
import {
  CONDITIONAL_CHILD_COLUMNS, SEED_DECISIONS, type HierarchyDecision, type SpellingDecision,
} from '../../src/domain/catalog/reconciliation';
import { CATALOG } from '../../src/domain/catalog';
import { entryName, isMarked, readSeedTable, type SeedObject } from './seed-table';

type Kind = 'omittedBy' | 'wronglyListedBy' | 'markedDifferentlyBy';
const KINDS: readonly Kind[] = ['omittedBy', 'wronglyListedBy', 'markedDifferentlyBy'];

interface Disagreement {
  /** The object whose own row the child column contradicts. */
  readonly object: string;
  readonly kind: Kind;
  /** The object whose Child Objects column says something else. */
  readonly by: string;
  /** What the seed says, for people. */
  readonly says: string;
}

const seed = readSeedTable();
const rows = new Map(seed.map((row) => [row.name, row]));
const spellings = SEED_DECISIONS.filter((d): d is SpellingDecision => d.kind === 'spelling');
const hierarchy = SEED_DECISIONS.filter((d): d is HierarchyDecision => d.kind === 'hierarchy');

/** Objects a written child name stands for: itself if it is a row's name, else a spelling decision's. */
function meaningOf(written: string): readonly string[] | undefined {
  if (rows.has(written)) return [written];
  return spellings.find((s) => s.written === written)?.means;
}

function parentEntry(child: SeedObject, parent: string): string | undefined {
  return child.parents.find((entry) => entryName(entry) === parent);
}

function deriveDisagreements(): Disagreement[] {
  const found: Disagreement[] = [];
  for (const column of seed) {
    if (CONDITIONAL_CHILD_COLUMNS.includes(column.name)) continue;
    // What this child column says: object → marked as immediate.
    const listed = new Map<string, { written: string; marked: boolean }>();
    for (const entry of column.children) {
      const written = entryName(entry);
      for (const object of meaningOf(written) ?? []) listed.set(object, { written: entry, marked: isMarked(entry) });
    }
    for (const [object, { written, marked }] of listed) {
      const row = rows.get(object);
      const entry = row && parentEntry(row, column.name);
      if (!entry) {
        found.push({ object, kind: 'wronglyListedBy', by: column.name,
          says: `${column.name}'s Child Objects column lists ${written}, but ${object}'s Parent Objects column [${row?.parents.join(', ')}] does not list ${column.name}` });
      } else if (isMarked(entry) !== marked) {
        found.push({ object, kind: 'markedDifferentlyBy', by: column.name,
          says: `${column.name}'s Child Objects column lists ${written}, but ${object}'s Parent Objects column has ${entry}` });
      }
    }
    for (const row of seed) {
      const entry = parentEntry(row, column.name);
      if (entry && !listed.has(row.name)) {
        found.push({ object: row.name, kind: 'omittedBy', by: column.name,
          says: `${row.name}'s Parent Objects column lists ${entry}, but ${column.name}'s Child Objects column ${column.children.length === 0 ? 'says "No dependent objects"' : `omits ${row.name}`}` });
      }
    }
  }
  return found;
}

const disagreements = deriveDisagreements();
const key = (object: string, kind: Kind, by: string) => `${object} ${kind} ${by}`;
const derivedKeys = new Set(disagreements.map((d) => key(d.object, d.kind, d.by)));
const decidedBy = (d: Disagreement) => hierarchy.filter((h) => h.object === d.object && (h[d.kind] ?? []).includes(d.by));

describe('seed table reconciliation', () => {
  it('finds the contradictions the design brief names', () => {
    const objects = new Set(disagreements.map((d) => d.object));
    for (const name of ['Day', 'TeamMember', 'CTEDataME', 'Roster']) expect(objects).toContain(name);
    expect(disagreements).toContainEqual(expect.objectContaining({ object: 'Roster', kind: 'omittedBy', by: 'StructureGradeLevel' }));
    expect(disagreements).toContainEqual(expect.objectContaining({ object: 'TeamMember', kind: 'wronglyListedBy', by: 'Enrollment' }));
    expect(disagreements).toContainEqual(expect.objectContaining({ object: 'Day', kind: 'markedDifferentlyBy', by: 'ScheduleStructure' }));
  });

  it('every written child name that is not an object is covered by a spelling decision', () => {
    const unresolved = seed.flatMap((column) => column.children.map(entryName)
      .filter((written) => meaningOf(written) === undefined)
      .map((written) => `${column.name}: ${written}`));
    expect(unresolved).toEqual([]);
  });

  it('spelling decisions are for names that are not objects, mean real objects, and are used', () => {
    const written = new Set(seed.flatMap((column) => column.children.map(entryName)));
    expect(new Set(spellings.map((s) => s.written)).size).toBe(spellings.length);
    for (const spelling of spellings) {
      expect(rows.has(spelling.written), spelling.written).toBe(false);
      expect(written.has(spelling.written), `${spelling.written} appears in no child column`).toBe(true);
      for (const object of spelling.means) expect(CATALOG.get(object).name, spelling.written).toBe(object);
      expect(spelling.reason.length).toBeGreaterThan(0);
    }
  });

  it('a spelling that names the same object in another case still resolves to it in the catalog', () => {
    for (const spelling of spellings.filter((s) => s.means.length === 1)) {
      expect(CATALOG.find(spelling.written)?.name).toBe(spelling.means[0]);
    }
    expect(CATALOG.find('Evaluation')).toBeUndefined();
  });

  it('every disagreement is accounted for by exactly one decision', () => {
    const problems = disagreements
      .map((d) => ({ d, count: decidedBy(d).length }))
      .filter(({ count }) => count !== 1)
      .map(({ d, count }) => `${key(d.object, d.kind, d.by)}: ${count} decisions (${d.says})`);
    expect(problems).toEqual([]);
  });

  it('every hierarchy decision accounts for at least one disagreement, and lists none that is not one', () => {
    const stale: string[] = [];
    for (const decision of hierarchy) {
      const listed = KINDS.flatMap((kind) => (decision[kind] ?? []).map((by) => key(decision.object, kind, by)));
      if (listed.length === 0) stale.push(`${decision.object}: accounts for nothing`);
      for (const item of listed) if (!derivedKeys.has(item)) stale.push(`${item}: not a disagreement in the seed`);
    }
    expect(stale).toEqual([]);
  });

  it('every hierarchy decision is about a catalog object whose row keeps the Parent Objects column', () => {
    for (const decision of hierarchy) {
      expect(CATALOG.find(decision.object)?.name).toBe(decision.object);
      expect(CATALOG.get(decision.object).parents).toEqual(rows.get(decision.object)?.parents.map(entryName));
      expect(decision.decision.length).toBeGreaterThan(0);
      expect(decision.reason.length).toBeGreaterThan(0);
    }
    expect(new Set(hierarchy.map((d) => d.object)).size).toBe(hierarchy.length);
  });

  it('skips only the ReportingEntity column, which the seed marks as conditional', () => {
    expect(CONDITIONAL_CHILD_COLUMNS).toEqual(['ReportingEntity']);
    expect(seed.filter((row) => row.childrenConditional).map((row) => row.name)).toEqual(['ReportingEntity']);
    const decision = hierarchy.find((d) => d.object === 'ReportingEntity');
    expect(decision?.reason).toMatch(/only when the reporting entity object is used/i);
  });

  it('lists every seed contradiction with its decision', () => {
    const list = SEED_DECISIONS.map((decision) => {
      if (decision.kind === 'spelling') {
        const columns = seed.filter((column) => column.children.map(entryName).includes(decision.written)).map((c) => c.name);
        return {
          object: decision.means.join(' + ') || '(none)',
          seedSays: columns.length > 0 ? `"${decision.written}" in the Child Objects column of ${columns.join(', ')}` : '',
          decision: `${decision.means.length > 0 ? `means ${decision.means.join(' and ')}` : 'not an object'}: ${decision.reason}`,
        };
      }
      const mine = disagreements.filter((d) => decidedBy(d).includes(decision));
      return { object: decision.object, seedSays: mine.map((d) => d.says).join('; '), decision: decision.decision };
    });
    const text = list.map((item, i) => `${i + 1}. ${item.object}\n   seed: ${item.seedSays}\n   decision: ${item.decision}`).join('\n');
    if (process.env.TEST_VERBOSE) console.log(text);
    for (const item of list) expect(item.seedSays, item.object).not.toBe('');
    expect(list).toHaveLength(SEED_DECISIONS.length);
    // Every derived disagreement appears in the list, under its decision.
    for (const d of disagreements) expect(text).toContain(d.says);
  });
});
