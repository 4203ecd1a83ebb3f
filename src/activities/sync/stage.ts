// A page's state transaction with a way to stage district records in it, whichever the topology:
// between servers the records (or their digests) arrive by COPY in a node-postgres transaction;
// with district and state in one database they are inserted from the district's schema in a
// postgres.js transaction. The record-set and differential copies stage explicit ids this way.
import { inTransaction } from '../../data/copy-pools';
import type { District } from '../../data/district-registry';
import { pgRunner, postgresRunner, type StatementRunner } from '../../data/statement-runner';
import { copyBetween } from './page-copy';
import type { PageRequest } from './page';
import type { SyncDeps } from './sync-range';

export interface PageStager {
  /** Creates the staging table and stages these records of the district (with their causes). */
  stageIds(ids: readonly number[]): Promise<void>;
  /** Creates the digest stage and stages the district's digests of the page's keyset. */
  stageDigests(): Promise<void>;
}

/**
 * Runs `work` in the page's state transaction (committed when it resolves, rolled back when it
 * throws), with a stager for the district's records.
 */
export async function inPageTransaction<T>(
  deps: SyncDeps, district: District, page: PageRequest, work: (tx: StatementRunner, stager: PageStager) => Promise<T>,
): Promise<T> {
  const { statements, input } = page;
  const keyset = { schoolYear: input.schoolYear, after: page.after, high: page.high, limit: page.pageSize };
  const keysetParams = page.object.yearTied ? [input.schoolYear, page.after, page.high, page.pageSize] : [page.after, page.high, page.pageSize];
  if (deps.districtSources.sharesDatabaseWithState(district)) {
    return deps.state.begin(async (sql) => {
      const tx = postgresRunner(sql);
      return work(tx, {
        stageIds: async (ids) => {
          await tx.run(statements.createStage);
          await tx.run(statements.stageIds(page.schema, page.branches), [ids]);
        },
        stageDigests: async () => {
          await tx.run(statements.createDigestStage);
          await tx.run(statements.stageDigests(page.schema, page.branches), keysetParams);
        },
      });
    }) as Promise<T>;
  }
  const reader = deps.districtSources.copyReader(district);
  return inTransaction(deps.districtSources.copyWriter(), async (client) => work(pgRunner(client), {
    stageIds: async (ids) => {
      await client.query(statements.createStage);
      if (ids.length > 0) await copyBetween(reader, statements.copyOutIds(page.schema, page.branches, ids), client, statements.copyInStage);
    },
    stageDigests: async () => {
      await client.query(statements.createDigestStage);
      await copyBetween(reader, statements.copyOutDigests(page.schema, page.branches, keyset), client, statements.copyInDigests);
    },
  }));
}
