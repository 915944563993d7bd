import { createHmac, createSecretKey, hash, randomBytes } from "node:crypto";
import type { Inspector } from "./engine.js";
import type { Detection, TextRole } from "./types.js";

/** Options of `createInspectionMemo`. */
export interface InspectionMemoOptions {
  /** How many inspected texts it remembers, least recently used first out; 0 remembers none. */
  readonly entries: number;
  /** Texts shorter than this (UTF-16 units) are inspected every time: they cost less than remembering. */
  readonly minChars?: number;
  /**
   * A text with more detections than this (default 16) is not remembered, so that an entry stays under
   * about 4 KB: the memory holds at most `entries` of them.
   */
  readonly maxDetections?: number;
  /** Told of every text: whether it was remembered (not inspected again), and its length. */
  readonly observe?: (remembered: boolean, chars: number) => void;
}

/**
 * Inspection that remembers what it found in the texts a caller sends again. Coding assistants send the
 * same system prompt and tool definitions with every request, and every turn of a conversation sends the
 * whole history again, so without it the gateway would inspect a long session's first message once per
 * turn. With it, a text is inspected twice per scope (the first two times it comes) and later requests
 * pay for a keyed SHA-256 of it.
 *
 * - A text is remembered the second time it comes, not the first: most texts come once (a completion's
 *   prompt, a conversation's newest message), and hashing all of such a text costs a fifth to a tenth of
 *   inspecting it for nothing. The first time, only a fingerprint is kept: a SHA-256, after a secret of
 *   this memory, of the scope, the role, the length and 128 of the text's code units (its first and last
 *   32, and 64 spread over the rest). A text whose fingerprint was seen is then hashed whole (below) and remembered
 *   under it; a fingerprint is only ever a hint, as only the whole-text hash says two texts are equal, so
 *   two texts that share one are both inspected, never taken for one another. Fingerprints are kept
 *   apart from remembered texts (four times as many), so texts that come once push out no remembered one;
 *   they are one first-in, first-out list for every scope, so many texts sent once by one caller can
 *   push out another caller's fingerprint before its text comes again (it is then remembered a time
 *   later, nothing else).
 * - The key of a remembered text is an HMAC-SHA256, under a key made for this memory alone, of the
 *   scope, the role and the text (its UTF-8 bytes, or its UTF-16 code units when it holds a lone
 *   surrogate, which UTF-8 would turn into U+FFFD, a character the inspector reads differently): equal
 *   keys mean equal inputs, and the inspector's output depends on nothing else (its options are fixed when
 *   it is built). Being keyed, a memory dump does not let anyone test guesses of a text against it.
 * - The scope is the caller's key: whether another caller sent a text first is not observable through
 *   timing. The entries of every scope share one least-recently-used order, so a caller sending many
 *   distinct texts twice pushes others' out (they are then inspected again, nothing else).
 * - What is kept are detections as plain frozen objects (offsets, type, confidence, keyed hash), never the
 *   text, so a remembered entry holds no content.
 * - An inspection that throws is not remembered, nor one where a plug-in detector failed
 *   (`detector-error:...`), which may pass next time.
 *
 * @example
 * const memo = createInspectionMemo(inspector, { entries: 4096 });
 * memo.inspect(principal.keyId, systemPrompt, "system"); // inspected, its fingerprint kept
 * memo.inspect(principal.keyId, systemPrompt, "system"); // inspected again, and remembered
 * memo.inspect(principal.keyId, systemPrompt, "system"); // remembered
 */
export interface InspectionMemo {
  inspect(scope: string, text: string, role: TextRole): readonly Detection[];
  /** Texts remembered now. */
  readonly size: number;
}

/** Code units of a text its fingerprint reads: the first and last EDGE, and SPREAD between them. */
const EDGE = 32;
const SPREAD = 64;
/** Fingerprints kept per remembered text. */
const SEEN_PER_ENTRY = 4;

/** A remembered text: its whole-text key, and what inspecting it found. */
interface Entry {
  readonly id: string;
  readonly found: readonly Detection[];
}

/** See `InspectionMemo`. */
export function createInspectionMemo(inspector: Inspector, options: InspectionMemoOptions): InspectionMemo {
  const entries = Number.isFinite(options.entries) ? Math.max(0, Math.floor(options.entries)) : 0;
  const minChars = options.minChars ?? 1024;
  const maxDetections = options.maxDetections ?? 16;
  // A KeyObject: a raw Buffer key is imported again by every createHmac.
  const key = createSecretKey(randomBytes(32));
  const salt = randomBytes(32).toString("base64");
  // Maps iterate in insertion order: a hit is moved to the end, the first entry is the least recent.
  // Remembered texts and fingerprints seen once, both by fingerprint.
  const remembered = new Map<string, Entry>();
  const seen = new Set<string>();
  const sample = new Uint16Array(SPREAD);
  const observe = options.observe ?? (() => undefined);

  const fingerprint = (scope: string, text: string, role: TextRole): string => {
    const n = text.length;
    const step = Math.max(0, n - 2 * EDGE) / SPREAD;
    for (let k = 0; k < SPREAD; k++) sample[k] = text.charCodeAt(EDGE + Math.floor(k * step));
    const spread = String.fromCharCode.apply(null, sample as unknown as number[]);
    return hash(
      "sha256",
      `${salt}${scope.length}:${scope}\u0000${role}\u0000${n}\u0000${text.slice(0, EDGE)}${text.slice(n - EDGE)}${spread}`,
      "base64",
    );
  };
  const wholeKey = (scope: string, text: string, role: TextRole): string => {
    // UTF-8 hashes half the bytes of UTF-16 (13 against 23 µs for 16 KB of ASCII), but maps every lone
    // surrogate to U+FFFD: a text with one is hashed as UTF-16 code units, and the prefix says which.
    const utf8 = (text as string & { isWellFormed(): boolean }).isWellFormed();
    return createHmac("sha256", key)
      .update(`${scope.length}:${scope}\u0000${role}\u0000${utf8 ? "8" : "16"}\u0000`, "utf16le")
      .update(text, utf8 ? "utf8" : "utf16le")
      .digest("base64");
  };
  const inspectNow = (text: string, role: TextRole): readonly Detection[] => {
    const found = inspector.inspect(text, role);
    observe(false, text.length);
    return found;
  };

  return {
    inspect(scope, text, role) {
      if (entries === 0 || text.length < minChars) return inspectNow(text, role);
      const fp = fingerprint(scope, text, role);
      const known = remembered.get(fp);
      if (known === undefined && !seen.has(fp)) {
        // The first time: inspected, and only its fingerprint kept.
        const found = inspectNow(text, role);
        seen.add(fp);
        if (seen.size > SEEN_PER_ENTRY * entries) seen.delete(seen.values().next().value!);
        return found;
      }
      const id = wholeKey(scope, text, role);
      if (known?.id === id) {
        remembered.delete(fp);
        remembered.set(fp, known);
        observe(true, text.length);
        return known.found;
      }
      // Its fingerprint was seen: most likely the same text, so remembered now (a different text with
      // the same fingerprint takes the entry over).
      const found = inspectNow(text, role);
      seen.delete(fp);
      // A text that cannot be remembered starts over: its next time is a first time, not hashed (unless
      // another text's entry holds the same fingerprint).
      if (found.length <= maxDetections && !found.some((d) => d.type.startsWith("detector-error:"))) {
        remembered.delete(fp);
        remembered.set(fp, { id, found: Object.freeze(found.map(plain)) });
        if (remembered.size > entries) remembered.delete(remembered.keys().next().value!);
      }
      return found;
    },
    get size() {
      return remembered.size;
    },
  };
}

/**
 * A detection without the inspector's lazy fields (the hash, a source-code block's language), which hold
 * the inspected text until they are read: read now, with the same keys (a `language` that came to
 * nothing stays a key, undefined, as on the inspector's own detection).
 */
function plain(d: Detection): Detection {
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(d)) copy[k] = (d as unknown as Record<string, unknown>)[k];
  return Object.freeze(copy) as unknown as Detection;
}
