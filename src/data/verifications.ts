// Stored verification summaries (see migration 0003).
import type { ObjectVerification } from '../verification/summary';
import type { Sql } from './db';

export type VerificationPurpose = 'before' | 'after' | 'post-run' | 'on-demand';

export interface StoredVerification {
  readonly verificationId: number;
  readonly districtId: string;
  readonly schoolYear: number;
  readonly batchId: string | null;
  readonly purpose: VerificationPurpose;
  readonly inSync: boolean;
  readonly objects: ObjectVerification[];
  readonly createdAt: Date;
}

interface Row {
  verification_id: number; district_id: string; school_year: number; batch_id: string | null; purpose: VerificationPurpose;
  in_sync: boolean; objects: ObjectVerification[]; created_at: Date;
}

const toVerification = (row: Row): StoredVerification => ({
  verificationId: row.verification_id, districtId: row.district_id, schoolYear: row.school_year, batchId: row.batch_id,
  purpose: row.purpose, inSync: row.in_sync, objects: row.objects, createdAt: row.created_at,
});

export async function saveVerification(
  sql: Sql, entry: { districtId: string; schoolYear: number; batchId: string | null; purpose: VerificationPurpose; objects: ObjectVerification[] },
): Promise<StoredVerification> {
  const inSync = entry.objects.every((object) => object.inSync);
  return sql.begin(async (tx) => {
    const [row] = await tx<Row[]>`insert into resync.verification ${tx({
      district_id: entry.districtId, school_year: entry.schoolYear, batch_id: entry.batchId, purpose: entry.purpose,
      objects: tx.json(entry.objects as never), in_sync: inSync,
    })} returning *`;
    if (entry.batchId && entry.purpose === 'post-run' && entry.objects.length > 0) {
      // One statement for every object (a district's 40-odd objects, at every district of a year end).
      const verdicts = entry.objects.map((object) => ({ object: object.object, in_sync: object.inSync }));
      await tx`update resync.batch_object o set verified_in_sync = v.in_sync
        from jsonb_to_recordset(${tx.json(verdicts as never)}) as v(object text, in_sync boolean)
        where o.batch_id = ${entry.batchId} and o.object = v.object`;
    }
    if (!row) throw new Error('saving a verification returned nothing');
    return toVerification(row);
  }) as Promise<StoredVerification>;
}

export async function verificationsOf(sql: Sql, batchId: string): Promise<StoredVerification[]> {
  const rows = await sql<Row[]>`select * from resync.verification where batch_id = ${batchId} order by created_at, verification_id`;
  return rows.map(toVerification);
}
