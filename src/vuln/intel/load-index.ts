import { buildIntelIndex, type IntelIndex, type IntelIndexOptions } from "./lookup.js";
import { openIntelFile } from "./open.js";
import type { CvssEntry, EpssEntry, IntelMeta, KevEntry, VulnrichmentSsvc } from "./types.js";

/** An index built from files, with what each file was. */
export interface LoadedIntel {
  readonly index: IntelIndex;
  readonly files: readonly { readonly name: string; readonly meta: IntelMeta }[];
}

/**
 * Read intel files (any kind `openIntelFile` detects) into one in-memory lookup, for triage without a
 * database. Files are read in order, so a later file of the same source replaces earlier entries
 * (`nvdcve-2.0-2024.json.gz` then `nvdcve-2.0-modified.json.gz`). The whole EPSS file is about 300k
 * small objects, well within memory; for repeated use, load into the store instead.
 *
 * @example
 * const { index, files } = await loadIntelIndex([bundledKevPath(), "epss_scores-current.csv.gz"]);
 * index.get("CVE-2021-44228")?.kev?.ransomware; // true
 */
export async function loadIntelIndex(
  paths: readonly string[],
  options: IntelIndexOptions = {},
): Promise<LoadedIntel> {
  const kev: KevEntry[] = [];
  const epss: EpssEntry[] = [];
  const cvss: CvssEntry[] = [];
  const ssvc: VulnrichmentSsvc[] = [];
  const files: { name: string; meta: IntelMeta }[] = [];
  for (const path of paths) {
    const file = await openIntelFile(path);
    for await (const batch of file.batches) {
      switch (batch.source) {
        case "kev":
          for (const e of batch.kev) kev.push(e);
          break;
        case "epss":
          for (const e of batch.epss) epss.push(e);
          break;
        case "nvd":
          for (const e of batch.cvss) cvss.push(e);
          break;
        case "vulnrichment":
          for (const e of batch.ssvc) ssvc.push(e);
          for (const e of batch.cvss) cvss.push(e);
          break;
      }
    }
    files.push({ name: file.name, meta: file.meta() });
  }
  return { index: buildIntelIndex({ kev, epss, cvss, ssvc }, options), files };
}
