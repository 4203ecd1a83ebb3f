// The physical limit a resync is measured against: the same records copied district → state with
// plain PostgreSQL, no Temporal and no application code in the data path — COPY (SELECT …) TO
// STDOUT piped into COPY … FROM STDIN, object by object in parent-first order, into the same state
// schema with its foreign keys on. node-postgres with pg-copy-streams carries the two streams: it
// surfaces a failing COPY as a stream error (postgres.js, used everywhere else, was seen to hang
// when both directions stream at once).
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { CATALOG } from '../src/domain';
import { createSql } from '../src/data/db';
import { STATE_SCHEMA, syncedColumns } from '../src/data/schema/columns';
import { findExclusionBranches, notAllowedCondition } from '../src/data/schema/exclusion';

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

export async function baselineCopy(
  sourceUrl: string, targetUrl: string, districtId: string, schema: string, schoolYear: number, objectsParentFirst: readonly string[],
): Promise<number> {
  const reader = new pg.Client({ connectionString: sourceUrl });
  const writer = new pg.Client({ connectionString: targetUrl });
  await reader.connect();
  await writer.connect();
  let copied = 0;
  try {
    // The same exclusion branches a resync checks (found once, as a batch does).
    const source = createSql(sourceUrl, { max: 1 });
    const branches = await findExclusionBranches(source, schema).finally(() => source.end({ timeout: 5 }));
    for (const name of objectsParentFirst) {
      const object = CATALOG.get(name);
      const columns = syncedColumns(object).map((column) => q(column.name));
      // Only records that can land: the same ones a resync writes (not-allowed records stay behind).
      const filters = [object.yearTied ? `d."school_year" = ${Number(schoolYear)}` : 'true', `not (${notAllowedCondition(schema, object, 'd', branches)})`];
      const select = `select '${districtId}', ${columns.map((c) => `d.${c}`).join(', ')}, 'baseline'
        from ${q(schema)}.${q(object.table)} d where ${filters.join(' and ')}`;
      const into = writer.query(copyFrom(`copy ${q(STATE_SCHEMA)}.${q(object.table)} ("source_district", ${columns.join(', ')}, "synced_batch") from stdin`));
      await pipeline(reader.query(copyTo(`copy (${select}) to stdout`)), into);
      copied += Number(into.rowCount ?? 0);
    }
  } finally {
    await reader.end();
    await writer.end();
  }
  return copied;
}
