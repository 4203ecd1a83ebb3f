// The reporting-entity layer (DESIGN §2.4). The seed lists ReportingEntity under District and, "only
// when the reporting entity object is used", above School and everything below School. No other
// row names it as a parent, so the layer is applied here, to a copy of the entries, for the
// districts that use it: School's immediate parent becomes ReportingEntity, and every object that
// depends on School also depends on ReportingEntity, right after District.
import type { CatalogEntry } from './types';

export const REPORTING_ENTITY = 'ReportingEntity';

function insertAfterDistrict(parents: readonly string[]): string[] {
  const at = parents.findIndex((parent) => parent.replace('*', '').trim() === 'District');
  return [...parents.slice(0, at + 1), REPORTING_ENTITY, ...parents.slice(at + 1)];
}

function dependsOnSchool(entry: CatalogEntry): boolean {
  return entry.parents.some((parent) => parent.replace('*', '').trim() === 'School');
}

export function withReportingEntityLayer(entries: readonly CatalogEntry[]): CatalogEntry[] {
  return entries.map((entry) => {
    if (entry.name === 'School') return { ...entry, parents: ['District', `${REPORTING_ENTITY}*`] };
    return dependsOnSchool(entry) ? { ...entry, parents: insertAfterDistrict(entry.parents) } : entry;
  });
}
