import { isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isPlaceholder } from "./allowlist.js";
import { shannonEntropy } from "./entropy.js";

/** Twilio Account SID: `AC` and 32 lower-case hex characters (an identifier, not a secret). */
const ACCOUNT_SID = /AC[0-9a-f]{32}/y;
/** Twilio auth token: 32 lower-case hex characters standing alone (not part of another SID). */
const HEX_32 = /(?<![0-9A-Za-z_])[0-9a-f]{32}(?![0-9A-Za-z_])/g;
/** How far after the SID its token is looked for: `Client("AC...", "...")`, `-u AC...:...`, two .env lines. */
const WINDOW = 160;

/**
 * A Twilio auth token is 32 hex characters with no prefix; next to an Account SID it is one. Called at
 * `AC` + hex at a word start; reports the first lone 32-hex run within WINDOW characters after the SID.
 */
function twilioAuthToken(text: string, start: number, scan: Scan): void {
  ACCOUNT_SID.lastIndex = start;
  if (ACCOUNT_SID.exec(text) === null) return;
  const end = start + 34;
  if (end < text.length && isIdentCode(text.charCodeAt(end))) return;
  const window = text.slice(end, Math.min(text.length, end + WINDOW));
  HEX_32.lastIndex = 0;
  for (let m = HEX_32.exec(window); m !== null; m = HEX_32.exec(window)) {
    const token = m[0];
    if (shannonEntropy(token) < 3 || isPlaceholder(token)) continue;
    scan.emit("secret", "twilio-auth-token", end + m.index, end + m.index + 32, 0.85, RANK.contextSecret);
    return;
  }
}

/**
 * Register credentials told by the account identifier next to them (Twilio's Account SID and auth
 * token, as `Client(sid, token)` and `curl -u sid:token` take them).
 *
 * @example registerAccountPairs(plan); // Client("AC<32 hex>", "<32 hex>") -> twilio-auth-token
 */
export function registerAccountPairs(plan: Plan): void {
  plan.prefix("AC", twilioAuthToken, "0123456789abcdef");
}
