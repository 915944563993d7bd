import type { Plan } from "../plan.js";
import type { Scan } from "../scan.js";

export const RANK_UNSAFE = 50;
const TYPE = "tls-verification-disabled";
const Q = `["']?`;
const EQ = `${Q}\\s{0,3}(?:=|:|=>|,)\\s{0,3}`;

/** Anchor word -> sticky regexes tried at the anchor (case-sensitive unless flagged). */
const CHECKS: readonly (readonly [string, RegExp, number])[] = [
  [
    "verify",
    new RegExp(`verify(?:_ssl|_certs?|_peer|ssl|_tls)?${EQ}["']?(?:False|false|0|no)\\b`, "iy"),
    0.9,
  ],
  ["rejectunauthorized", new RegExp(`rejectUnauthorized${EQ}false\\b`, "y"), 0.95],
  ["node", new RegExp(`NODE_TLS_REJECT_UNAUTHORIZED${EQ}["']?0\\b`, "y"), 0.95],
  ["insecureskipverify", new RegExp(`InsecureSkipVerify${EQ}true\\b`, "y"), 0.95],
  ["curlopt", new RegExp(`CURLOPT_SSL_VERIFY(?:PEER|HOST)${EQ}(?:0|false|FALSE|False)\\b`, "y"), 0.95],
  ["ssl", new RegExp(`SSL_VERIFY(?:PEER|HOST)${EQ}(?:0|false|FALSE|False)\\b`, "y"), 0.9],
  ["check", new RegExp(`check_hostname${EQ}False\\b`, "y"), 0.9],
  ["cert", /CERT_NONE\b/y, 0.9],
  ["strictssl", new RegExp(`strictSSL${EQ}false\\b`, "iy"), 0.9],
  ["strict", /strict-ssl[\s=]{1,3}false\b/iy, 0.9],
  ["validate", new RegExp(`validate_certs${EQ}(?:no|false|False)\\b`, "y"), 0.85],
  ["sslverify", /sslVerify\s{0,3}[= ]\s{0,3}false\b/iy, 0.9],
  ["git", /GIT_SSL_NO_VERIFY\s{0,3}=\s{0,3}["']?(?:1|true)\b/y, 0.9],
  ["pythonhttpsverify", /PYTHONHTTPSVERIFY\s{0,3}=\s{0,3}["']?0\b/y, 0.9],
  ["unverified", /unverified_context\b/y, 0.9],
  ["danger", /danger_accept_invalid_(?:certs|hostnames)\(\s{0,3}true\s{0,3}\)/y, 0.95],
  ["noophostnameverifier", /NoopHostnameVerifier\b/y, 0.85],
  ["allow", /ALLOW_ALL_HOSTNAME_VERIFIER\b/y, 0.85],
  [
    "servercertificatevalidationcallback",
    /ServerCertificateValidationCallback\s{0,3}\+?=\s{0,3}(?:\([^)]{0,80}\)|\w{1,20})\s{0,3}=>\s{0,3}true\b/y,
    0.95,
  ],
  ["trustallcerts", /trustAllCerts\b/iy, 0.7],
];

/** Characters that must follow an anchor word for its check to be worth running. */
const FOLLOWS: Readonly<Record<string, string>> = {
  check: "_",
  node: "_",
  git: "_",
  ssl: "_",
  cert: "_",
  allow: "_",
  strict: "-",
  validate: "_",
  danger: "_",
  unverified: "_",
  verify: "=:_\"' sSpPtTcC",
};

/** `curl ... -k` / `--insecure`, `wget --no-check-certificate`: read the rest of the command line. */
function insecureCli(text: string, start: number, end: number, scan: Scan): void {
  const before = start > 0 ? text.charAt(start - 1) : "\n";
  if (!/[\s`"'$(]/.test(before)) return;
  const nl = text.indexOf("\n", end);
  const lineEnd = Math.min(nl === -1 ? text.length : nl, end + 400);
  const args = text.slice(end, lineEnd).split(/\s+/);
  const word = text.slice(start, end).toLowerCase();
  const insecure =
    word === "curl"
      ? args.some((a) => a === "--insecure" || /^-[a-zA-Z]*k[a-zA-Z]*$/.test(a))
      : args.includes("--no-check-certificate");
  if (insecure) scan.emit("unsafe-code", TYPE, start, lineEnd, 0.85, RANK_UNSAFE);
}

/**
 * Generated code that turns TLS certificate checks off: `verify=False`, `rejectUnauthorized: false`,
 * `NODE_TLS_REJECT_UNAUTHORIZED=0`, `InsecureSkipVerify: true`, `CURLOPT_SSL_VERIFYPEER, 0`,
 * `ssl._create_unverified_context`, `check_hostname = False`, `CERT_NONE`, `curl -k`, and their kin.
 *
 * @example registerTlsChecks(plan); // verify=False -> tls-verification-disabled
 */
export function registerTlsChecks(plan: Plan): void {
  for (const [anchor, re, confidence] of CHECKS) {
    const follows = FOLLOWS[anchor];
    plan.word(anchor, (text, start, end, scan) => {
      if (follows !== undefined && !follows.includes(text.charAt(end))) return; // cheap: most mentions are prose
      re.lastIndex = start;
      const m = re.exec(text);
      if (m !== null) scan.emit("unsafe-code", TYPE, start, start + m[0].length, confidence, RANK_UNSAFE);
    });
  }
  plan.word("curl", insecureCli);
  plan.word("wget", insecureCli);
}
