// `--year` for commands that talk to the API. The API takes only the choice (current | previous |
// next), so an explicit school year ("2025-26") is placed against the district's scoped year,
// which GET /api/districts lists with the years the district offers.
import { resolveSchoolYear, schoolYearLabel, type SchoolYearArgument, type SchoolYearChoice } from '../domain';
import type { ApiClient } from './api-client';
import { UsageError } from './usage-error';

interface DistrictListing {
  districtId: string;
  scopedYear: number;
  years: Record<SchoolYearChoice, number | null>;
}

/**
 * The choice to send to the API for a `--year` value (undefined: current).
 * @throws UsageError when the district is not listed for this token, or does not sync that year
 *   (the message names the district's scoped year); SchoolYearOutOfScopeError for a school year
 *   other than the scoped year ±1.
 */
export async function yearChoiceFor(api: ApiClient, districtId: string, year: SchoolYearArgument | undefined): Promise<SchoolYearChoice> {
  if (year === undefined || ('choice' in year && year.choice === 'current')) return 'current';
  const { districts } = await api.get<{ districts: DistrictListing[] }>('/api/districts');
  const district = districts.find((entry) => entry.districtId === districtId.toLowerCase());
  if (!district) throw new UsageError(`district "${districtId}" is not registered (or this token may not see it)`);
  const { choice, schoolYear } = resolveSchoolYear(year, district.scopedYear);
  if (district.years[choice] === null) {
    throw new UsageError(`district ${district.districtId} (scoped year ${schoolYearLabel(district.scopedYear)}) is not configured to sync the ${choice} school year, ${schoolYearLabel(schoolYear)}`);
  }
  return choice;
}
