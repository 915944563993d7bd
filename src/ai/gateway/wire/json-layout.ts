/**
 * A JSON text written again in the layout it came in. A tool result that is JSON (`cat package.json`,
 * `kubectl get -o json`) is parsed to read its values; when one is redacted the value is serialized
 * again, which would send the model a minified text that is not in the file (`1.50` as `1.5`, escapes
 * decoded, the indentation and the last newline gone), and an edit the model then bases on it would not
 * apply. `keepLayout` takes the new serialization's tokens but the original's whitespace, and the
 * original's spelling of every token whose value did not change.
 */

/**
 * The tokens of a JSON text, as parallel arrays (one object per token would cost megabytes on a large
 * tool result): where each starts and ends, and its kind (`"` a string, `0` a number, `t`/`f`/`n` a
 * literal, else the punctuation character's code). Null when it is not a text this reader can split (a
 * control character outside a string, an unterminated string). One pass, no backtracking.
 */
interface Tokens {
  readonly count: number;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly kind: Uint8Array;
}

function tokens(text: string): Tokens | null {
  const n = text.length;
  // A token takes at least one character.
  const start = new Int32Array(n + 1);
  const end = new Int32Array(n + 1);
  const kind = new Uint8Array(n + 1);
  let count = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
      continue;
    }
    const from = i;
    let k = c;
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
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      k = 0x30;
      i++;
      while (i < n && isNumberCode(text.charCodeAt(i))) i++;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      while (i < n && text.charCodeAt(i) >= 0x61 && text.charCodeAt(i) <= 0x7a) i++;
    } else if (c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x3a || c === 0x2c) {
      i++;
    } else return null;
    start[count] = from;
    end[count] = i;
    kind[count] = k;
    count++;
  }
  return { count, start, end, kind };
}

function isNumberCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/**
 * Whether two spellings of a token of `kind` are the same value: the same string decoded, or the same
 * number within a double's exact range (`1.50` and `1.5`; two 20-digit ids that a double cannot tell
 * apart are compared as written).
 */
function sameValue(kind: number, a: string, b: string): boolean {
  if (a === b) return true;
  if (kind === 0x22) return (JSON.parse(a) as string) === (JSON.parse(b) as string);
  if (kind === 0x30) {
    const x = Number(a);
    return Number.isFinite(x) && Math.abs(x) < 2 ** 53 && x === Number(b);
  }
  return false;
}

/** Above this many characters the new text is sent as it is: keeping the layout is not worth the time. */
export const MAX_RELAID = 1024 * 1024;

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
  if (original.length > MAX_RELAID || next.length > MAX_RELAID) return next;
  const was = tokens(original);
  const now = tokens(next);
  if (was === null || was.count !== now?.count) return next;
  for (let k = 0; k < was.count; k++) if (was.kind[k] !== now.kind[k]) return next;
  const parts: string[] = [];
  let at = 0;
  for (let k = 0; k < was.count; k++) {
    const spelled = original.slice(was.start[k], was.end[k]);
    const wanted = next.slice(now.start[k], now.end[k]);
    if (sameValue(was.kind[k]!, spelled, wanted)) continue;
    parts.push(original.slice(at, was.start[k]), wanted);
    at = was.end[k]!;
  }
  parts.push(original.slice(at));
  return parts.join("");
}
