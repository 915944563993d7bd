import { isCve } from "../finding.js";
import { arr, obj, str } from "../formats/fields.js";
import { containerCvss } from "./cvss.js";
import { preview, type MetaBuilder } from "./meta.js";
import type { Automatable, CvssEntry, Exploitation, TechnicalImpact, VulnrichmentSsvc } from "./types.js";

/** What one CVE record contributes. */
export interface RecordIntel {
  readonly ssvc: VulnrichmentSsvc | null;
  readonly cvss: CvssEntry | null;
}

const NOTHING: RecordIntel = { ssvc: null, cvss: null };

/**
 * The SSVC assessment and CVSS scores of one CVE JSON 5 record from CISA Vulnrichment.
 *
 * SSVC comes from the CISA ADP container (`containers.adp[]` whose `providerMetadata.shortName` is
 * "CISA-ADP"; records from 2024 spell it "CISAADP"): its `metrics[].other` of type "ssvc", whose
 * `content.options` are `[{Exploitation}, {Automatable}, {"Technical Impact"}]`. CVSS v3.x/v4.0 comes
 * from the CNA container, else from CISA's ADP: CISA adds its own scores only where the CNA gave none.
 * Records without these, rejected CVEs, and assessments with values outside SSVC's are skipped (the
 * latter with a warning naming `where`); nothing here throws on a well-formed JSON value.
 *
 * @example
 * const { ssvc } = vulnrichmentOf(JSON.parse(text), "2024/3xxx/CVE-2024-3094.json", meta);
 * ssvc?.technicalImpact; // "total"
 */
export function vulnrichmentOf(record: unknown, where: string, meta: MetaBuilder): RecordIntel {
  const r = obj(record);
  const cveMetadata = obj(r.cveMetadata);
  const containers = obj(r.containers);
  const cveId = str(cveMetadata.cveId).trim();
  if (!isCve(cveId)) {
    meta.skip(`${where}: not a CVE record (no CVE id in "cveMetadata.cveId")`);
    return NOTHING;
  }
  if (str(cveMetadata.state).toUpperCase() === "REJECTED") {
    meta.skip();
    return NOTHING;
  }
  if (!meta.version) meta.version = str(r.dataVersion);
  // The newest record update says how fresh a checkout is.
  const updated = str(cveMetadata.dateUpdated);
  if (updated > meta.date) meta.date = updated;

  const cisa = arr(containers.adp).map(obj).filter(isCisaAdp);
  let ssvc: VulnrichmentSsvc | null = null;
  for (const adp of cisa) {
    for (const m of arr(adp.metrics)) {
      const other = obj(obj(m).other);
      if (str(other.type).toLowerCase() !== "ssvc") continue;
      const found = ssvcOf(
        obj(other.content),
        cveId,
        str(obj(adp.providerMetadata).dateUpdated),
        where,
        meta,
      );
      if (found && (!ssvc || found.timestamp > ssvc.timestamp)) ssvc = found;
    }
  }

  const cna = containerCvss(obj(containers.cna).metrics);
  let cvss3 = cna.cvss3;
  let cvss4 = cna.cvss4;
  for (const adp of cisa) {
    const own = containerCvss(adp.metrics);
    cvss3 ??= own.cvss3;
    cvss4 ??= own.cvss4;
  }
  const cvss = cvss3 || cvss4 ? { cve: cveId, cvss3, cvss4, source: "vulnrichment" } : null;
  if (!ssvc && !cvss) meta.skip();
  return { ssvc, cvss };
}

function isCisaAdp(container: Record<string, unknown>): boolean {
  const shortName = str(obj(container.providerMetadata).shortName);
  return shortName.toUpperCase().replace(/[^A-Z]/g, "") === "CISAADP";
}

function ssvcOf(
  content: Record<string, unknown>,
  cveId: string,
  dateUpdated: string,
  where: string,
  meta: MetaBuilder,
): VulnrichmentSsvc | null {
  const values = new Map<string, string>();
  for (const option of arr(content.options)) {
    for (const [key, value] of Object.entries(obj(option))) {
      // "Technical Impact" in CISA's records; tolerate "technical_impact" and "technicalImpact".
      values.set(key.toLowerCase().replace(/[^a-z]/g, ""), str(value).trim().toLowerCase());
    }
  }
  const exploitation = EXPLOITATION.get(values.get("exploitation") ?? "");
  const automatable = AUTOMATABLE.get(values.get("automatable") ?? "");
  const technicalImpact = TECHNICAL_IMPACT.get(values.get("technicalimpact") ?? "");
  if (!exploitation || !automatable || !technicalImpact) {
    const shown = [...values]
      .slice(0, 5)
      .map(([k, v]) => `${k}=${preview(v, 20)}`)
      .join(", ");
    meta.warn(`${where}: ${cveId}: SSVC options not understood (${shown || "none"}); skipped`);
    return null;
  }
  const id = str(content.id).trim();
  if (isCve(id) && id !== cveId) meta.warn(`${where}: SSVC "id" ${id} differs from the record's ${cveId}`);
  return {
    cve: cveId,
    exploitation,
    automatable,
    technicalImpact,
    timestamp: str(content.timestamp) || dateUpdated,
  };
}

// Maps, not object literals: a hostile value such as "constructor" must not find a prototype member.
const EXPLOITATION = new Map<string, Exploitation>([
  ["none", "none"],
  ["poc", "poc"],
  ["public poc", "poc"], // SSVC 2.0's spelling of the same value
  ["active", "active"],
]);
const AUTOMATABLE = new Map<string, Automatable>([
  ["yes", "yes"],
  ["no", "no"],
]);
const TECHNICAL_IMPACT = new Map<string, TechnicalImpact>([
  ["partial", "partial"],
  ["total", "total"],
]);
