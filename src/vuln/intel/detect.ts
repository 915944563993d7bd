import { stat } from "node:fs/promises";
import { DetenteError } from "../../errors.js";
import { openInput, readError } from "./input.js";
import type { IntelSource } from "./types.js";

/** How an intel input is laid out, which picks its reader. */
export type IntelLayout = "json" | "ndjson" | "csv" | "directory";

/** What `detectIntelFile` found. */
export interface IntelDetection {
  readonly source: IntelSource;
  readonly layout: IntelLayout;
  /** The file is gzip-compressed (recognised by its magic bytes, whatever its name). */
  readonly gzip: boolean;
}

/**
 * Every intel input detente reads, for messages and `--help`.
 *
 * @example INTEL_KINDS.map((k) => k.source) // ["kev", "epss", "nvd", "vulnrichment"]
 */
export const INTEL_KINDS: readonly { readonly source: IntelSource; readonly label: string }[] = [
  { source: "kev", label: "CISA KEV catalog JSON (known_exploited_vulnerabilities.json)" },
  { source: "epss", label: "FIRST EPSS scores CSV, plain or gzipped (epss_scores-YYYY-MM-DD.csv.gz)" },
  { source: "nvd", label: "NVD CVE API 2.0 JSON: an API page or a feed (nvdcve-2.0-2025.json.gz)" },
  {
    source: "vulnrichment",
    label: "CISA Vulnrichment CVE JSON 5 records: one record, an array, NDJSON, or a directory of CVE-*.json",
  },
];

/**
 * Tell which intel source a file (or a directory of vulnrichment records) holds, from its first 64 KiB
 * of decoded text; gzip is undone first. Throws DetenteError("UNKNOWN_FORMAT") listing the supported
 * kinds for anything else.
 *
 * @example (await detectIntelFile("epss_scores-current.csv.gz")) // { source: "epss", layout: "csv", gzip: true }
 */
export async function detectIntelFile(path: string): Promise<IntelDetection> {
  try {
    if ((await stat(path)).isDirectory()) return { source: "vulnrichment", layout: "directory", gzip: false };
  } catch (e) {
    throw readError(e, path);
  }
  const input = await openInput(path);
  input.close();
  return { ...detectIntelHead(input.head, path), gzip: input.gzip };
}

/**
 * Tell which intel source a file holds from its first characters (decoded text, up to 64 KiB).
 *
 * @example detectIntelHead("#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\ncve,epss,percentile\n", "e.csv")
 * // { source: "epss", layout: "csv" }
 */
export function detectIntelHead(head: string, name: string): { source: IntelSource; layout: IntelLayout } {
  const text = (head.charCodeAt(0) === 0xfeff ? head.slice(1) : head).trimStart();
  if (isEpss(text)) return { source: "epss", layout: "csv" };
  if (text.startsWith("{") || text.startsWith("[")) {
    if (text.includes('"catalogVersion"') || (text.includes('"cveID"') && text.includes('"dueDate"'))) {
      return { source: "kev", layout: "json" };
    }
    if (
      text.includes('"NVD_CVE"') ||
      (text.includes('"resultsPerPage"') && text.includes('"vulnerabilities"'))
    ) {
      return { source: "nvd", layout: "json" };
    }
    if (text.includes('"CVE_RECORD"') || text.includes('"cveMetadata"')) {
      return { source: "vulnrichment", layout: jsonLayout(text) };
    }
  }
  throw unknownIntel(name);
}

/**
 * The error for an input that is none of the supported kinds, listing them.
 *
 * @example throw unknownIntel("scan.json"); // UNKNOWN_FORMAT "scan.json: not an intel file detente recognises..."
 */
export function unknownIntel(name: string): DetenteError {
  const supported = INTEL_KINDS.map((k) => `  ${k.source.padEnd(13)} ${k.label}`).join("\n");
  return new DetenteError(
    "UNKNOWN_FORMAT",
    `${name}: not an intel file detente recognises. Supported kinds:\n${supported}`,
  );
}

/** Comment lines starting with "#", then a header that starts with `cve,epss`. */
function isEpss(text: string): boolean {
  let start = 0;
  for (let n = 0; n < 8 && start < text.length; n++) {
    const nl = text.indexOf("\n", start);
    const line = text.slice(start, nl < 0 ? undefined : nl).trim();
    if (!line.startsWith("#")) return line.toLowerCase().replace(/"/g, "").startsWith("cve,epss");
    if (nl < 0) return line.startsWith("#model_version");
    start = nl + 1;
  }
  return false;
}

/**
 * A JSON document (pretty-printed record, or an array) or NDJSON (a complete record on the first line).
 * A compact record with no newline in the head reads fine as one NDJSON line, so that is the default.
 *
 * @example jsonLayout('{"dataType":"CVE_RECORD"}\n{"dataType":"CVE_RECORD"}\n') // "ndjson"
 */
export function jsonLayout(text: string): "json" | "ndjson" {
  if (text.startsWith("[")) return "json";
  const nl = text.indexOf("\n");
  if (nl < 0) return "ndjson";
  try {
    const first = JSON.parse(text.slice(0, nl)) as unknown;
    return typeof first === "object" && first !== null ? "ndjson" : "json";
  } catch {
    return "json";
  }
}
