// The verification summary (DESIGN §2.10): per object and school year, what the district holds
// against what the state holds, records compared by content hash. In one database PostgreSQL
// joins both sides; between servers each side digests its records per bucket of ids and only
// buckets that disagree are streamed in id order and merged, so memory stays flat however large
// the district.
import type { Sql, Tx } from '../data/db';
import type { District } from '../data/district-registry';
import type { DistrictSources } from '../data/district-sources';
import { findExclusionBranches, type ExclusionBranches } from '../data/schema/exclusion';
import { CATALOG, districtCatalog, offers, type CatalogObject, type SchoolYearChoice } from '../domain';
import { forEachBounded } from '../workflows/bounded';
import { BUCKET_BITS, compareInDatabase, districtBuckets, districtSide, stateBuckets, stateSide } from './statements';

export interface ObjectVerification {
  readonly object: string;
  /** Records the district holds for the year. */
  readonly district: number;
  /** Records the state holds for the district and year. */
  readonly state: number;
  /** District records allowed to sync that the state lacks. */
  readonly missing: number;
  /** State records the district no longer has (or may no longer send). */
  readonly extra: number;
  /** Records on both sides whose content differs. */
  readonly differing: number;
  /** District records not allowed to sync (state-excluded, or under a state-excluded record). */
  readonly excluded: number;
  readonly inSync: boolean;
}

interface Row {
  id: number;
  hash: string;
  excluded?: boolean;
}

const BATCH = 5000;
/** Statements of one verification running at once (each on its own connection). */
const VERIFY_PARALLELISM = 4;
/** Between servers, an object with this many records (when the caller knows) is digested in a
 *  statement of its own, beside the others; smaller objects share one statement. */
export const VERIFY_ALONE_RECORDS = 50_000;
/** A state-side digest of fewer records than this (as far as the caller knows) runs without
 *  parallel workers. The state's tables hold every district, so PostgreSQL plans a parallel scan
 *  for a district's share of them; for a district of ~20 K records that took 15–17 ms and three
 *  processes' CPU against 8 ms serially (measured on a state holding 50 districts), and at year
 *  end, every district verifying beside the others' copies, CPU is what the run waits for.
 *  Digesting ~0.4 µs per record, a parallel plan pays for its workers' start from about here. */
export const PARALLEL_DIGEST_RECORDS = 250_000;

async function* stream(sql: Sql, text: string, params: unknown[]): AsyncGenerator<Row> {
  for await (const rows of sql.unsafe(text, params as never[]).cursor(BATCH)) {
    for (const row of rows) yield row as unknown as Row;
  }
}

/** District and state in one database: PostgreSQL joins the two sides itself. */
async function verifyObjectInDatabase(
  stateSql: Sql, district: District, objectName: string, schoolYear: number, branches: ExclusionBranches,
): Promise<ObjectVerification> {
  const object = CATALOG.get(objectName);
  const params = object.yearTied ? [district.districtId, schoolYear] : [district.districtId];
  const [row] = await stateSql.unsafe(compareInDatabase(district.sourceSchema, object, branches), params as never[]);
  const counts = {
    district: Number(row?.district ?? 0), state: Number(row?.state ?? 0), missing: Number(row?.missing ?? 0),
    extra: Number(row?.extra ?? 0), differing: Number(row?.differing ?? 0), excluded: Number(row?.excluded ?? 0),
  };
  return { object: objectName, ...counts, inSync: counts.missing === 0 && counts.extra === 0 && counts.differing === 0 };
}

interface Counts { district: number; state: number; missing: number; extra: number; differing: number; excluded: number }

/** One bucket's records on both sides, streamed in id order and merged here; adds to `counts`. */
async function compareBucket(
  stateSql: Sql, source: Sql, district: District, object: CatalogObject, schoolYear: number, branches: ExclusionBranches, bucket: bigint, counts: Counts,
): Promise<void> {
  const first = String(bucket << BigInt(BUCKET_BITS));
  const last = String(((bucket + 1n) << BigInt(BUCKET_BITS)) - 1n);
  const left = stream(source, districtSide(district.sourceSchema, object, branches), object.yearTied ? [first, last, schoolYear] : [first, last]);
  const right = stream(stateSql, stateSide(object), object.yearTied ? [district.districtId, first, last, schoolYear] : [district.districtId, first, last]);
  let d = await left.next();
  let s = await right.next();
  while (!d.done || !s.done) {
    if (!d.done && (s.done || d.value.id < s.value.id)) {
      counts.district++;
      if (d.value.excluded) counts.excluded++;
      else counts.missing++;
      d = await left.next();
    } else if (!s.done && (d.done || s.value.id < d.value.id)) {
      counts.state++;
      counts.extra++;
      s = await right.next();
    } else if (!d.done && !s.done) {
      counts.district++;
      counts.state++;
      // A record the district may no longer send should not be at the state at all.
      if (d.value.excluded) counts.extra++;
      else if (d.value.hash !== s.value.hash) counts.differing++;
      d = await left.next();
      s = await right.next();
    }
  }
}

/** Runs `work` in a transaction whose statements get no parallel workers (see PARALLEL_DIGEST_RECORDS). */
async function withoutParallelWorkers<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`set local max_parallel_workers_per_gather = 0`;
    return work(tx);
  }) as Promise<T>;
}

interface DistrictBucket { object: string; bucket: string; district: number; excluded: number; allowed: number; digest: string }
interface StateBucket { object: string; bucket: string; state: number; digest: string }

/** Rows of one statement, grouped by their `object` column. */
function byObject<Row extends { object: string }>(rows: readonly Row[]): Map<string, Row[]> {
  const grouped = new Map<string, Row[]>();
  for (const row of rows) {
    const group = grouped.get(row.object);
    if (group) group.push(row);
    else grouped.set(row.object, [row]);
  }
  return grouped;
}

/** District and state apart: each side sums its records' digests per object and bucket of ids,
 *  every object in one statement (both servers at once: a district in sync costs two aggregate
 *  reads and one connection to its server, however many objects); buckets that agree are in sync
 *  as a whole, the others are compared record by record. */
async function verifyObjectsAcross(
  stateSql: Sql, source: Sql, district: District, objectNames: readonly string[], schoolYear: number, branches: ExclusionBranches,
  serialStateDigest: boolean,
): Promise<ObjectVerification[]> {
  const objects = objectNames.map((name) => CATALOG.get(name));
  const yearTied = objects.some((object) => object.yearTied);
  const digestState = (sql: Sql | Tx) => sql.unsafe(stateBuckets(objects), yearTied ? [district.districtId, schoolYear] : [district.districtId]) as unknown as Promise<StateBucket[]>;
  const [districtRows, stateRows] = await Promise.all([
    source.unsafe(districtBuckets(district.sourceSchema, objects, branches), yearTied ? [schoolYear] : []) as unknown as Promise<DistrictBucket[]>,
    serialStateDigest ? withoutParallelWorkers(stateSql, digestState) : digestState(stateSql),
  ]);
  const districtByObject = byObject(districtRows);
  const stateByObject = byObject(stateRows);
  const results: ObjectVerification[] = [];
  for (const object of objects) {
    const counts: Counts = { district: 0, state: 0, missing: 0, extra: 0, differing: 0, excluded: 0 };
    const districtBucketRows = districtByObject.get(object.name) ?? [];
    const stateBucketRows = stateByObject.get(object.name) ?? [];
    const stateByBucket = new Map(stateBucketRows.map((row) => [String(row.bucket), row]));
    const toCompare = new Set<string>();
    for (const d of districtBucketRows) {
      const s = stateByBucket.get(String(d.bucket));
      if (s && s.state === d.allowed && s.digest === d.digest) {
        counts.district += d.district;
        counts.excluded += d.excluded;
        counts.state += s.state;
      } else {
        toCompare.add(String(d.bucket));
      }
    }
    const districtBucketIds = new Set(districtBucketRows.map((d) => String(d.bucket)));
    for (const s of stateBucketRows) if (!districtBucketIds.has(String(s.bucket))) toCompare.add(String(s.bucket));
    for (const bucket of toCompare) await compareBucket(stateSql, source, district, object, schoolYear, branches, BigInt(bucket), counts);
    results.push({ object: object.name, ...counts, inSync: counts.missing === 0 && counts.extra === 0 && counts.differing === 0 });
  }
  return results;
}

/** Every object's record count is known and together they are fewer than `limit`. */
function knownBelow(objects: readonly string[], records: Readonly<Record<string, number>>, limit: number): boolean {
  let total = 0;
  for (const object of objects) {
    const count = records[object];
    if (count === undefined) return false;
    total += count;
  }
  return total < limit;
}

/** Objects a verification covers: those offered to the district for the year, or a selection. */
export function verifiableObjects(district: District, year: SchoolYearChoice, selection?: readonly string[]): string[] {
  const offered = offers(district.profile, year).filter((offer) => offer.notOfferedBecause === undefined).map((offer) => offer.object.name);
  if (!selection) return offered;
  const catalog = districtCatalog(district.profile);
  const wanted = new Set(selection.map((name) => catalog.find(name)?.name).filter((name): name is string => Boolean(name)));
  return offered.filter((name) => wanted.has(name));
}

/**
 * Compares the district's records of `objects` with the state's, per object. `records`: how many
 * records each object holds, where the caller knows (a batch does): between servers, the small
 * objects are digested together in one statement per side and each large one in its own, side by
 * side; without it, every object shares one statement. A group the counts show small is digested
 * at the state without parallel workers (PARALLEL_DIGEST_RECORDS).
 */
export async function verifyDistrict(
  deps: { state: Sql; districtSources: DistrictSources }, district: District, schoolYear: number, objects: readonly string[],
  records: Readonly<Record<string, number>> = {},
): Promise<ObjectVerification[]> {
  const source = deps.districtSources.for(district);
  const inDatabase = deps.districtSources.sharesDatabaseWithState(district);
  // The exclusions as they stand now (not a batch's remembered view): what verification reports.
  const branches = await findExclusionBranches(source, district.sourceSchema);
  // In one database each object is one join inside PostgreSQL; between servers the small objects
  // share a statement per side and each large one has its own. A few statements at a time.
  const alone = objects.filter((object) => inDatabase || (records[object] ?? 0) >= VERIFY_ALONE_RECORDS);
  const together = objects.filter((object) => !alone.includes(object));
  const groups = [...(together.length > 0 ? [together] : []), ...alone.map((object) => [object])];
  const results = new Map<string, ObjectVerification>();
  await forEachBounded(groups, VERIFY_PARALLELISM, async (group) => {
    const verified = inDatabase
      ? [await verifyObjectInDatabase(deps.state, district, group[0] as string, schoolYear, branches)]
      : await verifyObjectsAcross(deps.state, source, district, group, schoolYear, branches, knownBelow(group, records, PARALLEL_DIGEST_RECORDS));
    for (const result of verified) results.set(result.object, result);
  });
  return objects.map((object) => results.get(object) as ObjectVerification);
}
