// The year rollover's one precondition (DESIGN §2.7): it closes the district's scoped year. The
// end-of-year resync "must be completed before the scoped year … is switched", so the year it
// ends can only be the one the district is scoped to now.
import { schoolYearLabel } from './school-year';

/** Why a rollover of `endingYear` cannot start for a district scoped to `scopedYear`, or
 *  undefined when it can. Years are first calendar years (2026 = 2026-27). */
export function rolloverYearProblem(districtId: string, scopedYear: number, endingYear: number): string | undefined {
  if (scopedYear === endingYear) return undefined;
  return `district ${districtId} is scoped to ${schoolYearLabel(scopedYear)}; a rollover ends the scoped year, `
    + `so its ending year is ${schoolYearLabel(scopedYear)}, not ${schoolYearLabel(endingYear)}`;
}
