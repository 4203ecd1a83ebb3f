// The plan dry-run's warning: which parents the plan leaves out are missing at the state, and
// about how many records will fail for them (src/domain/missing-parents.ts). Reads counts on both
// sides for the left-out ancestors of the planned objects only.
import { parentCoverage } from '../../data/parent-coverage';
import { districtCatalog, missingParentsWarning, offers, type MissingParentsWarning, type SchoolYearChoice } from '../../domain';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import type { PlannedResync } from './start';

/**
 * The warning for a planned resync, or null when no record is expected to fail for a parent.
 * @param records the records each planned object would send
 */
export async function planWarning(
  deps: Pick<ApiDeps, 'state' | 'districtSources'>, principal: Principal, planned: PlannedResync, year: SchoolYearChoice,
  records: Readonly<Record<string, number>>,
): Promise<MissingParentsWarning | null> {
  const { district, plan, schoolYear } = planned;
  const catalog = districtCatalog(district.profile);
  const inPlan = new Set(plan.levels.flat());
  // Every ancestor of a planned object that the plan leaves out (closed under ancestry, so the
  // missing parents of a missing parent are known too).
  const leftOut = catalog.names.filter((name) => !inPlan.has(name) && [...inPlan].some((object) => catalog.get(object).parents.includes(name)));
  if (leftOut.length === 0) return null;
  const coverage = await parentCoverage(deps.state, deps.districtSources.for(district), district, schoolYear, leftOut,
    { includeStateBatches: principal.role === 'state' });
  const notOffered = new Map(offers(district.profile, year).filter((offer) => offer.notOfferedBecause).map((offer) => [offer.object.name, offer.notOfferedBecause]));
  for (const [object, known] of coverage) {
    const reason = notOffered.get(object);
    if (reason) coverage.set(object, { ...known, notOfferedBecause: reason });
  }
  return missingParentsWarning(plan, catalog, records, coverage);
}
