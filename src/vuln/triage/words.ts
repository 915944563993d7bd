import type { Criticality, Exposure } from "../assets/types.js";
import type { Epss } from "../finding.js";
import type { CisaOutcome, DeployerOutcome } from "./types.js";

/**
 * Small formatters shared by decision details, reasons and explanations, so every sentence spells a value
 * the same way.
 *
 * @example `EPSS ${epssText(e)}` // "EPSS 0.94 (97th percentile)"
 */
export function epssText(epss: Epss): string {
  return `${probability(epss.score)} (${ordinal(Math.floor(epss.percentile * 100))} percentile)`;
}

/**
 * A probability with two significant digits and no float noise.
 *
 * @example probability(0.000123456) // "0.00012"
 */
export function probability(p: number): string {
  if (!(p > 0)) return "0";
  if (p >= 1) return "1";
  // Two significant digits by integer arithmetic and string padding: converting a fraction with String()
  // or toPrecision() is several times slower, and this runs for most decisions.
  let decimals = 2;
  while (p * 10 ** decimals < 10 && decimals < 12) decimals++;
  let n = Math.round(p * 10 ** decimals);
  if (n >= 10 ** decimals) return "1";
  while (decimals > 0 && n % 10 === 0) {
    n /= 10;
    decimals--;
  }
  if (decimals === 0) return String(n);
  const digits = String(n);
  return `0.${"0".repeat(Math.max(0, decimals - digits.length))}${digits}`;
}

/**
 * English ordinal of a non-negative integer.
 *
 * @example ordinal(97) // "97th"; ordinal(1) // "1st"; ordinal(12) // "12th"
 */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}

const OUTCOME_LABEL: Readonly<Record<CisaOutcome, string>> = {
  track: "Track",
  "track*": "Track*",
  attend: "Attend",
  act: "Act",
};

const DEPLOYER_LABEL: Readonly<Record<DeployerOutcome, string>> = {
  defer: "Defer",
  scheduled: "Scheduled",
  "out-of-cycle": "Out-of-Cycle",
  immediate: "Immediate",
};

/**
 * CISA's spelling of an outcome.
 *
 * @example outcomeLabel("track*") // "Track*"
 */
export function outcomeLabel(outcome: CisaOutcome): string {
  return OUTCOME_LABEL[outcome];
}

/**
 * SSVC's spelling of a deployer priority.
 *
 * @example deployerLabel("out-of-cycle") // "Out-of-Cycle"
 */
export function deployerLabel(outcome: DeployerOutcome): string {
  return DEPLOYER_LABEL[outcome];
}

const EXPOSURE_WORD: Readonly<Record<Exposure, string>> = {
  internet: "internet-facing",
  internal: "internal",
  isolated: "isolated",
};

/**
 * Exposure as an adjective.
 *
 * @example exposureWord("internet") // "internet-facing"
 */
export function exposureWord(exposure: Exposure): string {
  return EXPOSURE_WORD[exposure];
}

/**
 * Criticality as an adjective phrase.
 *
 * @example criticalityWord("high") // "high-criticality"
 */
export function criticalityWord(criticality: Criticality): string {
  return criticality === "mission-critical" ? "mission-critical" : `${criticality}-criticality`;
}

/**
 * Upper-case the first letter of a sentence.
 *
 * @example sentence("listed in KEV") // "Listed in KEV"
 */
export function sentence(text: string): string {
  const c = text.charCodeAt(0);
  // ASCII fast path: one-character strings are interned, so this allocates only the concatenation.
  if (c >= 97 && c <= 122) return String.fromCharCode(c - 32) + text.slice(1);
  return text.length > 0 && c > 127 ? text[0]!.toUpperCase() + text.slice(1) : text;
}
