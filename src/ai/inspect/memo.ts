import { createHmac, createSecretKey, randomBytes } from "node:crypto";
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
 * turn. With it, a text is inspected once per scope and later requests pay for a keyed SHA-256 of it.
 *
 * - The key is an HMAC-SHA256, under a key made for this memory alone, of the scope, the role and the
 *   text (its UTF-8 bytes, or its UTF-16 code units when it holds a lone surrogate, which UTF-8 would turn
 *   into U+FFFD, a character the inspector reads differently): equal keys mean equal inputs, and the
 *   inspector's output depends on nothing else (its options are fixed when it is built). Being keyed, a
 *   memory dump does not let anyone test guesses of a text against it.
 * - The scope is the caller's key: whether another caller sent a text first is not observable through
 *   timing. The entries of every scope share one least-recently-used order, so a caller sending many
 *   distinct texts pushes others' out (they are then inspected again, nothing else).
 * - What is kept are detections as plain frozen objects (offsets, type, confidence, keyed hash), never the
 *   text, so a remembered entry holds no content.
 * - An inspection that throws is not remembered, nor one where a plug-in detector failed
 *   (`detector-error:...`), which may pass next time.
 *
 * @example
 * const memo = createInspectionMemo(inspector, { entries: 4096 });
 * memo.inspect(principal.keyId, systemPrompt, "system"); // inspected
 * memo.inspect(principal.keyId, systemPrompt, "system"); // remembered
 */
export interface InspectionMemo {
  inspect(scope: string, text: string, role: TextRole): readonly Detection[];
  /** Texts remembered now. */
  readonly size: number;
}

/** See `InspectionMemo`. */
export function createInspectionMemo(inspector: Inspector, options: InspectionMemoOptions): InspectionMemo {
  const entries = Number.isFinite(options.entries) ? Math.max(0, Math.floor(options.entries)) : 0;
  const minChars = options.minChars ?? 1024;
  const maxDetections = options.maxDetections ?? 16;
  // A KeyObject: a raw Buffer key is imported again by every createHmac.
  const key = createSecretKey(randomBytes(32));
  // A Map iterates in insertion order: a hit is moved to the end, the first entry is the least recent.
  const remembered = new Map<string, readonly Detection[]>();
  const observe = options.observe ?? (() => undefined);
  return {
    inspect(scope, text, role) {
      if (entries === 0 || text.length < minChars) {
        const found = inspector.inspect(text, role);
        observe(false, text.length);
        return found;
      }
      // UTF-8 hashes half the bytes of UTF-16 (13 against 23 µs for 16 KB of ASCII), but maps every lone
      // surrogate to U+FFFD: a text with one is hashed as UTF-16 code units, and the prefix says which.
      const utf8 = (text as string & { isWellFormed(): boolean }).isWellFormed();
      const id = createHmac("sha256", key)
        .update(`${scope.length}:${scope}\u0000${role}\u0000${utf8 ? "8" : "16"}\u0000`, "utf16le")
        .update(text, utf8 ? "utf8" : "utf16le")
        .digest("base64");
      const known = remembered.get(id);
      if (known !== undefined) {
        remembered.delete(id);
        remembered.set(id, known);
        observe(true, text.length);
        return known;
      }
      const found = inspector.inspect(text, role);
      observe(false, text.length);
      if (found.length <= maxDetections && !found.some((d) => d.type.startsWith("detector-error:"))) {
        remembered.set(id, Object.freeze(found.map(plain)));
        if (remembered.size > entries) remembered.delete(remembered.keys().next().value!);
      }
      return found;
    },
    get size() {
      return remembered.size;
    },
  };
}

/** A detection without the inspector's lazy hash (which holds the inspected text until it is read). */
function plain(d: Detection): Detection {
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(d)) copy[k] = (d as unknown as Record<string, unknown>)[k];
  return Object.freeze(copy) as unknown as Detection;
}
