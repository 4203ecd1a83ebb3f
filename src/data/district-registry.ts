// The district registry: which districts exist, their profile, scoped year and where their source
// data lives. Lives in the state database (schema `resync`).
import type { DistrictProfile } from '../domain';
import type { Sql } from './db';
import { districtSchema } from './schema/columns';

export interface District {
  readonly districtId: string;
  readonly name: string;
  readonly profile: DistrictProfile;
  readonly scopedYear: number;
  readonly sourceUrl: string | null;
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
}

export class UnknownDistrictError extends Error {
  override readonly name = 'UnknownDistrictError';
  constructor(readonly districtId: string) {
    super(`district "${districtId}" is not registered`);
  }
}

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
    sourceSchema: row.source_schema,
  };
}

export async function findDistrict(sql: Sql, districtId: string): Promise<District | undefined> {
  const [row] = await sql<DistrictRow[]>`select * from resync.district where district_id = ${districtId}`;
  return row ? toDistrict(row) : undefined;
}

export async function getDistrict(sql: Sql, districtId: string): Promise<District> {
  const district = await findDistrict(sql, districtId);
  if (!district) throw new UnknownDistrictError(districtId);
  return district;
}

export async function listDistricts(sql: Sql): Promise<District[]> {
  return (await sql<DistrictRow[]>`select * from resync.district order by district_id`).map(toDistrict);
}

export async function registerDistrict(sql: Sql, registration: DistrictRegistration): Promise<District> {
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
    source_schema: districtSchema(registration.districtId),
  };
  const [saved] = await sql<DistrictRow[]>`
    insert into resync.district ${sql(row)}
    on conflict (district_id) do update set
      name = excluded.name, state = excluded.state, reporting_entity = excluded.reporting_entity,
      disabled_objects = excluded.disabled_objects, year_sync_previous = excluded.year_sync_previous,
      year_sync_next = excluded.year_sync_next, scoped_year = excluded.scoped_year,
      source_url = excluded.source_url, updated_at = now()
    returning *`;
  if (!saved) throw new Error(`registering district ${registration.districtId} returned nothing`);
  return toDistrict(saved);
}

export async function setScopedYear(sql: Sql, districtId: string, scopedYear: number): Promise<void> {
  await sql`update resync.district set scoped_year = ${scopedYear}, updated_at = now() where district_id = ${districtId}`;
}

/** The calendar year a school-year choice resolves to for a district. */
export function schoolYearFor(district: District, choice: 'current' | 'previous' | 'next'): number {
  return district.scopedYear + (choice === 'previous' ? -1 : choice === 'next' ? 1 : 0);
}
