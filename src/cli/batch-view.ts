// A batch as GET /api/resyncs/:batch returns it, and how the CLI prints it for people.
import { schoolYearLabel } from '../domain';

export interface ObjectRow {
  object: string; level?: number; status: string; colour: string; processed: number; errors: number; sent: number;
  failure: string | null; verifiedInSync?: boolean | null; deleted?: number;
  /** A differential copy's split of processed (null for a copy). */
  inserted?: number | null; updated?: number | null; unchanged?: number | null;
  /** Records planned for the object, if the API ever exposes them (it does not today). */
  records?: number;
}

export interface BatchView {
  batchId: string; districtId: string; schoolYear: number; initiator: string; status: string; outcome?: string;
  kind?: string; phase?: string | null; requestedAt: string; startedAt: string | null; finishedAt: string | null;
  processed?: number; errors?: number; deleted?: number; plannedObjects?: number; objectsHidden?: boolean;
  plan?: { levels: string[][] } | null; objects?: ObjectRow[]; temporalUi?: string | null; failure?: string | null;
  verifications?: { purpose: string; inSync: boolean }[];
}

export const isFinished = (batch: Pick<BatchView, 'status'>): boolean => !['queued', 'running'].includes(batch.status);

/** The batch's header line, totals and per-object table, as text lines. */
export function formatBatch(batch: BatchView): string[] {
  const lines = [`batch ${batch.batchId}  district ${batch.districtId}  ${schoolYearLabel(batch.schoolYear)}  ${batch.kind ?? ''} by ${batch.initiator}  ${batch.status}${batch.phase ? ` (${batch.phase})` : ''}`];
  if (batch.objectsHidden) {
    lines.push(`  ${batch.outcome ?? batch.status}; objects of state-requested resyncs are visible to state users only`);
    return lines;
  }
  if (batch.processed !== undefined) lines.push(`  processed ${batch.processed}, errors ${batch.errors ?? 0}, removed ${batch.deleted ?? 0}`);
  for (const o of batch.objects ?? []) {
    const verified = o.verifiedInSync === false ? '  OUT OF SYNC' : '';
    // A copy's row names what it removed when it removed anything (a differential row always does).
    const differential = o.unchanged === null || o.unchanged === undefined ? (o.deleted ? `  removed ${o.deleted}` : '')
      : `  inserted ${o.inserted ?? 0}, updated ${o.updated ?? 0}, unchanged ${o.unchanged}, removed ${o.deleted ?? 0}`;
    lines.push(`  ${o.object.padEnd(30)} ${o.status.padEnd(10)} ${o.colour.padEnd(7)} processed ${String(o.processed).padStart(8)}  errors ${String(o.errors).padStart(6)}${differential}${verified}${o.failure ? `  ${o.failure}` : ''}`);
  }
  const postRun = batch.verifications?.find((verification) => verification.purpose === 'post-run');
  if (postRun) lines.push(`  verification after the run: ${postRun.inSync ? 'in sync' : 'OUT OF SYNC'}`);
  if (batch.failure) lines.push(`  failure: ${batch.failure}`);
  if (batch.temporalUi) lines.push(`  Temporal UI: ${batch.temporalUi}`);
  return lines;
}

/** One line of `history`. */
export function formatHistoryLine(batch: BatchView): string {
  return `  ${batch.batchId}  ${schoolYearLabel(batch.schoolYear)}  ${(batch.kind ?? '-').padEnd(7)} ${batch.initiator.padEnd(8)} ${(batch.outcome ?? batch.status).padEnd(21)} requested ${batch.requestedAt}${batch.errors ? `  errors ${batch.errors}` : ''}`;
}
