// Merges a staged page the careful way when the state refused a record of it: the merge is tried
// on parts of the page (inside savepoints), halving a refused part until the refused records stand
// alone, so the rest of the page still lands. Savepoints cost (foreign-key locks taken in a
// subtransaction become multixacts on the parent rows), so this runs only for a page known to
// hold a refused record.
import type { StatementRunner } from '../../data/statement-runner';
import type { ObjectStatements } from './statements';

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

export interface IsolatedWrite {
  readonly written: number;
  readonly orphans: readonly Orphan[];
  readonly refused: readonly Refusal[];
}

interface PostgresError {
  code?: string;
  message?: string;
  /** postgres.js */
  constraint_name?: string;
  column_name?: string;
  /** node-postgres */
  constraint?: string;
  column?: string;
}

/** Commits a page in one statement first and, when a record of it is refused, once more part by
 *  part (`isolate`), so the refused records are found and logged; other errors are thrown. */
export async function isolatingRefusals<T>(attempt: (isolate: boolean) => Promise<T>): Promise<T> {
  try {
    return await attempt(false);
  } catch (error) {
    if (!isRecordError(error)) throw error;
    return attempt(true);
  }
}

/** Errors that belong to a record (its data or its references), not to the database or network. */
export function isRecordError(error: unknown): error is PostgresError {
  const code = (error as PostgresError | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function refusalOf(id: number, error: PostgresError): Refusal {
  const column = error.column_name ?? error.column;
  const constraint = error.constraint_name ?? error.constraint;
  const detail = [error.message, column && `column ${column}`, constraint && `constraint ${constraint}`].filter(Boolean).join('; ');
  return error.code === '23503'
    ? { id, code: 'parent-missing', reason: `a parent record is not at the state (${detail})` }
    : { id, code: 'refused', reason: `the state refused the record: ${detail}` };
}

export const toOrphans = (value: unknown): Orphan[] =>
  ((value ?? []) as { id: number | string; parent: string; parentId: number | string }[])
    .map((orphan) => ({ id: Number(orphan.id), parent: orphan.parent, parentId: Number(orphan.parentId) }));

/**
 * Merges the staged page's allowed records part by part. Run inside the page's transaction, after
 * the staging table was filled.
 * @param districtId,batchId the merge's $1 and $2
 */
export async function mergeIsolating(tx: StatementRunner, statements: ObjectStatements, districtId: string, batchId: string): Promise<IsolatedWrite> {
  const ids = (await tx.run<{ id: number | string }>(statements.stagedIds)).rows.map((row) => Number(row.id));
  let written = 0;
  const orphans: Orphan[] = [];
  const refused: Refusal[] = [];
  // ids[from..to], inclusive.
  const attempt = async (from: number, to: number): Promise<void> => {
    if (from > to) return;
    try {
      const [result] = await tx.savepoint(async (part) =>
        (await part.run<{ written: number; orphans: unknown }>(statements.mergeStagePart, [districtId, batchId, ids[from], ids[to]])).rows);
      written += Number(result?.written ?? 0);
      orphans.push(...toOrphans(result?.orphans));
    } catch (error) {
      if (!isRecordError(error)) throw error;
      if (from === to) {
        refused.push(refusalOf(ids[from] as number, error));
        return;
      }
      const middle = Math.floor((from + to) / 2);
      await attempt(from, middle);
      await attempt(middle + 1, to);
    }
  };
  await attempt(0, ids.length - 1);
  return { written, orphans, refused };
}
