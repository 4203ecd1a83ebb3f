// Which catalog objects a district is offered for a school year, and why the others are not
// (DESIGN §2.4, §2.5). The reasons are shown to users, so they say what to change.
import { catalogFor, nameKey, REPORTING_ENTITY, type Catalog, type CatalogObject } from './catalog';
import { MONTANA, REGION_NAMES, type DistrictProfile, type SchoolYearChoice } from './profile';

export interface Offer {
  readonly object: CatalogObject;
  /** Undefined when the object is offered. */
  readonly notOfferedBecause?: string;
}

function reportingEntityReason(profile: DistrictProfile): string | undefined {
  if (profile.state?.toUpperCase() === MONTANA) {
    return 'ReportingEntity is no longer available for Montana districts (Release Pack .1501)';
  }
  if (!profile.reportingEntity) return 'the district does not use the reporting-entity layer';
  return undefined;
}

const names = (list: readonly string[]) => new Set(list.map(nameKey));

function applicabilityReason(object: CatalogObject, profile: DistrictProfile): string | undefined {
  const own = object.name === REPORTING_ENTITY
    ? reportingEntityReason(profile)
    : object.region && object.region !== profile.state?.toUpperCase()
      ? `applies only to ${REGION_NAMES[object.region]} (${object.region}) districts`
      : undefined;
  if (own) return own;
  return names(profile.disabledObjects).has(nameKey(object.name)) ? 'switched off in this district\'s configuration' : undefined;
}

function yearReason(object: CatalogObject, profile: DistrictProfile, year: SchoolYearChoice): string | undefined {
  if (year === 'current') return undefined;
  if (!object.yearTied) return 'not tied to a school year: resynced only with the current year';
  const configured = names(profile.yearSync[year]).has(nameKey(object.name));
  return configured ? undefined : `not configured to sync for the ${year} school year`;
}

/** The catalog layout the district uses (with ReportingEntity only where it applies). */
export function districtCatalog(profile: DistrictProfile): Catalog {
  return catalogFor({ reportingEntity: reportingEntityReason(profile) === undefined });
}

export function offers(profile: DistrictProfile, year: SchoolYearChoice): Offer[] {
  return districtCatalog(profile).objects.map((object) => {
    const reason = applicabilityReason(object, profile) ?? yearReason(object, profile, year);
    return reason ? { object, notOfferedBecause: reason } : { object };
  });
}

/** A district syncs a previous/next year only if at least one object is offered for it. */
export function yearIsOffered(profile: DistrictProfile, year: SchoolYearChoice): boolean {
  return year === 'current' || offers(profile, year).some((offer) => offer.notOfferedBecause === undefined);
}
