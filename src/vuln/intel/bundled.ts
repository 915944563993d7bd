import { fileURLToPath } from "node:url";

/**
 * Path of the CISA KEV catalog shipped with detente (`data/intel/kev/`, catalogVersion 2025.08.25, CC0
 * 1.0; see data/SOURCES.md), so triage works offline and before the first `detente intel sync`.
 *
 * Resolved from this module's own URL: the module sits three folders below the package root both as
 * source (`src/vuln/intel/bundled.ts`, under vitest) and as build output (`dist/vuln/intel/bundled.js`).
 *
 * @example
 * const kev = await openIntelFile(bundledKevPath());
 */
export function bundledKevPath(): string {
  return fileURLToPath(
    new URL("../../../data/intel/kev/known_exploited_vulnerabilities.json", import.meta.url),
  );
}
