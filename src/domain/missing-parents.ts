// The warning before a resync whose records will fail because their parents are not at the state
// (DESIGN §2.3: without Check Dependencies, "records whose parents are missing at the state fail").
// Pure: given what the district and the state hold of each parent the plan leaves out, it says
// which parents are missing, about how many records of each planned object will fail for it, and
// which parents to add so that none do. The estimate is a count, not a join (the two sides usually
// live in different databases): a parent short of k of its n allowed records makes about k/n of
// the records that point at it fail, and a planned parent's failures carry on to its children.
import type { Catalog } from './catalog';
import { levelsOf, type Plan } from './planner';
import type { ObjectOutcome, StatusColour } from './status';

/** What the district and the state hold of one object the plan leaves out. */
export interface ParentCoverage {
  readonly object: string;
  /** Records the district holds (for the school year, where the object is tied to one). */
  readonly districtRecords: number;
  /** Records the state holds for the district (same school year). */
  readonly stateRecords: number;
  /** Records the state never receives: not allowed to sync (state-excluded, or under such a
   *  record), as the object's last resync logged them, else as flagged at the district. */
  readonly notAllowed: number;
  /** The object's last resync the reader may see (null: never resynced, as far as they know). */
  readonly lastResync: { readonly at: string; readonly colour: StatusColour; readonly status: ObjectOutcome } | null;
  /** Why this plan cannot include it (e.g. not tied to a school year); undefined: it can. */
  readonly notOfferedBecause?: string;
}

export interface MissingParent extends ParentCoverage {
  /** Allowed records of the district that are not at the state: districtRecords − notAllowed − stateRecords. */
  readonly shortfall: number;
  /** Planned objects, and other missing parents, whose records point at it. */
  readonly neededBy: readonly string[];
}

export interface FailingObject {
  readonly object: string;
  /** Records it would send. */
  readonly records: number;
  /** About how many of them will fail because a parent is missing at the state. */
  readonly failing: number;
  /** The parents it points at that are missing (left out, or planned but failing themselves). */
  readonly missingParents: readonly string[];
}

export interface MissingParentsWarning {
  /** About how many records of the plan will fail, in all. */
  readonly failing: number;
  readonly objects: readonly FailingObject[];
  /** The parents the plan leaves out that are missing at the state, parents first. */
  readonly parents: readonly MissingParent[];
  /** What to add to the selection so that no record fails for a missing parent: the missing
   *  parents that can be added, with their own missing parents. */
  readonly add: readonly string[];
  /** One paragraph for people (the CLI, the API's readers): what fails, and why. */
  readonly message: string;
}

const shortfallOf = (coverage: ParentCoverage): number =>
  Math.max(0, coverage.districtRecords - coverage.notAllowed - coverage.stateRecords);

/** "never resynced", "last resync red", with the counts. */
export function describeMissingParent(parent: MissingParent): string {
  const last = parent.lastResync === null ? 'never resynced' : `last resync ${parent.lastResync.colour}${parent.lastResync.status === 'completed' ? '' : ` (${parent.lastResync.status})`}`;
  const counts = `${parent.stateRecords.toLocaleString('en-US')} of ${(parent.districtRecords - parent.notAllowed).toLocaleString('en-US')} records at the state`;
  return `${parent.object} (${last}; ${counts}${parent.notOfferedBecause ? `; cannot be added here: ${parent.notOfferedBecause}` : ''})`;
}

function messageOf(objects: readonly FailingObject[], parents: readonly MissingParent[], failing: number): string {
  const total = objects.reduce((sum, object) => sum + object.records, 0);
  const which = objects.map((object) => `${object.object} ${object.failing.toLocaleString('en-US')} of ${object.records.toLocaleString('en-US')}`).join(', ');
  return `About ${failing.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} records will fail (${which}): `
    + `their parents are not at the state: ${parents.map(describeMissingParent).join('; ')}.`;
}

/**
 * The warning for a plan, or null when no record is expected to fail for a missing parent.
 * @param records the records each planned object would send (as the plan dry-run counts them)
 * @param coverage what each object the plan leaves out holds on both sides; an object absent
 *   from it counts as complete at the state
 */
export function missingParentsWarning(
  plan: Plan, catalog: Catalog, records: Readonly<Record<string, number>>, coverage: ReadonlyMap<string, ParentCoverage>,
): MissingParentsWarning | null {
  const planned = plan.levels.flat();
  const isPlanned = new Set(planned);
  const failShare = new Map<string, number>();
  const leftOutShare = (parent: string): number => {
    const known = coverage.get(parent);
    if (!known || known.districtRecords <= 0) return 0;
    return Math.min(1, shortfallOf(known) / known.districtRecords);
  };
  const shareOf = (parent: string) => (isPlanned.has(parent) ? failShare.get(parent) ?? 0 : leftOutShare(parent));

  const objects: FailingObject[] = [];
  // Levels run parents first, so a planned parent's share is known before its children need it.
  for (const object of planned) {
    const references = catalog.get(object).referencedParents;
    const missing = references.filter((parent) => shareOf(parent) > 0);
    const share = 1 - references.reduce((kept, parent) => kept * (1 - shareOf(parent)), 1);
    failShare.set(object, share);
    const failing = Math.round((records[object] ?? 0) * share);
    if (failing > 0) objects.push({ object, records: records[object] ?? 0, failing, missingParents: missing });
  }
  if (objects.length === 0) return null;

  const leftOutMissing = (name: string) => !isPlanned.has(name) && leftOutShare(name) > 0;

  // The missing parents of what fails, then theirs (an added parent must not fail in turn).
  const add = new Set<string>();
  const pending = objects.flatMap((object) => object.missingParents.filter(leftOutMissing));
  for (let parent = pending.shift(); parent !== undefined; parent = pending.shift()) {
    if (add.has(parent)) continue;
    add.add(parent);
    // Adding a parent the plan cannot include would not help its own parents' children.
    if (coverage.get(parent)?.notOfferedBecause === undefined) pending.push(...catalog.get(parent).referencedParents.filter(leftOutMissing));
  }
  // Who needs each: the planned objects, and the other missing parents, that point at it.
  const needing = [...planned, ...levelsOf(add, catalog).flat()];
  const neededBy = (parent: string) => needing.filter((object) => catalog.get(object).referencedParents.includes(parent));
  const parents = levelsOf(add, catalog).flat().map((name): MissingParent => {
    const known = coverage.get(name) as ParentCoverage;
    return { ...known, shortfall: shortfallOf(known), neededBy: neededBy(name) };
  });
  const failing = objects.reduce((sum, object) => sum + object.failing, 0);
  return {
    failing, objects, parents,
    add: parents.filter((parent) => parent.notOfferedBecause === undefined).map((parent) => parent.object),
    message: messageOf(objects, parents, failing),
  };
}
