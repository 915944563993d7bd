/**
 * A JSON text written again in the layout it came in. A tool result that is JSON (`cat package.json`,
 * `kubectl get -o json`) is parsed to read its values; when one is redacted the value is serialized
 * again, which would send the model a minified text that is not in the file (`1.50` as `1.5`, escapes
 * decoded, the indentation and the last newline gone), and an edit the model then bases on it would not
 * apply. `keepLayout` takes the new serialization's tokens but the original's whitespace, and the
 * original's spelling of every token whose value did not change.
 */

/** One token of a JSON text: where it is, and its kind (a string, a number, or the character itself). */
interface Token {
  readonly start: number;
  readonly end: number;
  /** `"` a string, `0` a number, `t`/`f`/`n` a literal, else the punctuation character. */
  readonly kind: string;
}

/**
 * The tokens of a JSON text, or null when it is not one this reader can split (a control character
 * outside a string, an unterminated string). One pass, no backtracking.
 */
function tokens(text: string): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
      continue;
    }
    const start = i;
    if (c === 0x22) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      if (i >= n) return null;
      i++;
      out.push({ start, end: i, kind: '"' });
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      i++;
      while (i < n && isNumberCode(text.charCodeAt(i))) i++;
      out.push({ start, end: i, kind: "0" });
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      while (i < n && text.charCodeAt(i) >= 0x61 && text.charCodeAt(i) <= 0x7a) i++;
      out.push({ start, end: i, kind: text[start]! });
    } else if (c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x3a || c === 0x2c) {
      i++;
      out.push({ start, end: i, kind: text[start]! });
    } else return null;
  }
  return out;
}

function isNumberCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/** Whether two spellings of a token of `kind` are the same value. */
function sameValue(kind: string, a: string, b: string): boolean {
  if (a === b) return true;
  if (kind === '"') return (JSON.parse(a) as string) === (JSON.parse(b) as string);
  if (kind === "0") return Number.isFinite(Number(a)) && Number(a) === Number(b);
  return false;
}

/**
 * `next` (a serialization of `original`'s value after some of its strings changed) in `original`'s
 * layout: `original` with each token replaced by `next`'s where their values differ. When the two do not
 * have the same tokens in the same order (a key renamed or reordered changes no token kind, so this
 * holds whenever only values and keys changed), `next` as it is.
 *
 * @example keepLayout('{\n  "a": "x",\n  "n": 1.50\n}\n', '{"a":"[EMAIL_1]","n":1.5}'); // '{\n  "a": "[EMAIL_1]",\n  "n": 1.50\n}\n'
 */
export function keepLayout(original: string, next: string): string {
  try {
    return relaid(original, next);
  } catch {
    return next; // a token JSON.parse refuses: not a layout this can keep
  }
}

function relaid(original: string, next: string): string {
  const was = tokens(original);
  const now = tokens(next);
  if (was === null || was.length !== now?.length) return next;
  for (let k = 0; k < was.length; k++) if (was[k]!.kind !== now[k]!.kind) return next;
  const parts: string[] = [];
  let at = 0;
  for (let k = 0; k < was.length; k++) {
    const w = was[k]!;
    const spelled = original.slice(w.start, w.end);
    const t = now[k]!;
    const wanted = next.slice(t.start, t.end);
    if (sameValue(w.kind, spelled, wanted)) continue;
    parts.push(original.slice(at, w.start), wanted);
    at = w.end;
  }
  parts.push(original.slice(at));
  return parts.join("");
}
