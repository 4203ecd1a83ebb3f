// How a waiting workflow learns that a batch ended: the batch (or its lane, for a batch withdrawn
// before it started) signals its outcome to the workflow id the request named in `notify`. The
// waiter registers the handler before it submits, then `condition()`s — no polling.
import { condition, defineSignal, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import type { BatchOutcome } from './types';

export const batchFinishedSignal = defineSignal<[BatchOutcome]>('batchFinished');
/** Sent when the batch starts copying (past the lane's queue and the global throttle). */
export const batchStartedSignal = defineSignal<[{ batchId: string }]>('batchStarted');

/** Tells the waiter the batch has started copying; a waiter that has gone away is not an error. */
export async function notifyBatchStarted(notify: string | undefined, batchId: string): Promise<void> {
  if (!notify) return;
  try {
    await getExternalWorkflowHandle(notify).signal(batchStartedSignal, { batchId });
  } catch {
    // The waiter closed: nobody to tell.
  }
}

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
  private readonly started = new Set<string>();

  constructor() {
    setHandler(batchFinishedSignal, (outcome) => void this.outcomes.set(outcome.batchId, outcome));
    setHandler(batchStartedSignal, ({ batchId }) => void this.started.add(batchId));
  }

  /** Whether the batch has started copying (it may have ended since). */
  hasStarted(batchId: string): boolean {
    return this.started.has(batchId) || this.outcomes.has(batchId);
  }

  /** The outcome, if the batch has ended. */
  outcome(batchId: string): BatchOutcome | undefined {
    return this.outcomes.get(batchId);
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
