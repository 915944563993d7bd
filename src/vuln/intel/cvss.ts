import type { Cvss } from "../finding.js";
import { arr, num, obj, str } from "../formats/fields.js";

/** Longer than any real CVSS vector (a full v4.0 vector with every supplemental metric is under 300). */
const MAX_VECTOR = 512;

/**
 * A CVSS vector and base score of the given major version from a metric object as NVD (`cvssData`) and
 * CVE JSON 5 (`cvssV3_1`, `cvssV4_0`) write it, or null when either is missing or out of range, or the
 * vector is of another version (a mislabelled metric must not put a v4 vector in the v3 slot). Total:
 * never throws.
 *
 * @example cvssOf({ vectorString: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", baseScore: 9.8 }, 3)
 * // { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 }
 */
export function cvssOf(data: unknown, major: 3 | 4): Cvss | null {
  const o = obj(data);
  const vector = str(o.vectorString).trim();
  const score = num(o.baseScore);
  if (!vector.startsWith(`CVSS:${major}.`) || vector.length > MAX_VECTOR) return null;
  if (score === null || score < 0 || score > 10) return null;
  return { vector, score };
}

/**
 * The metric to use from one NVD `cvssMetricV3x`/`cvssMetricV40` list: NVD's own (`type: "Primary"`)
 * when it has one, else the first valid Secondary (a CNA's). NVD often lists the Secondary first, so
 * list order alone cannot decide.
 *
 * @example pickNvdMetric([{ type: "Secondary", cvssData: cna }, { type: "Primary", cvssData: nvd }], 3) // nvd's
 */
export function pickNvdMetric(list: unknown, major: 3 | 4): Cvss | null {
  let fallback: Cvss | null = null;
  for (const m of arr(list)) {
    const metric = obj(m);
    const cvss = cvssOf(metric.cvssData, major);
    if (!cvss) continue;
    if (str(metric.type) === "Primary") return cvss;
    fallback ??= cvss;
  }
  return fallback;
}

/**
 * CVSS v3 and v4 from a CVE JSON 5 container's `metrics[]` (v3.1 preferred over v3.0).
 *
 * @example containerCvss([{ cvssV3_1: { vectorString: "CVSS:3.1/...", baseScore: 8.8 } }]).cvss3?.score // 8.8
 */
export function containerCvss(metrics: unknown): { cvss3: Cvss | null; cvss4: Cvss | null } {
  let v31: Cvss | null = null;
  let v30: Cvss | null = null;
  let v40: Cvss | null = null;
  for (const m of arr(metrics)) {
    const metric = obj(m);
    v31 ??= cvssOf(metric.cvssV3_1, 3);
    v30 ??= cvssOf(metric.cvssV3_0, 3);
    v40 ??= cvssOf(metric.cvssV4_0, 4);
  }
  return { cvss3: v31 ?? v30, cvss4: v40 };
}
