import { DetenteError } from "../../errors.js";
import type { EditLog } from "./edits.js";
import type { Detection } from "./types.js";

/**
 * Reversible redaction for one request, in memory only: each detected value becomes a typed, numbered
 * placeholder (`[SECRET_1]`, `[EMAIL_2]`), the same value always the same placeholder within the vault,
 * and `restore` puts the originals back into the model's answer. The vault lives as long as the request;
 * nothing in it is ever logged or stored.
 *
 * @example
 * const vault = createVault();
 * const safe = vault.redact(prompt, detections); // "deploy with [SECRET_1] to [EMAIL_1]"
 * const answer = vault.restore(modelAnswer);
 */
export interface RedactionVault {
  /**
   * Replace each detection's span in `text` with a typed placeholder; same value -> same placeholder
   * within the vault. `edits`, when given, is told each span replaced.
   */
  redact(text: string, detections: readonly Detection[], edits?: EditLog): string;
  /**
   * Put the original values back wherever placeholders appear, through `encode` when given (a
   * placeholder inside JSON source needs its value JSON-escaped); `edits`, when given, is told each
   * placeholder replaced.
   */
  restore(text: string, encode?: (value: string) => string, edits?: EditLog): string;
  readonly size: number;
}

/** Restores placeholders in a stream of text chunks; see `createRestoreStream`. */
export interface RestoreStream {
  push(chunk: string): string;
  end(): string;
}

/** Placeholder labels by PII type; other classes use one label each. */
const PII_LABELS: Readonly<Record<string, string>> = {
  email: "EMAIL",
  phone: "PHONE",
  "payment-card": "CARD",
  iban: "IBAN",
  "us-ssn": "SSN",
  ipv4: "IP",
  ipv6: "IP",
};

const CLASS_LABELS: Readonly<Record<string, string>> = {
  secret: "SECRET",
  pii: "PII",
  confidential: "CONFIDENTIAL",
  "source-code": "CODE",
  injection: "INJECTION",
  "unsafe-code": "UNSAFE_CODE",
};

/**
 * The placeholder label for a detection: SECRET, EMAIL, PHONE, CARD, IBAN, SSN, IP, PII, CONFIDENTIAL...
 *
 * @example placeholderLabel({ dataClass: "pii", type: "payment-card" }) // "CARD"
 */
export function placeholderLabel(d: Pick<Detection, "dataClass" | "type">): string {
  if (d.dataClass === "pii") return PII_LABELS[d.type] ?? "PII";
  return CLASS_LABELS[d.dataClass] ?? "REDACTED";
}

const PLACEHOLDER = /\[[A-Z][A-Z_]{0,30}_\d{1,9}\]/g;
/** Longest placeholder we emit: a label, `_`, up to nine digits, brackets. */
const MAX_PLACEHOLDER = 44;

/**
 * A new, empty vault for one request.
 *
 * @example
 * const vault = createVault();
 * vault.redact("mail bob@acme.io", [{ dataClass: "pii", type: "email", start: 5, end: 16, confidence: 0.95, hash: "..." }]);
 * // "mail [EMAIL_1]"
 */
export function createVault(): RedactionVault {
  return new Vault();
}

/**
 * A class, not an object literal with a `get size()` of its own: the gateway's slots built that way kept
 * every request's texts alive until a full collection (see wire/slot-kinds.ts), and the originals a vault
 * holds should die with the request.
 */
class Vault implements RedactionVault {
  // Private fields: neither `util.inspect` nor a spread shows the originals.
  readonly #byValue = new Map<string, string>();
  readonly #byPlaceholder = new Map<string, string>();
  readonly #counters = new Map<string, number>();
  /** Every prefix of every placeholder in the vault (`[`, `[S`, ... `[SECRET_1`). */
  readonly #prefixes = new Set<string>();

  /** True when `tail` may be the start of one of this vault's placeholders. */
  startsPlaceholder(tail: string): boolean {
    return this.#prefixes.has(tail);
  }

  redact(text: string, detections: readonly Detection[], edits?: EditLog): string {
    // Overlapping detections (a code block around a secret): the earlier, longer one is replaced.
    const sorted = [...detections].sort((a, b) => a.start - b.start || b.end - a.end);
    let out = "";
    let pos = 0;
    for (const d of sorted) {
      if (!(Number.isInteger(d.start) && Number.isInteger(d.end) && d.start >= 0 && d.end > d.start))
        continue;
      if (d.end > text.length) {
        throw new DetenteError(
          "INVALID_INPUT",
          "redact: a detection lies outside the text (another text's?)",
        );
      }
      if (d.start < pos) continue;
      const value = text.slice(d.start, d.end);
      let placeholder = this.#byValue.get(value);
      if (placeholder === undefined) {
        const label = placeholderLabel(d);
        const n = (this.#counters.get(label) ?? 0) + 1;
        this.#counters.set(label, n);
        placeholder = `[${label}_${n}]`;
        this.#byValue.set(value, placeholder);
        this.#byPlaceholder.set(placeholder, value);
        for (let k = 1; k < placeholder.length; k++) this.#prefixes.add(placeholder.slice(0, k));
      }
      out += text.slice(pos, d.start) + placeholder;
      edits?.replaced(d.start, d.end, placeholder.length);
      pos = d.end;
    }
    return out + text.slice(pos);
  }

  restore(text: string, encode?: (value: string) => string, edits?: EditLog): string {
    if (this.#byPlaceholder.size === 0) return text;
    return text.replace(PLACEHOLDER, (m: string, at: number) => {
      const value = this.#byPlaceholder.get(m);
      if (value === undefined) return m;
      const out = encode ? encode(value) : value;
      edits?.replaced(at, at + m.length, out.length);
      return out;
    });
  }

  get size(): number {
    return this.#byPlaceholder.size;
  }
}

/** Where a possible placeholder prefix starts at the end of `text` (text.length when there is none). */
function holdFrom(text: string, vault: RedactionVault): number {
  const i = text.lastIndexOf("[");
  if (i === -1 || text.length - i >= MAX_PLACEHOLDER) return text.length;
  const tail = text.slice(i);
  const possible =
    vault instanceof Vault ? vault.startsPlaceholder(tail) : /^\[[A-Z_]{0,30}\d{0,9}$/.test(tail);
  return possible ? i : text.length;
}

/**
 * Restores placeholders in a stream of text chunks, also when a placeholder is split across chunks;
 * holds back only a possible placeholder prefix (bounded), so nothing else is delayed. A held prefix is
 * released as soon as the next character rules the placeholder out. With an empty vault, chunks pass
 * through unchanged and nothing is held.
 *
 * `encode` transforms each restored value (see `jsonStringContent`); `edits`, when given, is told each
 * placeholder replaced, at offsets into the whole stream of chunks.
 *
 * @example
 * const restore = createRestoreStream(vault);
 * for await (const chunk of modelStream) write(restore.push(chunk));
 * write(restore.end());
 */
export function createRestoreStream(
  vault: RedactionVault,
  options?: { readonly encode?: (value: string) => string; readonly edits?: EditLog },
): RestoreStream {
  const encode = options?.encode;
  const sink = options?.edits;
  let held = "";
  // Characters of the stream restored so far (held ones excluded): where the next piece starts.
  let done = 0;
  const edits: EditLog | undefined = sink && {
    replaced: (start, end, length) => {
      sink.replaced(done + start, done + end, length);
    },
  };
  const restore = (piece: string): string => {
    const out = vault.restore(piece, encode, edits);
    done += piece.length;
    return out;
  };
  return {
    push(chunk) {
      if (vault.size === 0 && held === "") {
        done += chunk.length;
        return chunk;
      }
      const text = held + chunk;
      const cut = holdFrom(text, vault);
      held = text.slice(cut);
      return restore(text.slice(0, cut));
    },
    end() {
      const out = restore(held);
      held = "";
      return out;
    },
  };
}

/**
 * Escape a value for the inside of a JSON string: what a restored value needs when the placeholder sat
 * in streamed JSON source (a tool call's argument deltas).
 *
 * @example createRestoreStream(vault, { encode: jsonStringContent })
 */
export function jsonStringContent(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}
