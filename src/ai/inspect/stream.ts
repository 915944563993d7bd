import { DetenteError } from "../../errors.js";
import type { EditLog } from "./edits.js";
import type { Inspector } from "./engine.js";
import { groupOf } from "./overlap.js";
import { MAX_KEY_BLOCK } from "./secrets/structured.js";
import { isIdentCode, isSpaceCode } from "./chars.js";
import { holdStart, isUnspacedCode } from "./stream-hold.js";
import {
  DATA_CLASSES,
  type DataClass,
  type Detection,
  type SourceCodeDetection,
  type TextRole,
} from "./types.js";

/** What one chunk produced: the text to send on now, and the detections completed by it. */
export interface StreamInspection {
  readonly emit: string;
  readonly detections: readonly Detection[];
}

/** Incremental inspection of a text stream; see `createStreamInspector`. */
export interface StreamInspector {
  push(chunk: string): StreamInspection;
  /** End the stream, with its last chunk if any: `end(wholeText)` inspects a complete text in one pass. */
  end(last?: string): StreamInspection;
  /**
   * Stop inspecting: the text pushed and not emitted yet, with the masks already certain, and nothing
   * more. For a caller that goes on without inspection after `push` threw (a policy that fails open): a
   * `push` or `end` that throws leaves the stream as it was before it, so no text is lost or repeated.
   */
  abandon(): string;
}

/** Longest stretch held back while masking (a secret longer than this is masked from where it is found). */
const MAX_HOLD = 16 * 1024;

/** Start of an unterminated `-----BEGIN ... PRIVATE KEY-----` block in `window` (or a header still being written), else -1. */
function openKeyStart(window: string): number {
  const i = window.lastIndexOf("-----BEGIN");
  if (i === -1) return -1;
  const end = window.indexOf("-----END ", i);
  if (end !== -1 && /^-----END [A-Z0-9 ]{1,40}-----/.test(window.slice(end, end + 60))) return -1;
  const header = window.slice(i, i + 60);
  const close = header.indexOf("-----", 10);
  if (close === -1) return window.length - i <= 60 ? i : -1; // header not finished yet
  return header.slice(0, close).includes("PRIVATE KEY") ? i : -1;
}

function placeholder(type: string): string {
  return `[REDACTED_${type.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}]`;
}

/**
 * Inspect a whole text in one pass, as `createStreamInspector(inspector, { mask }).end(text)` does, for a
 * text whose first `from` characters are context shown to the detectors only (a sibling's name before a
 * `value`: see `TextSlot.contextLength`). Returned: the hits that reach past the context, at offsets into
 * the whole text, and the text after the context with the hits of the `mask` classes replaced by
 * `[REDACTED_<TYPE>]`; a hit that starts in the context is masked from where the context ends. `edits`,
 * when given, is told each span masked, at offsets into the text after the context.
 *
 * @example inspectWhole(inspector, '"name": "DB_PASSWORD", "value": "hunter2!x"', ["secret"], 23).emit; // '"value": "[REDACTED_PASSWORD]"'
 */
export function inspectWhole(
  inspector: Inspector,
  text: string,
  mask: readonly DataClass[],
  from = 0,
  edits?: EditLog,
): StreamInspection {
  if (from === 0) return createStreamInspector(inspector, { mask, edits }).end(text);
  const detections = inspector.inspect(text, "response").filter((d) => d.end > from);
  let emit = "";
  let pos = from;
  for (const m of detections.filter((d) => mask.includes(d.dataClass)).sort((a, b) => a.start - b.start)) {
    if (m.end <= pos) continue; // inside one placed before (hits of different groups may overlap)
    if (m.start > pos) emit += text.slice(pos, m.start);
    const p = placeholder(m.type);
    edits?.replaced(Math.max(m.start, pos) - from, m.end - from, p.length);
    emit += p;
    pos = m.end;
  }
  return { emit: emit + text.slice(pos), detections };
}

/**
 * Inspect model output as it streams. Detections carry offsets into the whole stream (the input text,
 * not the masked output) and each hit is reported once, as soon as the text after it shows it cannot
 * grow. Memory stays bounded: `lookBack` characters (default 512) of context are kept, plus an open
 * private-key block (up to 32 KB) or a held-back masked candidate (up to 16 KB).
 *
 * Without `mask`, `emit` is exactly the chunk, immediately. With `mask` (e.g. `["secret"]`), hits of
 * those classes are replaced by `[REDACTED_<TYPE>]`, and only a trailing run that could still grow into
 * a masked hit is held back (see `holdStart`): ordinary prose ending in a short word is not delayed, nor
 * is text without spaces (Chinese, Japanese) held until its end. A secret split across chunks may leak
 * its first few characters when the first part did not look like a credential yet; the rest is masked.
 * An emitted piece never ends between the two halves of a surrogate pair. `edits`, when given, is told
 * each span masked (offsets into the whole stream), in order.
 *
 * @example
 * const stream = createStreamInspector(inspector, { mask: ["secret"] });
 * for await (const chunk of upstream) { const r = stream.push(chunk); send(r.emit); audit(r.detections); }
 * const last = stream.end();
 */
export function createStreamInspector(
  inspector: Inspector,
  options: {
    readonly role?: TextRole;
    readonly lookBack?: number;
    readonly mask?: readonly DataClass[];
    readonly edits?: EditLog | undefined;
  } = {},
): StreamInspector {
  const role = options.role ?? "response";
  const lookBack = options.lookBack ?? 512;
  if (!Number.isInteger(lookBack) || lookBack < 16 || lookBack > 1 << 20) {
    throw new DetenteError(
      "INVALID_CONFIG",
      "stream inspector: lookBack must be a whole number from 16 to 1048576",
    );
  }
  for (const c of options.mask ?? []) {
    if (!DATA_CLASSES.includes(c))
      throw new DetenteError("INVALID_CONFIG", `stream inspector: unknown data class "${c}"`);
  }
  const mask = new Set<DataClass>(options.mask ?? []);
  const masking = mask.size > 0;
  const edits = options.edits;
  let window = "";
  let windowStart = 0;
  let emitted = 0;
  let reported: Detection[] = [];
  let masked: (Detection & { placed: boolean })[] = [];

  /** Masked output for the stream range [from, to). */
  function render(from: number, to: number): string {
    let out = "";
    let pos = from;
    for (const m of masked) {
      if (m.end <= pos || m.start >= to) continue;
      if (m.start > pos) out += window.slice(pos - windowStart, m.start - windowStart);
      const p = m.placed ? "" : placeholder(m.type);
      out += p;
      m.placed = true;
      const end = Math.min(m.end, to);
      edits?.replaced(Math.max(m.start, pos), end, p.length);
      pos = end;
    }
    if (pos < to) out += window.slice(pos - windowStart, to - windowStart);
    return out;
  }

  function step(chunk: string, final: boolean): StreamInspection {
    // The only call that can throw (a detector's bug) comes before any state changes.
    const next = window + chunk;
    const found = inspector.inspect(next, role);
    window = next;
    const total = windowStart + window.length;
    let openKey = final ? -1 : openKeyStart(window);
    if (openKey !== -1 && total - (windowStart + openKey) > MAX_KEY_BLOCK) openKey = -1;
    const fresh: Detection[] = [];
    let hold = total;
    // A hit already reported (by an earlier step, seen again in the kept context) is not reported twice.
    // This step's hits never overlap one another within a group (the engine resolves them), so only the
    // earlier steps' are compared: per group sorted by start, and so by end, a cursor per group follows
    // `found`, which is sorted by start, and the check stays linear however many hits there are.
    const earlier = byGroup(reported);
    // A hit followed only by token characters up to the window's end may still grow (`xoxb-1-2-` is a
    // Slack token already, and its secret part has not come yet): it waits, as one at the very end does.
    const tail = final ? window.length : tokenTail(window);
    for (const d of found) {
      const open = !final && (d.end >= tail || (openKey !== -1 && d.start >= openKey));
      if (open) {
        if (mask.has(d.dataClass)) hold = Math.min(hold, d.start + windowStart);
        continue;
      }
      const abs = windowStart === 0 ? d : moved(d, windowStart);
      if (earlier?.overlaps(abs)) continue;
      reported.push(abs);
      fresh.push(abs);
      if (mask.has(d.dataClass)) masked.push({ ...abs, placed: false });
    }
    masked.sort((a, b) => a.start - b.start);
    if (!final && openKey !== -1 && mask.has("secret")) hold = Math.min(hold, windowStart + openKey);
    if (masking && !final) hold = Math.min(hold, windowStart + holdStart(window, mask));
    if (total - hold > MAX_HOLD && (openKey === -1 || windowStart + openKey !== hold))
      hold = total - MAX_HOLD;
    let emit = chunk;
    if (masking) {
      let to = final ? total : Math.max(emitted, hold);
      // Never between the two halves of a surrogate pair: an emoji sent in two events reaches clients
      // that decode each event on its own as two U+FFFD. The high half waits for its low half.
      if (!final && to > emitted && isHighSurrogate(window.charCodeAt(to - 1 - windowStart))) to--;
      for (const m of masked) if (m.start < to && m.end > to && m.start >= emitted) to = m.start; // never cut a mask
      emit = render(emitted, to);
      emitted = to;
    }
    // Keep lookBack characters of context, an open key block, and everything not yet emitted.
    let keep = Math.max(windowStart, total - lookBack);
    if (openKey !== -1) keep = Math.min(keep, windowStart + openKey);
    if (masking) keep = Math.min(keep, emitted);
    keep = Math.min(keep, windowStart + tokenStart(window, keep - windowStart));
    window = window.slice(keep - windowStart);
    windowStart = keep;
    reported = reported.filter((r) => r.end > windowStart);
    masked = masked.filter((m) => m.end > emitted); // a hit found after it was sent cannot be masked any more
    return { emit, detections: fresh };
  }

  return {
    push: (chunk) => step(chunk, false),
    end: (last = "") => step(last, true),
    abandon() {
      const total = windowStart + window.length;
      const rest = masking && emitted < total ? render(emitted, total) : "";
      emitted = total;
      window = "";
      windowStart = total;
      masked = [];
      reported = [];
      return rest;
    },
  };
}

/**
 * `d` at `by` characters further on. Its keyed hash is still computed only when read: a spread would
 * compute one HMAC per detection, which an answer with a few hundred thousand of them cannot afford.
 */
function moved(d: Detection, by: number): Detection {
  const m: Record<string, unknown> = {};
  for (const k in d)
    if (k !== "hash" && k !== "language") m[k] = (d as unknown as Record<string, unknown>)[k];
  m.start = d.start + by;
  m.end = d.end + by;
  // Both worked out when first read (see LazyFields): read through, not now.
  Object.defineProperty(m, "hash", { enumerable: true, get: () => d.hash });
  if ("language" in d)
    Object.defineProperty(m, "language", {
      enumerable: true,
      get: () => (d as SourceCodeDetection).language,
    });
  return m as unknown as Detection;
}

/**
 * Reported hits by group, for `overlaps(d)`: whether one of `d`'s group overlaps it. Within a group the
 * hits do not overlap, so sorted by start their ends ascend too; calls must come in order of start.
 */
function byGroup(reported: readonly Detection[]): { overlaps(d: Detection): boolean } | null {
  if (reported.length === 0) return null;
  const groups = new Map<string, { list: Detection[]; at: number }>();
  for (const r of reported) {
    const g = groupOf(r);
    const entry = groups.get(g);
    if (entry === undefined) groups.set(g, { list: [r], at: 0 });
    else entry.list.push(r);
  }
  for (const entry of groups.values()) entry.list.sort((a, b) => a.start - b.start);
  return {
    overlaps(d) {
      const entry = groups.get(groupOf(d));
      if (entry === undefined) return false;
      const { list } = entry;
      while (entry.at < list.length && list[entry.at]!.end <= d.start) entry.at++;
      return entry.at < list.length && list[entry.at]!.start < d.end;
    },
  };
}

/** How far past a hit the stream may still be the same token (see `tokenTail`). */
const MAX_GROWTH = 256;

/**
 * Where the run of token characters (letters, digits, `_-./+=`) that ends `window` starts, looking back
 * at most MAX_GROWTH characters: a hit that ends in it is followed by nothing but token characters, so
 * the next chunk may extend it.
 */
function tokenTail(window: string): number {
  let i = window.length;
  while (i > 0 && window.length - i < MAX_GROWTH && isTokenCode(window.charCodeAt(i - 1))) i--;
  return i;
}

function isTokenCode(c: number): boolean {
  return isIdentCode(c) || c === 45 || c === 46 || c === 47 || c === 43 || c === 61;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * Move a cut at `at` back to the start of the token it would split (bounded), so no token is halved. A
 * cut may fall next to whitespace, or between two unspaced characters (CJK, emoji: see `holdStart`),
 * which no token spans; so text without spaces keeps a window of `lookBack`, not 2,048 more.
 */
function tokenStart(window: string, at: number): number {
  let i = at;
  while (i > 0 && at - i < 2048 && !tokenBoundary(window, i)) i--;
  return at - i >= 2048 ? at : i;
}

function tokenBoundary(window: string, i: number): boolean {
  const before = window.charCodeAt(i - 1);
  const after = window.charCodeAt(i); // NaN at the end: neither kind
  if (isSpaceCode(before) || isSpaceCode(after)) return true;
  return isUnspacedCode(before) && isUnspacedCode(after) && !isHighSurrogate(before);
}
