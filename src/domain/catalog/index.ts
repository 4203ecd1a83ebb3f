// The object catalog: the seed's table as validated data, in two layouts (with and without the
// reporting-entity layer). Loaded once at import; an invalid catalog fails start-up.
import { loadCatalog, type Catalog } from './catalog';
import { CATALOG_ENTRIES } from './objects';
import { withReportingEntityLayer } from './reporting-entity';

export { Catalog, CatalogError, loadCatalog } from './catalog';
export { CATALOG_ENTRIES } from './objects';
export { REPORTING_ENTITY, withReportingEntityLayer } from './reporting-entity';
export { closestName, nameKey, tableName } from './names';
export type * from './types';

/** All 55 objects as the seed lists them; ReportingEntity hangs off District only. */
export const CATALOG: Catalog = loadCatalog(CATALOG_ENTRIES);
const LAYERED_CATALOG: Catalog = loadCatalog(withReportingEntityLayer(CATALOG_ENTRIES));

/** The catalog as a district sees it: with ReportingEntity between District and School when used. */
export function catalogFor(layout: { reportingEntity: boolean }): Catalog {
  return layout.reportingEntity ? LAYERED_CATALOG : CATALOG;
}
