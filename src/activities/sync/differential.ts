// A differential page (DESIGN §2.10 meets the copy): the district's server digests the page's
// records (a 64-bit hash of the synced columns, per record), the digests travel to the state — not
// the records — and the state's server compares them with its own copies. Only the records the
// state lacks or holds otherwise are then staged from the district and merged; records the state
// holds that the district no longer has are removed (a full resync). Each page counts what it
// inserted, updated and left unchanged.
import type { District } from '../../data/district-registry';
import { isolatingRefusals } from './isolate';
import { mergeStaged, outcomeOf, settlePage, type CommittedPage, type PageRequest } from './page';
import { inPageTransaction } from './stage';
import type { SyncDeps } from './sync-range';

async function attempt(deps: SyncDeps, district: District, page: PageRequest, removeExtras: boolean, isolate: boolean): Promise<CommittedPage> {
  const { input, statements } = page;
  return inPageTransaction(deps, district, page, async (tx, stager) => {
    await stager.stageDigests();
    const [summary] = (await tx.run(statements.digestSummary)).rows;
    const scanned = outcomeOf(summary, { written: 0, orphans: [], refused: [] });
    // The page covers (after, cursor]; the last page — short, or empty — covers the rest of the
    // range, so what the state holds beyond the district's last record is compared too.
    const last = scanned.processed < page.pageSize;
    const bound = last || scanned.cursor === null ? page.high : String(scanned.cursor);
    const compared = (await tx.run<{ id: number | string; missing: boolean; extra: boolean }>(statements.compareDigests,
      [input.districtId, page.after, bound, ...(page.object.yearTied ? [input.schoolYear] : [])])).rows
      .map((row) => ({ id: Number(row.id), missing: row.missing, extra: row.extra }));
    const differing = compared.filter((record) => !record.extra);
    const extras = removeExtras ? compared.filter((record) => record.extra).map((record) => record.id) : [];
    let write = { written: 0, orphans: scanned.orphans, refused: scanned.refused };
    if (differing.length > 0) {
      await stager.stageIds(differing.map((record) => record.id));
      const merged = await mergeStaged(tx, page, isolate);
      write = { written: merged.written, orphans: merged.orphans, refused: merged.refused };
    }
    const failed = new Set([...write.orphans.map((o) => o.id), ...write.refused.map((r) => r.id)]);
    const landed = differing.filter((record) => !failed.has(record.id));
    const allowed = scanned.processed - scanned.notAllowed.length;
    return settlePage(tx, page, {
      ...scanned, ...write, extras,
      differential: {
        inserted: landed.filter((record) => record.missing).length,
        updated: landed.filter((record) => !record.missing).length,
        unchanged: allowed - differing.length,
      },
    });
  });
}

/** Compares and commits one differential page; a page the state refuses a record of is written
 *  again part by part, isolating the refused records. */
export async function commitDifferentialPage(deps: SyncDeps, district: District, page: PageRequest, removeExtras: boolean): Promise<CommittedPage> {
  return isolatingRefusals((isolate) => attempt(deps, district, page, removeExtras, isolate));
}
