// School years, named two ways: machine fields carry the first calendar year (2026), people read
// the label "2026-27" (the seed's Year field). One convention everywhere (API, CLI, page).

/** "2026-27" for 2026. */
export function schoolYearLabel(year: number): string {
  return `${year}-${String((year + 1) % 100).padStart(2, '0')}`;
}
