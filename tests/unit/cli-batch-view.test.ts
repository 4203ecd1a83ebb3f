// How `npx resync status` prints a batch's objects: a copy's row names the records it removed at
// the state (a full resync after deletions at the district), as a differential row always did.
import { describe, expect, it } from 'vitest';
import { formatBatch, type BatchView, type ObjectRow } from '../../src/cli/batch-view';

const row = (object: string, extra: Partial<ObjectRow>): ObjectRow => ({
  object, status: 'completed', colour: 'green', processed: 1211, errors: 0, sent: 1211, failure: null, deleted: 0, ...extra,
});

const batch = (objects: ObjectRow[]): BatchView => ({
  batchId: '20261201-060000-0123456789ab', districtId: '1002', schoolYear: 2026, initiator: 'state', status: 'completed',
  kind: 'full', requestedAt: '2026-12-01T06:00:00.000Z', startedAt: null, finishedAt: null, processed: 2422, errors: 0, deleted: 5, objects,
});

describe('a batch printed by the CLI', () => {
  it("names the records a copy removed on the object's row, and nothing when it removed none", () => {
    const lines = formatBatch(batch([row('TestScore', { deleted: 3 }), row('School', {})]));
    expect(lines[1]).toBe('  processed 2422, errors 0, removed 5');
    expect(lines[2]).toBe(`  ${'TestScore'.padEnd(30)} completed  green   processed     1211  errors      0  removed 3`);
    expect(lines[3]).toBe(`  ${'School'.padEnd(30)} completed  green   processed     1211  errors      0`);
  });

  it("keeps a differential row's split, removed included", () => {
    const [, , line] = formatBatch(batch([row('School', { inserted: 0, updated: 1, unchanged: 1210, deleted: 0 })]));
    expect(line).toBe(`  ${'School'.padEnd(30)} completed  green   processed     1211  errors      0  inserted 0, updated 1, unchanged 1210, removed 0`);
  });
});
