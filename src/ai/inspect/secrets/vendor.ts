import { isDigitCode, isHexCode, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isPlaceholder } from "./allowlist.js";
import { shannonEntropy } from "./entropy.js";
import { VENDOR_RULES, type VendorRule } from "./vendor-rules.js";

interface Compiled extends VendorRule {
  readonly re: RegExp;
}

/** Emit a vendor token unless it is a placeholder; `random` is what follows the prefix. */
function emitToken(
  scan: Scan,
  type: string,
  start: number,
  end: number,
  confidence: number,
  prefixLength: number,
) {
  const token = scan.text.slice(start, end);
  if (isPlaceholder(token, token.slice(prefixLength))) return;
  scan.emit(
    "secret",
    type,
    start,
    end,
    confidence,
    confidence >= 0.99 ? RANK.verifiedToken : RANK.vendorToken,
  );
}

function matchRules(rules: readonly Compiled[], text: string, start: number, scan: Scan): void {
  for (const r of rules) {
    if (!text.startsWith(r.prefix, start)) continue;
    r.re.lastIndex = start;
    const m = r.re.exec(text);
    if (m === null) continue;
    const end = start + m[0].length;
    if (end < text.length && isIdentCode(text.charCodeAt(end))) continue;
    const confidence = r.check === undefined ? r.confidence : r.check(m[0]);
    if (confidence === undefined) continue;
    emitToken(scan, r.type, start, end, confidence, r.prefix.length);
    if (r.type === "aws-access-key-id") awsSecretNear(text, start, end, scan);
    return; // rules are ordered most specific first: one token, one type
  }
}

const AWS_SECRET = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

/** An AWS secret access key is 40 base64 characters; next to an access key id it is one. */
function awsSecretNear(text: string, start: number, end: number, scan: Scan): void {
  const from = Math.max(0, start - 300);
  const window = text.slice(from, Math.min(text.length, end + 300));
  AWS_SECRET.lastIndex = 0;
  for (let m = AWS_SECRET.exec(window); m !== null; m = AWS_SECRET.exec(window)) {
    const v = m[0];
    if (!/[a-z]/.test(v) || !/[A-Z]/.test(v) || !/[0-9/+]/.test(v) || shannonEntropy(v) < 4) continue;
    if (isPlaceholder(v)) continue;
    scan.emit(
      "secret",
      "aws-secret-access-key",
      from + m.index,
      from + m.index + 40,
      0.9,
      RANK.contextSecret,
    );
  }
}

const DIGITS = "0123456789";

function sticky(source: string): RegExp {
  return new RegExp(source, "y");
}

const SLACK_HOOK = sticky(
  "hooks\\.slack\\.com/(?:services|workflows|triggers)/T[A-Z0-9]{8,12}/[A-Z0-9]{8,12}/[A-Za-z0-9]{20,32}",
);
const DISCORD_HOOK = sticky("discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,68}");
const BRAINTREE = sticky("access_token\\$(?:production|sandbox)\\$[0-9a-z]{16}\\$[0-9a-f]{32}");
const TERRAFORM = /[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}/y;
const AZURE_ACCOUNT_KEY = /AccountKey=([A-Za-z0-9+/]{86}==)/iy;
const AZURE_SIG = /sig=((?:[A-Za-z0-9+/]|%2[BF]|%2b|%2f){30,100}(?:=|%3D|%3d){0,2})/y;
const DISCORD_BOT = /[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}/y;
const TELEGRAM = /[0-9]{8,10}:AA[A-Za-z0-9_-]{33}/y;

function anchored(re: RegExp, type: string, confidence: number, backUp = 0) {
  return (text: string, start: number, _end: number, scan: Scan): void => {
    const at = start - backUp;
    if (at < 0) return;
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) return;
    const end = at + m[0].length;
    if (end < text.length && isIdentCode(text.charCodeAt(end))) return;
    emitToken(scan, type, at, end, confidence, 0);
  };
}

/** Azure AD client secrets: three characters, a digit, `Q~`, then 31-34 characters. */
function azureClientSecret(text: string, pos: number, scan: Scan): void {
  if (pos < 4 || text.charCodeAt(pos - 1) !== 81 || !isDigitCode(text.charCodeAt(pos - 2))) return;
  const start = pos - 5;
  if (start < 0 || (start > 0 && isIdentCode(text.charCodeAt(start - 1)))) return;
  let end = pos + 1;
  while (end < text.length && end - pos <= 35 && /[A-Za-z0-9_~.-]/.test(text[end]!)) end++;
  const n = end - pos - 1;
  if (n < 31 || n > 34) return;
  if (!/^[A-Za-z0-9_~.]{3}$/.test(text.slice(start, start + 3))) return;
  emitToken(scan, "azure-client-secret", start, end, 0.9, 5);
}

/**
 * Mailchimp: 32 hex characters, `-us`, a data-centre number. Called at words starting with `us` and a
 * digit (the `-` before them is not part of the word), so a `-` costs nothing.
 */
function mailchimp(text: string, us: number, scan: Scan): void {
  const pos = us - 1;
  if (pos < 32 || text.charCodeAt(pos) !== 45) return;
  const start = pos - 32;
  for (let i = start; i < pos; i++) if (!isHexCode(text.charCodeAt(i))) return;
  if (start > 0 && isIdentCode(text.charCodeAt(start - 1))) return;
  let end = pos + 4;
  if (isDigitCode(text.charCodeAt(end))) end++;
  if (end < text.length && isIdentCode(text.charCodeAt(end))) return;
  if (/[A-F]/.test(text.slice(start, pos)) && /[a-f]/.test(text.slice(start, pos))) return;
  emitToken(scan, "mailchimp-api-key", start, end, 0.9, 0);
}

function azureStorage(text: string, start: number, _end: number, scan: Scan): void {
  AZURE_ACCOUNT_KEY.lastIndex = start;
  const m = AZURE_ACCOUNT_KEY.exec(text);
  if (m === null) return;
  const valueStart = start + m[0].length - m[1]!.length;
  emitToken(scan, "azure-storage-key", valueStart, start + m[0].length, 0.97, 0);
}

function azureSas(text: string, start: number, _end: number, scan: Scan): void {
  const before = text.slice(Math.max(0, start - 400), start);
  if (!/[?&]sv=20\d\d-\d\d-\d\d/.test(before) && !/[?&;]s[vpert]=/.test(before)) return;
  AZURE_SIG.lastIndex = start;
  const m = AZURE_SIG.exec(text);
  if (m === null) return;
  emitToken(scan, "azure-sas-token", start + 4, start + m[0].length, 0.9, 0);
}

/**
 * Register every vendor-prefixed secret check with the plan.
 *
 * @example registerVendorSecrets(plan); // "ghp_..." -> github-token
 */
export function registerVendorSecrets(plan: Plan): void {
  const byKey = new Map<string, Compiled[]>();
  for (const r of VENDOR_RULES) {
    const key = r.prefix.slice(0, 2);
    const list = byKey.get(key) ?? [];
    list.push({ ...r, re: sticky(r.source) });
    byKey.set(key, list);
  }
  for (const [key, rules] of byKey) {
    // Longer prefixes first, so `sk-ant-` is tried before `sk-`.
    rules.sort((a, b) => b.prefix.length - a.prefix.length);
    // Every vendor prefix has a third character (Twilio's `SK` is followed by hex).
    const third = rules.map((r) => (r.prefix.length > 2 ? r.prefix[2]! : "0123456789abcdefABCDEF")).join("");
    plan.prefix(
      key,
      (text, start, scan) => {
        matchRules(rules, text, start, scan);
      },
      third,
    );
  }
  for (const key of ["MT", "Mj", "Mz", "ND", "NT", "Nj", "Nz", "OD", "OT"]) {
    plan.prefix(key, (text, start, scan) => {
      DISCORD_BOT.lastIndex = start;
      const m = DISCORD_BOT.exec(text);
      if (m === null) return;
      const end = start + m[0].length;
      if (end < text.length && isIdentCode(text.charCodeAt(end))) return;
      if (shannonEntropy(m[0]) < 4) return;
      emitToken(scan, "discord-bot-token", start, end, 0.85, 0);
    });
  }
  // Telegram bot tokens start with 8 to 10 digits: only words starting with two digits and a third.
  const telegram = (text: string, start: number, scan: Scan): void => {
    const c = text.charCodeAt(start + 8);
    if (c !== 58 && !isDigitCode(c)) return;
    TELEGRAM.lastIndex = start;
    const m = TELEGRAM.exec(text);
    if (m === null) return;
    const end = start + m[0].length;
    if (end < text.length && isIdentCode(text.charCodeAt(end))) return;
    emitToken(scan, "telegram-bot-token", start, end, 0.95, 0);
  };
  for (const d of "123456789") for (const e of DIGITS) plan.prefix(d + e, telegram, DIGITS);
  plan.word("hooks", anchored(SLACK_HOOK, "slack-webhook-url", 0.97));
  plan.word("discord", anchored(DISCORD_HOOK, "discord-webhook-url", 0.97));
  plan.word("discordapp", anchored(DISCORD_HOOK, "discord-webhook-url", 0.97));
  plan.word("access", anchored(BRAINTREE, "braintree-access-token", 0.97));
  plan.word("atlasv1", anchored(TERRAFORM, "terraform-cloud-token", 0.95, 15));
  plan.word("accountkey", azureStorage);
  plan.word("sig", azureSas);
  plan.char(126, azureClientSecret);
  plan.prefix("us", mailchimp, "0123456789");
}
