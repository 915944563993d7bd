import { queueHead, type QueueHead } from "../services/findings/page.js";
import type { Store } from "../store/open.js";
import type { CisaOutcome, EscalationBudget } from "../vuln/triage/types.js";

/** The head of the escalation queue, kept for a few seconds. */
export interface QueueCache {
  get(): Promise<QueueHead>;
  /** Forget it (after an import through this instance). */
  invalidate(): void;
}

/**
 * Counting the open findings is a pass over all of them: on a million it costs more than everything
 * else a page needs. Pages, the scorecard and the queue's filters share one count for `ttlMs`
 * (default 5 s); an import through this instance forgets it at once, and other instances see it within
 * `ttlMs`. Concurrent requests wait for the same count instead of each starting one.
 */
export function createQueueCache(
  store: Store,
  policy: { budget: EscalationBudget; escalateFrom: CisaOutcome },
  ttlMs = 5000,
): QueueCache {
  let value: Promise<QueueHead> | null = null;
  let at = 0;
  return {
    get() {
      const now = Date.now();
      if (!value || now - at > ttlMs) {
        at = now;
        const pending = queueHead(store, policy.budget, policy.escalateFrom);
        value = pending;
        // A failed count is not kept.
        pending.catch(() => {
          if (value === pending) value = null;
        });
      }
      return value;
    },
    invalidate() {
      value = null;
    },
  };
}
