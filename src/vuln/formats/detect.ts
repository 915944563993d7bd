import { DetenteError } from "../../errors.js";
import { csv } from "./csv.js";
import { cyclonedx } from "./cyclonedx.js";
import { grype } from "./grype.js";
import { nessus } from "./nessus.js";
import { osvScanner } from "./osv-scanner.js";
import { sarif } from "./sarif.js";
import { trivy } from "./trivy.js";
import type { ReportFormat } from "./types.js";

/**
 * Every supported report format, in the order detection tries them. To add a format, write its module
 * and list it here. CSV goes last: its header check is the loosest.
 */
export const FORMATS: readonly ReportFormat[] = [trivy, grype, osvScanner, sarif, cyclonedx, nessus, csv];

/**
 * Pick the format of a report from its first bytes. Throws `UNKNOWN_FORMAT` naming the input and listing
 * what is supported.
 *
 * @example detectFormat('{"SchemaVersion": 2, "ArtifactName": "alpine"', "scan.json").id // "trivy"
 */
export function detectFormat(head: string, name: string): ReportFormat {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  for (const format of FORMATS) if (format.detect(text)) return format;
  const supported = FORMATS.map((f) => `  ${f.id.padEnd(12)} ${f.label}`).join("\n");
  throw new DetenteError(
    "UNKNOWN_FORMAT",
    `${name}: not a report format detente recognises. Supported formats:\n${supported}`,
  );
}
