// Creates a namespace with the project's search attributes and waits until it is usable. Used
// where no operator did it beforehand: a fresh production server, and test isolation (one
// namespace per test file, so that lanes of the same district in two files never meet).
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import proto from '@temporalio/proto';
import { searchAttributeDefinitions } from '../services/temporal-dev-server';

const ALREADY_EXISTS = 6;

async function retryUntil<T>(what: string, deadline: number, attempt: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${what}: ${String(lastError)}`);
}

export async function ensureNamespace(connection: Connection, namespace: string, options: { retention?: string; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  await retryUntil(`register namespace ${namespace}`, deadline, async () => {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(options.retention ?? '1 day') });
    } catch (error) {
      if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
    }
  });
  const definitions = await searchAttributeDefinitions();
  const { IndexedValueType } = proto.temporal.api.enums.v1;
  const searchAttributes = Object.fromEntries(definitions.map(({ name, type }) => {
    // 'KeywordList' → INDEXED_VALUE_TYPE_KEYWORD_LIST
    const key = `INDEXED_VALUE_TYPE_${type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}` as keyof typeof IndexedValueType;
    if (!(key in IndexedValueType)) throw new Error(`search attribute ${name}: unknown type ${type}`);
    return [name, IndexedValueType[key]];
  }));
  await retryUntil('add search attributes', deadline, () => connection.operatorService.addSearchAttributes({ namespace, searchAttributes }));
  // SQL visibility maps custom attributes onto pre-allocated columns; names that already exist are
  // skipped, so adding is safe to repeat. The frontend learns namespaces and attributes through
  // caches: wait until a query naming every attribute is accepted.
  const query = definitions.map(({ name }) => `${name} IS NULL`).join(' AND ');
  await retryUntil('search attributes visible', deadline, () => connection.workflowService.listWorkflowExecutions({ namespace, query, pageSize: 1 }));
}
