import { type CharSet, inSet } from "./char-set.js";
import { type Node, PatternError } from "./safe-pattern.js";

/** Longest match a pattern may report; threads older than this are dropped. */
export const MAX_MATCH = 1024;
const MAX_STATES = 20000;

type State =
  | { readonly op: "set"; readonly set: CharSet; out: number }
  | { readonly op: "split"; out: number; out2: number }
  | {
      readonly op: "assert";
      readonly test: "word-boundary" | "not-after-word" | "not-before-word";
      out: number;
    }
  | { readonly op: "match"; readonly pattern: number };

interface Fragment {
  readonly start: number;
  /** States whose dangling `out` (or `out2`) must be patched to the next fragment. */
  readonly holes: { state: number; second: boolean }[];
}

/**
 * Many safe patterns compiled into one Thompson NFA and simulated together over a text (a Pike VM
 * without captures): at each position every live state advances once, so the time is O(text x states)
 * whatever the patterns, with no backtracking. Matches are leftmost-longest per pattern, at most
 * MAX_MATCH characters long.
 *
 * @example
 * const nfa = new PatternSet([parsePattern("PRJ-####")]);
 * nfa.scan("see PRJ-1234", (p, start, end) => console.log(p, start, end)); // 0 4 12
 */
export class PatternSet {
  private readonly states: State[] = [];
  private readonly starts: number[] = [];
  /** Sets a match can begin with, to skip quickly over text where no thread is alive. */
  private readonly first: CharSet[];
  private compiled: Flat | undefined;
  /** The simulation's lists, made once and reused by every scan but one that starts inside another. */
  private work: Work | undefined;
  private busy = false;

  constructor(patterns: readonly Node[]) {
    patterns.forEach((node, p) => {
      const f = this.compile(node);
      const m = this.add({ op: "match", pattern: p });
      this.patch(f, m);
      this.starts.push(f.start);
    });
    this.first = this.firstSets();
  }

  private firstSets(): CharSet[] {
    const seen = new Set<number>();
    const out: CharSet[] = [];
    const stack = [...this.starts];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (s < 0 || seen.has(s)) continue;
      seen.add(s);
      const st = this.states[s]!;
      if (st.op === "set") out.push(st.set);
      else if (st.op === "split") stack.push(st.out, st.out2);
      else if (st.op === "assert") stack.push(st.out);
    }
    return out;
  }

  private add(s: State): number {
    if (this.states.length >= MAX_STATES) throw new PatternError("too large once expanded");
    this.states.push(s);
    return this.states.length - 1;
  }

  private patch(f: Fragment, to: number): void {
    for (const h of f.holes) {
      const s = this.states[h.state]!;
      if (h.second && s.op === "split") s.out2 = to;
      else if (s.op !== "match") s.out = to;
    }
  }

  private compile(n: Node): Fragment {
    switch (n.kind) {
      case "set": {
        const s = this.add({ op: "set", set: n.set, out: -1 });
        return { start: s, holes: [{ state: s, second: false }] };
      }
      case "assert": {
        const s = this.add({ op: "assert", test: n.test, out: -1 });
        return { start: s, holes: [{ state: s, second: false }] };
      }
      case "seq": {
        if (n.items.length === 0) {
          const s = this.add({ op: "split", out: -1, out2: -1 });
          return { start: s, holes: [{ state: s, second: false }] };
        }
        const parts = n.items.map((item) => this.compile(item));
        for (let k = 0; k + 1 < parts.length; k++) this.patch(parts[k]!, parts[k + 1]!.start);
        return { start: parts[0]!.start, holes: parts[parts.length - 1]!.holes };
      }
      case "alt": {
        let frag = this.compile(n.options[n.options.length - 1]!);
        for (let k = n.options.length - 2; k >= 0; k--) {
          const left = this.compile(n.options[k]!);
          const s = this.add({ op: "split", out: left.start, out2: frag.start });
          frag = { start: s, holes: [...left.holes, ...frag.holes] };
        }
        return frag;
      }
      case "repeat":
        return this.repeat(n.node, n.min, n.max);
    }
  }

  private repeat(node: Node, min: number, max: number): Fragment {
    const pieces: Fragment[] = [];
    for (let k = 0; k < min; k++) pieces.push(this.compile(node));
    if (max === -1) {
      const body = this.compile(node);
      const s = this.add({ op: "split", out: body.start, out2: -1 });
      this.patch(body, s);
      pieces.push({ start: s, holes: [{ state: s, second: true }] });
    } else {
      for (let k = min; k < max; k++) {
        const body = this.compile(node);
        const s = this.add({ op: "split", out: body.start, out2: -1 });
        pieces.push({ start: s, holes: [...body.holes, { state: s, second: true }] });
      }
    }
    if (pieces.length === 0) {
      const s = this.add({ op: "split", out: -1, out2: -1 });
      return { start: s, holes: [{ state: s, second: false }] };
    }
    for (let k = 0; k + 1 < pieces.length; k++) this.patch(pieces[k]!, pieces[k + 1]!.start);
    return { start: pieces[0]!.start, holes: pieces[pieces.length - 1]!.holes };
  }

  /** The automaton as flat typed arrays, for a monomorphic, allocation-free simulation. */
  private flat(): Flat {
    const count = this.states.length;
    const op = new Uint8Array(count);
    const out = new Int32Array(count).fill(-1);
    const out2 = new Int32Array(count).fill(-1);
    const arg = new Int32Array(count);
    const sets: CharSet[] = [];
    this.states.forEach((st, i) => {
      if (st.op === "set") {
        op[i] = SET;
        out[i] = st.out;
        arg[i] = sets.length;
        sets.push(st.set);
      } else if (st.op === "split") {
        op[i] = SPLIT;
        out[i] = st.out;
        out2[i] = st.out2;
      } else if (st.op === "assert") {
        op[i] = ASSERT;
        out[i] = st.out;
        arg[i] = st.test === "word-boundary" ? 0 : st.test === "not-after-word" ? 1 : 2;
      } else {
        op[i] = MATCH;
        arg[i] = st.pattern;
      }
    });
    const startable = new Uint8Array(65536);
    const firstChars: string[] = [];
    for (let c = 0; c < 65536; c++) {
      if (this.first.some((f) => inSet(f, c))) {
        startable[c] = 1;
        firstChars.push(String.fromCharCode(c));
      }
    }
    return {
      op,
      out,
      out2,
      arg,
      sets,
      startable,
      firstChars: firstChars.length <= 4 ? firstChars : undefined,
    };
  }

  /** Report every match as (pattern index, start, end). */
  scan(text: string, report: (pattern: number, start: number, end: number) => void): void {
    const f = (this.compiled ??= this.flat());
    // A report that scans again with this set (none does) would get lists of its own.
    const reuse = !this.busy;
    const w =
      reuse && this.work !== undefined ? this.work : newWork(f.op.length, this.starts.length, f.firstChars);
    if (reuse) this.work = w;
    this.busy = true;
    try {
      this.simulate(f, w, text, report);
    } finally {
      if (reuse) this.busy = false;
    }
  }

  private simulate(
    f: Flat,
    w: Work,
    text: string,
    report: (pattern: number, start: number, end: number) => void,
  ): void {
    const { op, out, out2, arg, sets, startable, firstChars } = f;
    // With few possible first characters, jump between them with indexOf (native, fast), caching the
    // next occurrence of each so the whole text is searched once per character.
    const nextAt = firstChars === undefined ? undefined : w.nextAt.fill(-2);
    const jump = (from: number): number => {
      let best = text.length;
      for (let k = 0; k < nextAt!.length; k++) {
        let at = nextAt![k]!;
        if (at !== -1 && at < from) at = nextAt![k] = text.indexOf(firstChars![k]!, from);
        if (at !== -1 && at < best) best = at;
      }
      return best;
    };
    const patterns = this.starts.length;
    const starts = this.starts;
    let cur = w.cur;
    let next = w.next;
    let curStart = w.curStart;
    let nextStart = w.nextStart;
    const mark = w.mark.fill(-1);
    const stack = w.stack;
    let curLen = 0;
    let nextLen = 0;
    const pendingStart = w.pendingStart.fill(-1);
    const pendingEnd = w.pendingEnd;
    const n = text.length;
    const word = (pos: number): boolean => {
      if (pos < 0 || pos >= n) return false;
      const c = text.charCodeAt(pos);
      return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    };
    const onMatch = (p: number, start: number, end: number): void => {
      const ps = pendingStart[p]!;
      if (ps === -1 || start < ps) {
        pendingStart[p] = start;
        pendingEnd[p] = end;
      } else if (start === ps) {
        if (end > pendingEnd[p]!) pendingEnd[p] = end;
      } else if (start >= pendingEnd[p]!) {
        report(p, ps, pendingEnd[p]!);
        pendingStart[p] = start;
        pendingEnd[p] = end;
      }
    };
    // Add a state and everything reachable from it without reading (its closure) to the next list. A
    // state already on the list for this position keeps its earlier start: leftmost wins.
    const add = (s0: number, start: number, pos: number): void => {
      let sp = 0;
      stack[sp++] = s0;
      while (sp > 0) {
        const s = stack[--sp]!;
        if (s < 0 || mark[s] === pos) continue;
        mark[s] = pos;
        const o = op[s]!;
        if (o === SPLIT) {
          stack[sp++] = out2[s]!;
          stack[sp++] = out[s]!;
        } else if (o === ASSERT) {
          const t = arg[s]!;
          const before = word(pos - 1);
          const after = word(pos);
          if (t === 0 ? before !== after : t === 1 ? !before : !after) stack[sp++] = out[s]!;
        } else if (o === MATCH) onMatch(arg[s]!, start, pos);
        else {
          next[nextLen] = s;
          nextStart[nextLen++] = start;
        }
      }
    };
    for (let i = 0; i <= n; i++) {
      if (nextLen === 0) {
        // Nothing alive: skip to the next character a match can start with.
        if (nextAt !== undefined) i = jump(i);
        else while (i < n && startable[text.charCodeAt(i)] === 0) i++;
        if (i === n) break;
      }
      for (const st of starts) add(st, i, i);
      const list = cur;
      cur = next;
      next = list;
      const listStart = curStart;
      curStart = nextStart;
      nextStart = listStart;
      curLen = nextLen;
      nextLen = 0;
      if (i === n) break;
      const c = text.charCodeAt(i);
      for (let k = 0; k < curLen; k++) {
        const s = cur[k]!;
        const start = curStart[k]!;
        if (i + 1 - start > MAX_MATCH) continue;
        const set = sets[arg[s]!]!;
        if (c < 128 ? set.ascii[c] === 1 : inSet(set, c)) add(out[s]!, start, i + 1);
      }
    }
    for (let p = 0; p < patterns; p++) {
      if (pendingStart[p] !== -1) report(p, pendingStart[p]!, pendingEnd[p]!);
    }
  }
}

/** The lists of one scan: states alive now and next, with their starts, marks, stack and matches. */
interface Work {
  readonly cur: Int32Array;
  readonly next: Int32Array;
  readonly curStart: Int32Array;
  readonly nextStart: Int32Array;
  readonly mark: Int32Array;
  readonly stack: Int32Array;
  readonly pendingStart: Int32Array;
  readonly pendingEnd: Int32Array;
  /** Per first character (`Flat.firstChars`), where it next occurs. */
  readonly nextAt: Int32Array;
}

function newWork(count: number, patterns: number, firstChars: readonly string[] | undefined): Work {
  return {
    cur: new Int32Array(count),
    next: new Int32Array(count),
    curStart: new Int32Array(count),
    nextStart: new Int32Array(count),
    mark: new Int32Array(count),
    stack: new Int32Array(2 * count + 2),
    pendingStart: new Int32Array(patterns),
    pendingEnd: new Int32Array(patterns),
    nextAt: new Int32Array(firstChars?.length ?? 0),
  };
}

const SET = 0;
const SPLIT = 1;
const ASSERT = 2;
const MATCH = 3;

interface Flat {
  readonly op: Uint8Array;
  readonly out: Int32Array;
  readonly out2: Int32Array;
  /** Set index (SET), assertion kind (ASSERT) or pattern index (MATCH). */
  readonly arg: Int32Array;
  readonly sets: readonly CharSet[];
  /** Code units a match can begin with. */
  readonly startable: Uint8Array;
  /** The same, as strings, when there are at most four of them. */
  readonly firstChars: readonly string[] | undefined;
}
