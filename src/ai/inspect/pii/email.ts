import { isAlphaCode, isDigitCode, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";

/** Reserved documentation domains (RFC 2606 / 6761): addresses there are examples, not people. */
const RESERVED = /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$/;

/** File extensions that follow `@2x`-style names (`icon@2x.png`), not top-level domains people use. */
const FILE_TLDS = new Set([
  "png",
  "jpg",
  "jpeg",
  "gif",
  "svg",
  "webp",
  "avif",
  "js",
  "mjs",
  "cjs",
  "ts",
  "tsx",
  "jsx",
  "css",
  "scss",
  "json",
  "yaml",
  "yml",
  "txt",
  "lock",
  "map",
  "html",
  "xml",
  "toml",
]);

function isLocalCode(c: number): boolean {
  return isIdentCode(c) || c === 46 || c === 37 || c === 43 || c === 45;
}

function isDomainCode(c: number): boolean {
  return isAlphaCode(c) || isDigitCode(c) || c === 45 || c === 46;
}

/**
 * E-mail addresses, from each `@`: a local part read backwards (at most 64 characters) and a domain read
 * forwards (at most 253) with an alphabetic top-level domain. Not reported: reserved example domains,
 * `git@host:org/repo` remotes, `name@2x.png` asset names, `pkg@1.2.3` version specs.
 */
function email(text: string, pos: number, scan: Scan): void {
  let s = pos;
  while (s > 0 && pos - s < 64 && isLocalCode(text.charCodeAt(s - 1))) s--;
  while (s < pos && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 45)) s++;
  if (s === pos || text.charCodeAt(pos - 1) === 46) return;
  const n = text.length;
  let e = pos + 1;
  while (e < n && e - pos <= 253 && isDomainCode(text.charCodeAt(e))) e++;
  while (e > pos + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
  const domain = text.slice(pos + 1, e).toLowerCase();
  const labels = domain.split(".");
  if (labels.length < 2 || labels.some((l) => l.length === 0 || l.length > 63)) return;
  const tld = labels[labels.length - 1]!;
  if (!/^[a-z]{2,24}$/.test(tld) || FILE_TLDS.has(tld)) return;
  if (/^\d+x$/.test(labels[0]!) || RESERVED.test(domain)) return;
  if (text.charCodeAt(e) === 58 && /[A-Za-z~/]/.test(text.charAt(e + 1))) return; // git@github.com:org/repo
  if (e < n && (isIdentCode(text.charCodeAt(e)) || text.charCodeAt(e) === 64)) return;
  scan.emit("pii", "email", s, e, 0.95, RANK.email);
}

/**
 * Register e-mail detection at every `@`.
 *
 * @example registerEmail(plan); // "mail jane@acme.io" -> email
 */
export function registerEmail(plan: Plan): void {
  plan.char(64, email);
}
