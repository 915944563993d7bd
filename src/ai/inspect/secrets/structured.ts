import { isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { JWT_IO_PAYLOAD, isPlaceholder } from "./allowlist.js";

/** Longest private key block we read (a 4096-bit PGP key with subkeys fits). */
export const MAX_KEY_BLOCK = 32 * 1024;

const KEY_HEADER =
  /-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----/y;

/** Count base64 characters in `text[from, to)`. */
function base64Count(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47) n++;
  }
  return n;
}

const B64_LINE = /^[A-Za-z0-9+/=]{1,200}$/;
const ARMOUR_HEADER = /^[A-Za-z-]{2,20}: /;

/**
 * The body of a key block without its footer (a truncated paste): line by line (real newlines or `\n`
 * escapes inside JSON), base64 lines and armour headers (`Proc-Type: 4,ENCRYPTED`), up to the first
 * other line. Returns where the last base64 line ends.
 */
function openBody(text: string, from: number, limit: number): { end: number; b64: number } {
  let i = from;
  let end = from;
  let b64 = 0;
  while (i < limit) {
    let j = i;
    while (j < limit) {
      const c = text.charCodeAt(j);
      if (c === 10 || (c === 92 && text.charCodeAt(j + 1) === 110)) break;
      j++;
    }
    const raw = text.slice(i, j);
    const line = raw.trim();
    if (B64_LINE.test(line)) {
      b64 += line.length;
      end = i + raw.trimEnd().length;
    } else if (line !== "" && !ARMOUR_HEADER.test(line)) break;
    i = j + (text.charCodeAt(j) === 10 ? 1 : 2);
  }
  return { end, b64 };
}

/** The next `-----END ` at or after `from`, found once and remembered, so many BEGINs stay linear. */
function nextEnd(text: string, from: number, scan: Scan): number {
  if (scan.keyEndAt === -2 || (scan.keyEndAt !== -1 && scan.keyEndAt < from)) {
    scan.keyEndAt = text.indexOf("-----END ", from);
  }
  return scan.keyEndAt;
}

function gcpContext(text: string, start: number, end: number): boolean {
  const around = text.slice(Math.max(0, start - 2000), Math.min(text.length, end + 2000));
  return /"type"\s*:\s*"service_account"/.test(around) || around.includes("iam.gserviceaccount.com");
}

/** `-----BEGIN ... PRIVATE KEY-----` blocks, terminated or cut off (a truncated paste is still a key). */
function privateKey(text: string, start: number, _end: number, scan: Scan): void {
  const at = start - 5;
  if (at < 0 || at < scan.keyCoveredUntil || !text.startsWith("-----", at)) return;
  KEY_HEADER.lastIndex = at;
  const m = KEY_HEADER.exec(text);
  if (m === null) return;
  const label = m[1]!;
  const bodyStart = at + m[0].length;
  const limit = Math.min(text.length, at + MAX_KEY_BLOCK);
  const endAt = nextEnd(text, bodyStart, scan);
  const footer = `-----END ${label}-----`;
  let end: number;
  let confidence = 0.99;
  let b64: number;
  if (endAt !== -1 && endAt < limit && text.startsWith(footer, endAt)) {
    b64 = base64Count(text, bodyStart, endAt);
    end = endAt + footer.length;
    scan.keyCoveredUntil = end; // BEGINs inside this block were read with it
  } else {
    const body = openBody(text, bodyStart, limit);
    b64 = body.b64;
    end = body.end;
    confidence = 0.9;
  }
  if (b64 < 64) return; // "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----" in docs
  const type = gcpContext(text, at, end) ? "gcp-service-account-key" : "private-key";
  scan.emit("secret", type, at, end, confidence, RANK.structuredSecret);
}

/** PuTTY private key files. */
function puttyKey(text: string, start: number, _end: number, scan: Scan): void {
  if (!/^PuTTY-User-Key-File-[23]: /.test(text.slice(start, start + 30))) return;
  const window = text.slice(start, Math.min(text.length, start + MAX_KEY_BLOCK));
  const m = /Private-Lines: (\d{1,3})\r?\n/.exec(window);
  if (m === null) return;
  let end = m.index + m[0].length;
  for (let lines = Number(m[1]); lines > 0 && end < window.length; lines--) {
    const nl = window.indexOf("\n", end);
    end = nl === -1 ? window.length : nl + 1;
  }
  const mac = /^Private-MAC: [0-9a-f]{40,64}/.exec(window.slice(end));
  if (mac !== null) end += mac[0].length;
  scan.emit("secret", "private-key", start, start + end, 0.97, RANK.structuredSecret);
}

const JWT = /eyJ[A-Za-z0-9_-]{8,2000}\.[A-Za-z0-9_-]{2,8000}\.[A-Za-z0-9_-]{0,2000}/y;

function base64UrlJson(part: string): unknown {
  try {
    const json = Buffer.from(part, "base64url").toString("utf8");
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** JSON Web Tokens: three base64url parts whose header decodes to JSON with an `alg`. */
function jwt(text: string, start: number, scan: Scan): void {
  if (text.charCodeAt(start + 2) !== 74) return; // "eyJ"
  JWT.lastIndex = start;
  const m = JWT.exec(text);
  if (m === null) return;
  const end = start + m[0].length;
  if (end < text.length && (isIdentCode(text.charCodeAt(end)) || text.charCodeAt(end) === 46)) return;
  const [header, payload] = m[0].split(".");
  const h = base64UrlJson(header!);
  if (h === null || typeof h !== "object" || typeof (h as { alg?: unknown }).alg !== "string") return;
  if (payload === JWT_IO_PAYLOAD || isPlaceholder(m[0])) return;
  const p = base64UrlJson(payload!);
  const confidence = p !== null && typeof p === "object" ? 0.95 : 0.8;
  scan.emit("secret", "jwt", start, end, confidence, RANK.structuredSecret);
}

/**
 * Register private keys and JWTs.
 *
 * @example registerStructuredSecrets(plan); // PEM blocks -> private-key, eyJ... -> jwt
 */
export function registerStructuredSecrets(plan: Plan): void {
  plan.word("begin", privateKey);
  plan.word("putty", puttyKey);
  plan.prefix("ey", jwt);
}
