import type { Cvss, Finding } from "../finding.js";
import type { IntelRecord } from "../intel/types.js";

/**
 * What triage reads from a CVSS v3.x or v4.0 base vector: whether exploitation can be automated and
 * whether the impact is total, with the metrics that say so (for explanations).
 *
 * - Automatable "yes" when AV:N, AC:L, PR:N and UI:N (and, in v4.0, AT:N): a network attack with no
 *   special conditions, no privileges and no user action is one an attacker can script across the
 *   internet, which is CISA's reading of Automatable (kill-chain steps 1-4 reliably automated).
 * - Technical Impact "total" when both confidentiality and integrity of the vulnerable system are High
 *   (C:H and I:H in v3, VC:H and VI:H in v4): total disclosure plus control of the software's behaviour.
 *   CERT/CC's draft "CVSSv4 to Technical Impact" table (CERTCC/SSVC ssvc:CVSS4_TO_TI 1.0.0) also maps every
 *   VC:H/VI:H row to Total.
 *
 * @example
 * vectorFacts("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
 * // { version: "3.1", automatable: true, totalImpact: true,
 * //   exploitMetrics: "AV:N/AC:L/PR:N/UI:N", impactMetrics: "C:H/I:H" }
 */
export interface VectorFacts {
  /** "3.0", "3.1" or "4.0". */
  readonly version: string;
  readonly automatable: boolean;
  readonly totalImpact: boolean;
  /** The exploitability metrics the Automatable rule reads, as in the vector: "AV:N/AC:L/PR:N/UI:N". */
  readonly exploitMetrics: string;
  /** The impact metrics the Technical Impact rule reads: "C:H/I:L" or "VC:H/VI:H". */
  readonly impactMetrics: string;
}

const MAX_VECTOR = 256;
const CACHE_LIMIT = 10_000;
// Millions of findings share a few thousand vectors; parsing each once keeps decide() allocation-light.
const cache = new Map<string, VectorFacts | null>();

/**
 * Facts of a `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/` vector; null for other versions, malformed vectors,
 * or vectors missing a metric the rules need.
 *
 * @example vectorFacts("AV:N/AC:L/Au:N/C:P/I:P/A:P") // null (CVSS v2 is not used)
 */
export function vectorFacts(vector: string): VectorFacts | null {
  const hit = cache.get(vector);
  if (hit !== undefined) return hit;
  const facts = parse(vector);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(vector, facts);
  return facts;
}

function parse(vector: string): VectorFacts | null {
  if (vector.length > MAX_VECTOR || !vector.startsWith("CVSS:")) return null;
  const parts = vector.split("/");
  const version = parts[0]!.slice(5);
  const v4 = version === "4.0";
  if (!v4 && version !== "3.0" && version !== "3.1") return null;
  const m = new Map<string, string>();
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    const colon = p.indexOf(":");
    if (colon <= 0) return null;
    const k = p.slice(0, colon);
    // First value wins: base metrics come first; a repeated key is malformed but must not mislead.
    if (!m.has(k)) m.set(k, p.slice(colon + 1));
  }
  const exploitKeys = v4 ? ["AV", "AC", "AT", "PR", "UI"] : ["AV", "AC", "PR", "UI"];
  const impactKeys = v4 ? ["VC", "VI"] : ["C", "I"];
  for (const k of [...exploitKeys, ...impactKeys]) if (!m.has(k)) return null;
  const automatable =
    m.get("AV") === "N" &&
    m.get("AC") === "L" &&
    (!v4 || m.get("AT") === "N") &&
    m.get("PR") === "N" &&
    m.get("UI") === "N";
  const totalImpact = m.get(impactKeys[0]!) === "H" && m.get(impactKeys[1]!) === "H";
  return {
    version,
    automatable,
    totalImpact,
    exploitMetrics: exploitKeys.map((k) => `${k}:${m.get(k)!}`).join("/"),
    impactMetrics: impactKeys.map((k) => `${k}:${m.get(k)!}`).join("/"),
  };
}

/** The CVSS that triage uses for one finding, and where it came from. */
export interface ChosenCvss {
  readonly cvss: Cvss;
  /** "nvd", "vulnrichment", a CNA name (from intel), or "scanner". */
  readonly from: string;
  /** Facts of the vector, or null when it is not a usable v3.x/v4.0 vector. */
  readonly facts: VectorFacts | null;
}

/**
 * Pick the CVSS that triage reads: loaded intel (NVD, Vulnrichment) before the scanner's copy, and v4.0
 * before v3.x within each; the first whose vector parses wins, else the first with a score (for severity
 * only). Null when nothing is known.
 *
 * @example chooseCvss(finding, intel)?.cvss.score // 9.8
 */
export function chooseCvss(finding: Finding, intel: IntelRecord | undefined): ChosenCvss | null {
  // Written out rather than looped over a candidate array: this runs once per finding on the hot path.
  const c = intel?.cvss;
  const from = c?.source || "intel";
  const v4 = c?.cvss4 ? vectorFacts(c.cvss4.vector) : null;
  if (v4) return { cvss: c!.cvss4!, from, facts: v4 };
  const v3 = c?.cvss3 ? vectorFacts(c.cvss3.vector) : null;
  if (v3) return { cvss: c!.cvss3!, from, facts: v3 };
  const s4 = finding.cvss4 ? vectorFacts(finding.cvss4.vector) : null;
  if (s4) return { cvss: finding.cvss4!, from: "scanner", facts: s4 };
  const s3 = finding.cvss3 ? vectorFacts(finding.cvss3.vector) : null;
  if (s3) return { cvss: finding.cvss3!, from: "scanner", facts: s3 };
  const any = c?.cvss4 ?? c?.cvss3 ?? null;
  if (any) return { cvss: any, from, facts: null };
  const own = finding.cvss4 ?? finding.cvss3;
  return own ? { cvss: own, from: "scanner", facts: null } : null;
}
