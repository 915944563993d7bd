/**
 * CVSS v3.x base score from a vector string, computed exactly as the CVSS v3.1 specification (section 7)
 * defines it, including its floating-point-safe Roundup. Reports such as OSV carry only the vector, and
 * a score we compute the way FIRST defines it agrees with NVD's.
 */

type Weights = Readonly<Record<string, number>>;

const AV: Weights = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Weights = { L: 0.77, H: 0.44 };
const PR_UNCHANGED: Weights = { N: 0.85, L: 0.62, H: 0.27 };
const PR_CHANGED: Weights = { N: 0.85, L: 0.68, H: 0.5 };
const UI: Weights = { N: 0.85, R: 0.62 };
const CIA: Weights = { H: 0.56, L: 0.22, N: 0 };
const SCOPE: Weights = { U: 0, C: 1 };

const BASE_METRICS = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"] as const;
/** Temporal and environmental metrics may follow the base ones; they do not change the base score. */
const OTHER_METRICS: ReadonlySet<string> = new Set([
  "E",
  "RL",
  "RC",
  "CR",
  "IR",
  "AR",
  "MAV",
  "MAC",
  "MPR",
  "MUI",
  "MS",
  "MC",
  "MI",
  "MA",
]);

const MAX_VECTOR = 256;

/**
 * The CVSS v3.0/v3.1 base score of a vector such as `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`,
 * or null when the text is not a complete, valid v3 vector (a v2 or v4 vector, a missing or repeated
 * metric, an unknown value).
 *
 * @example cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") // 9.8
 */
export function cvss3BaseScore(vector: string): number | null {
  const metrics = parseVector(vector);
  if (!metrics) return null;
  const scope = SCOPE[metrics.S];
  const av = AV[metrics.AV];
  const ac = AC[metrics.AC];
  const pr = (scope === 1 ? PR_CHANGED : PR_UNCHANGED)[metrics.PR];
  const ui = UI[metrics.UI];
  const c = CIA[metrics.C];
  const i = CIA[metrics.I];
  const a = CIA[metrics.A];
  if (
    scope === undefined ||
    av === undefined ||
    ac === undefined ||
    pr === undefined ||
    ui === undefined ||
    c === undefined ||
    i === undefined ||
    a === undefined
  ) {
    return null;
  }
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === 1 ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  const raw = scope === 1 ? 1.08 * (impact + exploitability) : impact + exploitability;
  return roundUp(Math.min(raw, 10));
}

/**
 * The major CVSS version a vector declares: 3 for `CVSS:3.0/` and `CVSS:3.1/`, 4 for `CVSS:4.0/`, 2 for
 * a bare v2 vector (`AV:N/AC:L/Au:N/...`), null otherwise.
 *
 * @example cvssVersion("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") // 4
 */
export function cvssVersion(vector: string): 2 | 3 | 4 | null {
  const v = vector.trim();
  if (v.startsWith("CVSS:3.0/") || v.startsWith("CVSS:3.1/")) return 3;
  if (v.startsWith("CVSS:4.0/")) return 4;
  if (v.startsWith("AV:") && v.includes("/Au:")) return 2;
  return null;
}

function parseVector(vector: string): Record<(typeof BASE_METRICS)[number], string> | null {
  const v = vector.trim();
  if (v.length > MAX_VECTOR || cvssVersion(v) !== 3) return null;
  const seen = new Map<string, string>();
  for (const part of v.slice("CVSS:3.x/".length).split("/")) {
    const colon = part.indexOf(":");
    if (colon <= 0) return null;
    const key = part.slice(0, colon);
    if (seen.has(key)) return null;
    if (!(BASE_METRICS as readonly string[]).includes(key) && !OTHER_METRICS.has(key)) return null;
    seen.set(key, part.slice(colon + 1));
  }
  const out: Partial<Record<(typeof BASE_METRICS)[number], string>> = {};
  for (const key of BASE_METRICS) {
    const value = seen.get(key);
    if (value === undefined) return null;
    out[key] = value;
  }
  return out as Record<(typeof BASE_METRICS)[number], string>;
}

/**
 * The specification's Roundup: the smallest number with one decimal that is >= the input, computed on
 * integers so that 4.000000000000001 rounds to 4.0 and not 4.1 (CVSS v3.1 Appendix A).
 */
function roundUp(value: number): number {
  const scaled = Math.round(value * 100000);
  if (scaled % 10000 === 0) return scaled / 100000;
  return (Math.floor(scaled / 10000) + 1) / 10;
}
