// The district registry: which districts exist, their profile, scoped year and where their source
// data lives. Lives in the state database (schema `resync`).
import { ScopedYearChangedError, UnknownDistrictError, type DistrictProfile } from '../domain';
import type { Queryable } from './db';
import { districtSchema } from './schema/columns';

export interface District {
  readonly districtId: string;
  readonly name: string;
  readonly profile: DistrictProfile;
  readonly scopedYear: number;
  readonly sourceUrl: string | null;
  /** After a batch lands parents, retry the district's records that failed only for want of them. */
  readonly autoRetryDeferred: boolean;
  readonly sourceSchema: string;
}

export interface DistrictRegistration {
  readonly districtId: string;
  readonly name: string;
  readonly state: string | null;
  readonly reportingEntity: boolean;
  readonly scopedYear: number;
  readonly disabledObjects?: readonly string[];
  readonly yearSync?: { previous: readonly string[]; next: readonly string[] };
  readonly sourceUrl?: string | null;
  readonly autoRetryDeferred?: boolean;
}

export { UnknownDistrictError };

interface DistrictRow {
  district_id: string;
  name: string;
  state: string | null;
  reporting_entity: boolean;
  disabled_objects: string[];
  year_sync_previous: string[];
  year_sync_next: string[];
  scoped_year: number;
  source_url: string | null;
  auto_retry_deferred: boolean;
  source_schema: string;
}

function toDistrict(row: DistrictRow): District {
  return {
    districtId: row.district_id,
    name: row.name,
    profile: {
      state: row.state,
      reportingEntity: row.reporting_entity,
      disabledObjects: row.disabled_objects,
      yearSync: { previous: row.year_sync_previous, next: row.year_sync_next },
    },
    scopedYear: row.scoped_year,
    sourceUrl: row.source_url,
    autoRetryDeferred: row.auto_retry_deferred,
    sourceSchema: row.source_schema,
  };
}

export async function findDistrict(sql: Queryable, districtId: string): Promise<District | undefined> {
  const [row] = await sql<DistrictRow[]>`select * from resync.district where district_id = ${districtId}`;
  return row ? toDistrict(row) : undefined;
}

export async function getDistrict(sql: Queryable, districtId: string): Promise<District> {
  const district = await findDistrict(sql, districtId);
  if (!district) throw new UnknownDistrictError(districtId);
  return district;
}

export async function listDistricts(sql: Queryable): Promise<District[]> {
  return (await sql<DistrictRow[]>`select * from resync.district order by district_id`).map(toDistrict);
}

export async function registerDistrict(sql: Queryable, registration: DistrictRegistration): Promise<District> {
  const row = {
    district_id: registration.districtId,
    name: registration.name,
    state: registration.state,
    reporting_entity: registration.reportingEntity,
    disabled_objects: [...(registration.disabledObjects ?? [])],
    year_sync_previous: [...(registration.yearSync?.previous ?? [])],
    year_sync_next: [...(registration.yearSync?.next ?? [])],
    scoped_year: registration.scopedYear,
    source_url: registration.sourceUrl ?? null,
    auto_retry_deferred: registration.autoRetryDeferred ?? false,
    source_schema: districtSchema(registration.districtId),
  };
  const [saved] = await sql<DistrictRow[]>`
    insert into resync.district ${sql(row)}
    on conflict (district_id) do update set
      name = excluded.name, state = excluded.state, reporting_entity = excluded.reporting_entity,
      disabled_objects = excluded.disabled_objects, year_sync_previous = excluded.year_sync_previous,
      year_sync_next = excluded.year_sync_next, scoped_year = excluded.scoped_year,
      source_url = excluded.source_url, auto_retry_deferred = excluded.auto_retry_deferred, updated_at = now()
    returning *`;
  if (!saved) throw new Error(`registering district ${registration.districtId} returned nothing`);
  return toDistrict(saved);
}

/**
 * Switches a district's scoped year from `fromYear` to `toYear` in one conditional statement, so
 * two concurrent switches cannot both apply (or skip a year). Switching again to the year already
 * in place is a no-op (a retried activity).
 * @throws UnknownDistrictError when the district is not registered
 * @throws ScopedYearChangedError when the district is scoped to neither year
 */
export async function switchScopedYear(sql: Queryable, districtId: string, fromYear: number, toYear: number): Promise<'switched' | 'already switched'> {
  const switched = await sql`update resync.district set scoped_year = ${toYear}, updated_at = now()
    where district_id = ${districtId} and scoped_year = ${fromYear}`;
  if (switched.count === 1) return 'switched';
  const district = await findDistrict(sql, districtId);
  if (!district) throw new UnknownDistrictError(districtId);
  if (district.scopedYear === toYear) return 'already switched';
  throw new ScopedYearChangedError(`district ${districtId} is scoped to ${district.scopedYear}, not ${fromYear}`);
}

/**
 * Turns a district's automatic retry of deferred records (issue 13: records that failed only
 * because their parent was missing, retried once a batch lands the parent) on or off.
 * @returns the district as it now is
 * @throws UnknownDistrictError when the district is not registered
 */
export async function setAutoRetryDeferred(sql: Queryable, districtId: string, enabled: boolean): Promise<District> {
  const [row] = await sql<DistrictRow[]>`update resync.district set auto_retry_deferred = ${enabled}, updated_at = now()
    where district_id = ${districtId} returning *`;
  if (!row) throw new UnknownDistrictError(districtId);
  return toDistrict(row);
}

/** The calendar year a school-year choice resolves to for a district. */
export function schoolYearFor(district: District, choice: 'current' | 'previous' | 'next'): number {
  return district.scopedYear + (choice === 'previous' ? -1 : choice === 'next' ? 1 : 0);
}
