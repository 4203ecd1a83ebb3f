// The resync planner (DESIGN §2.2–§2.5): a request and a district profile in, parent-first levels
// and the excluded objects (with reasons) out. Pure and deterministic: workflows call it directly.
import { offers, districtCatalog, yearIsOffered, type Offer } from './applicability';
import { closestName, type Catalog } from './catalog';
import { InvalidPlanRequestError, type UnknownObject } from './errors';
import type { ResyncKind } from './resync';
import type { DistrictProfile, SchoolYearChoice } from './profile';

export interface PlanRequest {
  /** 'all' for a full resync, or the selected object names (any case) for a partial one. */
  readonly objects: 'all' | readonly string[];
  readonly checkDependencies: boolean;
  readonly year: SchoolYearChoice;
}

export interface ExcludedObject {
  readonly object: string;
  readonly reason: string;
}

export interface Plan {
  readonly kind: ResyncKind;
  /** Level i holds objects whose planned parents are all in earlier levels; a level's objects
   *  are independent of each other. */
  readonly levels: readonly (readonly string[])[];
  readonly excluded: readonly ExcludedObject[];
  /** Objects not selected by the user but added by Check Dependencies. */
  readonly addedByCheckDependencies: readonly string[];
}

export { InvalidPlanRequestError, type UnknownObject };

function unknownObjectsMessage(unknown: readonly UnknownObject[]): string {
  const described = unknown.map(({ name, suggestion }) =>
    suggestion ? `"${name}" (did you mean ${suggestion}?)` : `"${name}"`);
  return `unknown object${unknown.length > 1 ? 's' : ''}: ${described.join(', ')}`;
}

/** Canonical names of the selection, in catalog order, duplicates collapsed. */
function resolveSelection(names: readonly string[], catalog: Catalog): string[] {
  const unknown: UnknownObject[] = [];
  const selected = new Set<string>();
  for (const name of names) {
    const object = catalog.find(name);
    if (object) {
      selected.add(object.name);
      continue;
    }
    const suggestion = closestName(name, catalog.names);
    if (!unknown.some((u) => u.name === name)) unknown.push(suggestion ? { name, suggestion } : { name });
  }
  if (unknown.length > 0) throw new InvalidPlanRequestError(unknownObjectsMessage(unknown), unknown);
  return catalog.names.filter((name) => selected.has(name));
}

/** Groups planned objects by the length of their longest chain of planned parents. */
export function levelsOf(planned: ReadonlySet<string>, catalog: Catalog): string[][] {
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const parents = catalog.get(name).parents.filter((parent) => planned.has(parent));
    const value = parents.length === 0 ? 0 : 1 + Math.max(...parents.map(depthOf));
    depth.set(name, value);
    return value;
  };
  const levels: string[][] = [];
  for (const name of catalog.names.filter((n) => planned.has(n))) {
    const level = depthOf(name);
    while (levels.length <= level) levels.push([]);
    levels[level]?.push(name);
  }
  return levels.filter((level) => level.length > 0);
}

function excludedEntry(offer: Offer | undefined, name: string): ExcludedObject {
  return { object: name, reason: offer?.notOfferedBecause ?? 'not offered' };
}

export function planResync(request: PlanRequest, profile: DistrictProfile): Plan {
  if (!yearIsOffered(profile, request.year)) {
    throw new InvalidPlanRequestError(`the district is not configured to sync the ${request.year} school year`);
  }
  const catalog = districtCatalog(profile);
  const offerOf = new Map(offers(profile, request.year).map((offer) => [offer.object.name, offer]));
  const isOffered = (name: string) => offerOf.get(name)?.notOfferedBecause === undefined;

  if (request.objects === 'all') {
    const planned = new Set(catalog.names.filter(isOffered));
    return {
      kind: 'full',
      levels: levelsOf(planned, catalog),
      excluded: catalog.names.filter((name) => !isOffered(name)).map((name) => excludedEntry(offerOf.get(name), name)),
      addedByCheckDependencies: [],
    };
  }

  if (request.objects.length === 0) throw new InvalidPlanRequestError('select at least one object, or "all"');
  const selected = resolveSelection(request.objects, catalog);
  const wanted = new Set(selected);
  if (request.checkDependencies) {
    for (const name of selected) for (const parent of catalog.get(name).parents) wanted.add(parent);
  }
  const ordered = catalog.names.filter((name) => wanted.has(name));
  const planned = new Set(ordered.filter(isOffered));
  return {
    kind: 'partial',
    levels: levelsOf(planned, catalog),
    excluded: ordered.filter((name) => !planned.has(name)).map((name) => excludedEntry(offerOf.get(name), name)),
    addedByCheckDependencies: ordered.filter((name) => planned.has(name) && !selected.includes(name)),
  };
}

export function plannedObjects(plan: Plan): string[] {
  return plan.levels.flat();
}
