import { isSpaceCode, PARTICLES } from "./chars.js";
import { CJK_CREDENTIAL_WORDS, KOREAN_PARTICLES } from "./secrets/cjk-credentials.js";
import { VENDOR_RULES } from "./secrets/vendor-rules.js";
import type { DataClass } from "./types.js";

/** Prefixes that announce a credential (vendor prefixes, JWT, PEM), minus ones that are short words. */
const CREDENTIAL_PREFIXES: readonly string[] = [
  ...new Set([...VENDOR_RULES.map((r) => r.prefix), "eyJ", "-----"].filter((p) => !/^[a-z]{1,4}$/.test(p))),
];

/** Key names a credential follows. */
const KEY_NAMES = "(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|bearer|basic|authorization)";

/** A credential key right before a value: `password=`, `"token": "`, `Bearer `, `<password>`, `the password is `. */
const CREDENTIAL_CONTEXT = new RegExp(`${KEY_NAMES}["'>]?\\s{0,3}(?:[:=]|is\\s)?\\s{0,3}["']?$`, "i");

/** Quotes that close a key (`"token"`, `「パスワード」`) and open a value, ASCII and CJK. */
const CLOSE_QUOTES = "\"'`>」』”’";
const OPEN_QUOTES = "\"'`「『“‘";

/**
 * A credential key right before a token, in every form the detectors read: the English ones above, with
 * a fullwidth operator or `=>` (`password：`), a Chinese or Japanese particle (`API token是`), and keys in
 * Chinese, Japanese and Korean (`密码是`, `パスワード：`, `비밀번호는 `, `『パスワード』：`), whose value may
 * follow with no space (see secrets/cjk-credentials.ts). Spaces are bounded as the detectors bound
 * them (8).
 */
const TOKEN_CONTEXT = new RegExp(
  `(?:${KEY_NAMES}|${CJK_CREDENTIAL_WORDS.join("|")})[${CLOSE_QUOTES}]?\\s{0,8}[${PARTICLES}${KOREAN_PARTICLES}]?\\s{0,8}(?:=>|:=|[:=：＝]|is\\s)?\\s{0,8}[${OPEN_QUOTES}]?$`,
  "i",
);

/** A credential key and its operator inside a word (`password=`, `"token":"`, `<password>`): a value follows. */
const KEY_IN_WORD = new RegExp(`${KEY_NAMES}["']?[:=>]`, "i");

/** Longest trailing run held back while it could still be a credential (a long JWT, an Azure SAS). */
const MAX_TOKEN = 4096;

/** Longest value a credential key introduces (a quoted one; see `valueAt` in secrets/assignment.ts). */
const MAX_VALUE = 512;

/** True when `token` starts like a credential: it begins with a known prefix, or is the start of one. */
function startsLikeCredential(token: string): boolean {
  for (const p of CREDENTIAL_PREFIXES) {
    if (token.startsWith(p)) return true;
    if (token.length >= 3 && p.startsWith(token)) return true;
  }
  return false;
}

/**
 * True for characters that no credential, e-mail address or hostname contains (outside the value of a
 * `password=` key): letters and punctuation of scripts written without spaces (CJK, kana, hangul, Thai,
 * Lao, Myanmar, Khmer), fullwidth forms, general punctuation and symbols, and surrogates (emoji). Text
 * made of them has no whitespace to wait for, so they end a token as a space does.
 *
 * @example isUnspacedCode("字".charCodeAt(0)) // true
 */
export function isUnspacedCode(c: number): boolean {
  if (c < 0x0e00) return false;
  return (
    c <= 0x0eff || // Thai, Lao
    (c >= 0x1000 && c <= 0x109f) || // Myanmar
    (c >= 0x1780 && c <= 0x17ff) || // Khmer
    (c >= 0x2010 && c <= 0x2bff) || // punctuation, symbols, arrows, box drawing
    c >= 0x2e80 // CJK, kana, hangul, Yi, surrogates, private use, fullwidth forms
  );
}

/**
 * True when the text before `at` ends in a credential key (`password: `), within 40 characters; with
 * `token`, in any form the detectors read (`password：`, `密码是`: see TOKEN_CONTEXT). Those forms' values
 * are ASCII and end where Chinese, Japanese or Korean text resumes, so they hold the trailing token only,
 * never the whole unspaced run after them.
 */
function keyedAt(window: string, at: number, token = false): boolean {
  return (token ? TOKEN_CONTEXT : CREDENTIAL_CONTEXT).test(window.slice(Math.max(0, at - 40), at));
}

/**
 * Start of the whitespace-delimited word that ends at the end of `window` and contains `at`, when that
 * word is no longer than a credential's value can be; otherwise `at`.
 */
function wordStart(window: string, at: number): number {
  const n = window.length;
  let w = at;
  while (w > 0 && !isSpaceCode(window.charCodeAt(w - 1))) {
    if (n - w >= MAX_VALUE) return at;
    w--;
  }
  return w;
}

/**
 * Where to start holding back the end of `window` while masking `mask` classes (window.length: hold
 * nothing). The trailing token is the run after the last whitespace or unspaced character (CJK, emoji:
 * see `isUnspacedCode`; up to 4,096 characters), and it is held when it could still grow into a masked
 * hit:
 *
 * - secrets: it is 8+ characters long, starts like a credential (`ghp_`, `sk-`, `AKIA`, `eyJ`, `-----`,
 *   or the first 3+ characters of such a prefix), or follows a credential key (`password=`, `Bearer `);
 *   a key's value may hold any letters, so the word after a key (or containing `password=`) is held
 *   whole, up to 512 characters;
 * - PII: it contains `@`, or the trailing run of digits and phone separators has 3+ digits or starts
 *   with `+` or `(` (a card or phone number split across chunks);
 * - confidential: it is 8+ characters long or contains a `.` (a hostname in progress).
 *
 * A short word at the end of ordinary prose matches none of these and is sent at once, and so is text
 * without spaces (Chinese, Japanese, a row of emoji): the hold is bounded by the token, not by the next
 * space.
 *
 * @example holdStart("my key is ghp_abc", new Set(["secret"])) // 10
 */
export function holdStart(window: string, mask: ReadonlySet<DataClass>): number {
  const n = window.length;
  let t = n;
  while (t > 0 && n - t < MAX_TOKEN) {
    const c = window.charCodeAt(t - 1);
    if (isSpaceCode(c) || isUnspacedCode(c)) break;
    t--;
  }
  const token = window.slice(t);
  let hold = n;
  if (mask.has("secret")) {
    if (token.length > 0 && (token.length >= 8 || startsLikeCredential(token) || keyedAt(window, t, true)))
      hold = t;
    const w = wordStart(window, t);
    if (w < t) {
      const key = keyedAt(window, w) ? 0 : window.slice(w, t).search(KEY_IN_WORD);
      if (key >= 0) hold = w + key;
    }
  }
  if (mask.has("pii")) {
    if (token.includes("@")) hold = Math.min(hold, t);
    let r = n;
    let digits = 0;
    while (r > 0 && n - r < 40 && /[0-9 ()+.-]/.test(window.charAt(r - 1))) {
      if (/\d/.test(window.charAt(r - 1))) digits++;
      r--;
    }
    while (r < n && window.charAt(r) === " ") r++;
    if (digits >= 3 || (digits > 0 && /^[+(]/.test(window.slice(r)))) hold = Math.min(hold, r);
  }
  if (token.length > 0 && mask.has("confidential") && (token.length >= 8 || token.includes("."))) {
    hold = Math.min(hold, t);
  }
  return hold;
}
