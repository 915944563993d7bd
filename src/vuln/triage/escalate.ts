import { outcomeRank } from "./score.js";
import type { CisaOutcome, EscalationBudget } from "./types.js";

/** What escalation reads of a decision (a Decision or an Assessment both fit). */
export interface EscalationCandidate {
  readonly outcome: CisaOutcome;
  readonly score: number;
  /** False for closed findings; they never count toward or fill the budget. Default true. */
  readonly escalatable?: boolean;
}

export interface EscalationOptions {
  /** Lowest outcome that may fill the budget (policy `escalateFrom`); Acts are always escalated. Default "track". */
  readonly from?: CisaOutcome;
}

export interface EscalationResult {
  /** Indices of the escalated items, most urgent first: outcome, then score, then input order. */
  readonly escalated: Int32Array;
  readonly budget: EscalationBudget;
  /** The budget in items: ceil(percent x escalatable / 100), or the count. */
  readonly limit: number;
  /** Items that may be escalated (not closed), the base of a percentage budget. */
  readonly escalatable: number;
  /** Escalatable Acts; every one is escalated. */
  readonly acts: number;
  /** Acts escalated beyond the limit: reported so the budget can be revisited, never dropped. */
  readonly actOverflow: number;
}

const ACT = 3;

/**
 * The budget in findings for `escalatable` findings: a percentage rounds up (so a non-zero budget over a
 * non-empty list escalates at least one), a count is taken as is. The store's queue uses the same rule.
 *
 * @example budgetLimit({ percent: 5 }, 20) // 1
 */
export function budgetLimit(budget: EscalationBudget, escalatable: number): number {
  // The epsilon keeps 5% of 20 at 1 despite float error; max(0, ...) turns ceil's -0 into 0.
  return "percent" in budget
    ? Math.max(0, Math.min(escalatable, Math.ceil((budget.percent * escalatable) / 100 - 1e-9)))
    : budget.count;
}

/**
 * Choose which findings to escalate within a budget. Order is (outcome, score): every Act ranks above every
 * Attend whatever the scores, and equal keys keep input order. Every escalatable Act is escalated, even
 * past the budget (the excess is `actOverflow`); the rest of the budget goes to the highest-ranked
 * findings at or above `options.from`. A percentage is of the escalatable findings, rounded up, so a
 * non-zero budget over a non-empty list escalates at least one. O(n log k) time for n items and a budget
 * of k, O(n) memory in two typed arrays: a million findings take milliseconds.
 *
 * @example
 * const r = escalate(decisions, { percent: 5 }, { from: "attend" });
 * r.escalated; // Int32Array of indices into decisions, most urgent first
 */
export function escalate(
  items: readonly EscalationCandidate[],
  budget: EscalationBudget,
  options: EscalationOptions = {},
): EscalationResult {
  const n = items.length;
  const ranks = new Int8Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    ranks[i] = it.escalatable === false ? -1 : outcomeRank(it.outcome);
    scores[i] = it.score;
  }
  return escalateRanked(ranks, scores, budget, options);
}

/**
 * `escalate` over parallel typed arrays, for callers that keep decisions columnar: `ranks[i]` is the
 * outcome rank (0 track, 1 track*, 2 attend, 3 act; -1 for a closed finding) and `scores[i]` its score.
 *
 * @example escalateRanked(Int8Array.of(3, 2, 0), Float64Array.of(10, 90, 50), { count: 1 }).escalated // [0]
 */
export function escalateRanked(
  ranks: Int8Array,
  scores: Float32Array | Float64Array,
  budget: EscalationBudget,
  options: EscalationOptions = {},
): EscalationResult {
  const n = ranks.length;
  if (scores.length !== n) throw new RangeError(`escalateRanked: ${n} ranks but ${scores.length} scores`);
  const fromRank = outcomeRank(options.from ?? "track");
  let escalatable = 0;
  let acts = 0;
  for (let i = 0; i < n; i++) {
    const r = ranks[i]!;
    if (r >= 0) escalatable++;
    if (r === ACT) acts++;
  }
  const limit = budgetLimit(budget, escalatable);

  const key = (i: number): number => ranks[i]! * 1000 + (scores[i]! || 0);
  // `a` ranks below `b`: lower key, or the same key and later in the input.
  const below = (a: number, b: number): boolean => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb || (ka === kb && a > b);
  };

  const actIdx = new Int32Array(acts);
  const k = Math.max(0, limit - acts);
  // A min-heap of the best k non-Act candidates seen so far; its root is the weakest of them.
  const heap = new Int32Array(Math.min(k, n));
  let size = 0;
  let a = 0;
  for (let i = 0; i < n; i++) {
    const r = ranks[i]!;
    if (r === ACT) {
      actIdx[a++] = i;
      continue;
    }
    if (r < fromRank || r < 0 || k === 0) continue;
    if (size < k) {
      heap[size] = i;
      siftUp(heap, size++, below);
    } else if (below(heap[0]!, i)) {
      heap[0] = i;
      siftDown(heap, size, below);
    }
  }

  const byUrgency = (x: number, y: number): number => (below(x, y) ? 1 : below(y, x) ? -1 : 0);
  const chosen = heap.subarray(0, size).sort(byUrgency);
  actIdx.sort(byUrgency);
  const escalated = new Int32Array(acts + size);
  escalated.set(actIdx, 0);
  escalated.set(chosen, acts);
  return { escalated, budget, limit, escalatable, acts, actOverflow: Math.max(0, acts - limit) };
}

function siftUp(heap: Int32Array, at: number, below: (a: number, b: number) => boolean): void {
  let c = at;
  while (c > 0) {
    const p = (c - 1) >> 1;
    if (!below(heap[c]!, heap[p]!)) break;
    const t = heap[c]!;
    heap[c] = heap[p]!;
    heap[p] = t;
    c = p;
  }
}

function siftDown(heap: Int32Array, size: number, below: (a: number, b: number) => boolean): void {
  let p = 0;
  for (;;) {
    const l = 2 * p + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && below(heap[r]!, heap[l]!) ? r : l;
    if (!below(heap[m]!, heap[p]!)) break;
    const t = heap[m]!;
    heap[m] = heap[p]!;
    heap[p] = t;
    p = m;
  }
}
