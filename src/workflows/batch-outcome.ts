// How a waiting workflow learns that a batch ended: the batch (or its lane, for a batch withdrawn
// before it started) signals its outcome to the workflow id the request named in `notify`. The
// waiter registers the handler before it submits, then `condition()`s — no polling.
import { condition, defineSignal, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import type { BatchOutcome } from './types';

export const batchFinishedSignal = defineSignal<[BatchOutcome]>('batchFinished');

/** Signals a batch's outcome to its waiter; a waiter that has gone away is not an error. */
export async function notifyBatchFinished(notify: string | undefined, outcome: BatchOutcome): Promise<void> {
  if (!notify) return;
  try {
    await getExternalWorkflowHandle(notify).signal(batchFinishedSignal, outcome);
  } catch {
    // The waiter closed (terminated, timed out): nobody to tell.
  }
}

/** Collects batch outcomes signalled to this workflow. Create it before submitting any batch. */
export class BatchWaiter {
  private readonly outcomes = new Map<string, BatchOutcome>();

  constructor() {
    setHandler(batchFinishedSignal, (outcome) => void this.outcomes.set(outcome.batchId, outcome));
  }

  /** Waits for the batch's outcome (signalled by the batch itself). */
  async outcomeOf(batchId: string): Promise<BatchOutcome> {
    await condition(() => this.outcomes.has(batchId));
    return this.outcomes.get(batchId) as BatchOutcome;
  }

  /** Outcomes received so far. */
  received(): readonly BatchOutcome[] {
    return [...this.outcomes.values()];
  }
}
