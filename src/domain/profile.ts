// What the planner needs to know about a district (DESIGN §2.4, §2.5). Stored in the district
// registry; the CLI builds one from flags.
import type { Region } from './catalog';

export type SchoolYearChoice = 'current' | 'previous' | 'next';
export const SCHOOL_YEAR_CHOICES: readonly SchoolYearChoice[] = ['current', 'previous', 'next'];

export interface DistrictProfile {
  /** Two-letter state code, or 'BIE' (Bureau of Indian Education); null = a generic state where
   *  no state-specific object applies. */
  readonly state: string | null;
  /** The district reports through the reporting-entity layer between District and School. */
  readonly reportingEntity: boolean;
  /** Objects the district has switched off although its state offers them. */
  readonly disabledObjects: readonly string[];
  /** Year-tied objects configured to sync for the previous / next school year (§2.5). */
  readonly yearSync: { readonly previous: readonly string[]; readonly next: readonly string[] };
}

export const REGION_NAMES: Record<Region, string> = {
  KY: 'Kentucky',
  SD: 'South Dakota',
  ME: 'Maine',
  BIE: 'Bureau of Indian Education',
};

export const MONTANA = 'MT';
