import { VENDOR_RULES } from "./secrets/vendor-rules.js";
import type { DataClass } from "./types.js";

/** Prefixes that announce a credential (vendor prefixes, JWT, PEM), minus ones that are short words. */
const CREDENTIAL_PREFIXES: readonly string[] = [
  ...new Set([...VENDOR_RULES.map((r) => r.prefix), "eyJ", "-----"].filter((p) => !/^[a-z]{1,4}$/.test(p))),
];

const CREDENTIAL_CONTEXT =
  /(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|bearer|basic|authorization)["']?\s{0,3}[:=]?\s{0,3}["']?$/i;

/** True when `token` starts like a credential: it begins with a known prefix, or is the start of one. */
function startsLikeCredential(token: string): boolean {
  for (const p of CREDENTIAL_PREFIXES) {
    if (token.startsWith(p)) return true;
    if (token.length >= 3 && p.startsWith(token)) return true;
  }
  return false;
}

/**
 * Where to start holding back the end of `window` while masking `mask` classes (window.length: hold
 * nothing). The trailing token (the text after the last whitespace) is held when it could still grow
 * into a masked hit:
 *
 * - secrets: it is 8+ characters long, starts like a credential (`ghp_`, `sk-`, `AKIA`, `eyJ`, `-----`,
 *   or the first 3+ characters of such a prefix), or follows a credential key (`password=`, `Bearer `);
 * - PII: it contains `@`, or the trailing run of digits and phone separators has 3+ digits or starts
 *   with `+` or `(` (a card or phone number split across chunks);
 * - confidential: it is 8+ characters long or contains a `.` (a hostname in progress).
 *
 * A short word at the end of ordinary prose matches none of these and is sent at once.
 *
 * @example holdStart("my key is ghp_abc", new Set(["secret"])) // 10
 */
export function holdStart(window: string, mask: ReadonlySet<DataClass>): number {
  const n = window.length;
  let t = n;
  while (t > 0 && n - t < 4096 && !/\s/.test(window.charAt(t - 1))) t--;
  const token = window.slice(t);
  let hold = n;
  if (token.length > 0 && mask.has("secret")) {
    const before = window.slice(Math.max(0, t - 40), t);
    if (token.length >= 8 || startsLikeCredential(token) || CREDENTIAL_CONTEXT.test(before)) hold = t;
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
