// The one rule of what may reach the state (DESIGN §2.8): a record is allowed only if it is not
// state-excluded itself and every parent it references is allowed at the district — a roster of a
// state-excluded enrollment, or anything under a state-excluded calendar, is not allowed either.
// The copy (what it sends and what it removes), the prune (through what the copy leaves
// untouched) and verification (what counts as excluded) all build their SQL from here.
//
// Checking every ancestor on every row costs: the rule takes the district's *exclusion branches*,
// the objects that hold at least one not-allowed record at the district (found once per batch,
// `findExclusionBranches`), and checks only references to those. A district without exclusions
// pays nothing.
import { CATALOG, type CatalogObject } from '../../domain';
import type { Queryable } from '../db';
import { parentReferences, SCHEMA_CATALOG } from './columns';
import { parentFirstObjects } from './ddl';
import { quoteIdentifier as q } from './identifiers';

/** Objects holding at least one record that is not allowed at the district (its own flag or an
 *  ancestor's); 'all' checks every reference that could lead to an exclusion. */
export type ExclusionBranches = ReadonlySet<string> | 'all';

const excludableCache = new Map<string, boolean>();

/** Whether a record of this object can ever be not allowed: it has an exclusion flag, or one of
 *  the parents it references can be not allowed. */
export function canBeExcluded(object: CatalogObject): boolean {
  let known = excludableCache.get(object.name);
  if (known === undefined) {
    known = Boolean(object.exclusionFlag) || parentReferences(object).some((reference) => canBeExcluded(CATALOG.get(reference.parent)));
    excludableCache.set(object.name, known);
  }
  return known;
}

function checked(parent: CatalogObject, branches: ExclusionBranches): boolean {
  return branches === 'all' ? canBeExcluded(parent) : branches.has(parent.name);
}

/** Whether a record of `object` can be found not allowed at a district with these exclusion
 *  branches: it has an exclusion flag, or references a parent of a branch. When not, every record
 *  of it is allowed (`notAllowedCondition` is 'false') and nothing needs checking. */
export function mayBeNotAllowed(object: CatalogObject, branches: ExclusionBranches): boolean {
  return Boolean(object.exclusionFlag) || parentReferences(object).some((reference) => checked(CATALOG.get(reference.parent), branches));
}

/**
 * SQL condition, true for a district record (`alias` of `object`'s table in `schema`) that is not
 * allowed to sync. Parents are checked through EXISTS, which PostgreSQL hashes over a page.
 */
export function notAllowedCondition(schema: string, object: CatalogObject, alias: string, branches: ExclusionBranches = 'all', depth = 0): string {
  const conditions: string[] = [];
  if (object.exclusionFlag) conditions.push(`${alias}."state_excluded"`);
  for (const reference of parentReferences(object)) {
    const parent = CATALOG.get(reference.parent);
    if (!checked(parent, branches)) continue;
    const parentAlias = `p${depth}_${parent.table}`;
    conditions.push(`exists (select 1 from ${q(schema)}.${q(parent.table)} ${parentAlias}
      where ${parentAlias}."id" = ${alias}.${q(reference.column)} and (${notAllowedCondition(schema, parent, parentAlias, branches, depth + 1)}))`);
  }
  return conditions.length > 0 ? conditions.join(' or ') : 'false';
}

/** SQL text expression naming the record that makes a record not allowed, as `Object:id` (the
 *  record itself when it is flagged, else the nearest flagged ancestor, parents in catalog order);
 *  null for a record that is allowed. Meant for the few records found not allowed. */
function causeExpression(schema: string, object: CatalogObject, alias: string, branches: ExclusionBranches, depth: number): string {
  const candidates: string[] = [];
  if (object.exclusionFlag) candidates.push(`case when ${alias}."state_excluded" then '${object.name}:' || ${alias}."id" end`);
  for (const reference of parentReferences(object)) {
    const parent = CATALOG.get(reference.parent);
    if (!checked(parent, branches)) continue;
    const parentAlias = `c${depth}_${parent.table}`;
    candidates.push(`(select ${causeExpression(schema, parent, parentAlias, branches, depth + 1)} from ${q(schema)}.${q(parent.table)} ${parentAlias}
      where ${parentAlias}."id" = ${alias}.${q(reference.column)})`);
  }
  if (candidates.length === 0) return 'null::text';
  return candidates.length === 1 ? candidates[0] as string : `coalesce(${candidates.join(', ')})`;
}

/** SQL text expression: null for an allowed record, else `Object:id` of the record that excludes
 *  it (itself, or an ancestor). The cheap condition guards the walk to the cause. */
export function exclusionCause(schema: string, object: CatalogObject, alias: string, branches: ExclusionBranches = 'all'): string {
  const condition = notAllowedCondition(schema, object, alias, branches);
  if (condition === 'false') return 'null::text';
  return `case when ${condition} then ${causeExpression(schema, object, alias, branches, 0)} end`;
}

export interface ExclusionCause {
  readonly object: string;
  readonly recordId: number;
}

/** Parses `exclusionCause`'s value. @throws Error on a value it did not produce */
export function parseExclusionCause(value: string): ExclusionCause {
  const at = value.lastIndexOf(':');
  const recordId = Number(value.slice(at + 1));
  const object = value.slice(0, at);
  if (at <= 0 || !Number.isSafeInteger(recordId) || !CATALOG.find(object)) throw new Error(`not an exclusion cause: "${value}"`);
  return { object, recordId };
}

/** Objects other objects reference: only their not-allowed records can exclude others. */
const REFERENCED = new Set(SCHEMA_CATALOG.objects.flatMap((object) => parentReferences(object).map((reference) => reference.parent)));

/**
 * The district's exclusion branches: referenced objects holding at least one not-allowed record,
 * found parent-first with one EXISTS query per candidate (a handful of short queries; an object
 * whose parents hold no exclusion and that has no flag is not even asked).
 * @returns the objects' names
 */
export async function findExclusionBranches(source: Queryable, schema: string): Promise<Set<string>> {
  const branches = new Set<string>();
  for (const object of parentFirstObjects()) {
    if (!REFERENCED.has(object.name) || !canBeExcluded(object)) continue;
    const condition = notAllowedCondition(schema, object, 'd', branches);
    if (condition === 'false') continue;
    const [row] = await source.unsafe(`select exists (select 1 from ${q(schema)}.${q(object.table)} d where ${condition}) as found`);
    if (row?.found === true) branches.add(object.name);
  }
  return branches;
}

/** A stable key for statement caches. */
export function branchesKey(branches: ExclusionBranches): string {
  return branches === 'all' ? '*' : [...branches].sort().join(',');
}
