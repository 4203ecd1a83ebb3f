// Writes one page of district records to the state in one bulk statement. When the state refuses a
// record, the page is written again isolating it: the statement is retried on halves of the page
// (inside savepoints) until the refused records stand alone, so the rest of the page still lands.
import type { TransactionSql } from 'postgres';
import type { ObjectStatements } from './statements';

/** A district record as read: synced columns as text (id first). */
export type TextRow = readonly (string | null)[];

export interface Orphan {
  readonly id: number;
  readonly parent: string;
  readonly parentId: number;
}

export interface Refusal {
  readonly id: number;
  readonly code: 'parent-missing' | 'refused';
  readonly reason: string;
}

export interface PageWrite {
  readonly written: number;
  readonly orphans: readonly Orphan[];
  readonly refused: readonly Refusal[];
}

interface PostgresError {
  code?: string;
  message?: string;
  constraint_name?: string;
  column_name?: string;
}

/** Errors that belong to a record (its data or its references), not to the database or network. */
export function isRecordError(error: unknown): error is PostgresError {
  const code = (error as PostgresError | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function refusalOf(id: number, error: PostgresError): Refusal {
  const detail = [error.message, error.column_name && `column ${error.column_name}`, error.constraint_name && `constraint ${error.constraint_name}`]
    .filter(Boolean).join('; ');
  return error.code === '23503'
    ? { id, code: 'parent-missing', reason: `a parent record is not at the state (${detail})` }
    : { id, code: 'refused', reason: `the state refused the record: ${detail}` };
}

function columnArrays(statements: ObjectStatements, rows: readonly TextRow[]): (string | null)[][] {
  return statements.columns.map((_, column) => rows.map((row) => row[column] ?? null));
}

async function upsert(
  tx: TransactionSql<Record<string, never>>, statements: ObjectStatements, districtId: string, batchId: string, rows: readonly TextRow[],
): Promise<{ written: number; orphans: Orphan[] }> {
  const [result] = await tx.unsafe(statements.upsertPage, [districtId, batchId, ...columnArrays(statements, rows)] as never[]);
  return { written: Number(result?.written ?? 0), orphans: (result?.orphans ?? []) as Orphan[] };
}

/** Writes the page in one statement; a record the state refuses fails it (and the transaction). */
export async function writePageWhole(
  tx: TransactionSql<Record<string, never>>, statements: ObjectStatements, districtId: string, batchId: string, rows: readonly TextRow[],
): Promise<PageWrite> {
  if (rows.length === 0) return { written: 0, orphans: [], refused: [] };
  return { ...(await upsert(tx, statements, districtId, batchId, rows)), refused: [] };
}

/** Writes the page isolating refused records: halves are retried inside savepoints until the
 *  refused records stand alone. Savepoints cost (foreign-key locks taken in a subtransaction
 *  become multixacts on the parent rows), so this runs only for a page known to hold one. */
export async function writePage(
  tx: TransactionSql<Record<string, never>>, statements: ObjectStatements, districtId: string, batchId: string, rows: readonly TextRow[],
): Promise<PageWrite> {
  let written = 0;
  const orphans: Orphan[] = [];
  const refused: Refusal[] = [];
  const attempt = async (part: readonly TextRow[]): Promise<void> => {
    if (part.length === 0) return;
    try {
      const result = await tx.savepoint((sp) => upsert(sp, statements, districtId, batchId, part));
      written += result.written;
      orphans.push(...result.orphans);
    } catch (error) {
      if (!isRecordError(error)) throw error;
      if (part.length === 1) {
        refused.push(refusalOf(Number(part[0]?.[0]), error));
        return;
      }
      const middle = Math.ceil(part.length / 2);
      await attempt(part.slice(0, middle));
      await attempt(part.slice(middle));
    }
  };
  await attempt(rows);
  return { written, orphans, refused };
}
