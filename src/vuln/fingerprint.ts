import { hash } from "node:crypto";
import type { Finding } from "./finding.js";

/**
 * The identity of a finding, independent of which scanner reported it and of any prose: vulnerability,
 * component, version, asset and location. Two scanners reporting CVE-2023-0286 in openssl 3.0.7 of the
 * same image give the same identity.
 */
export type FindingIdentity = Pick<
  Finding,
  "vulnId" | "component" | "version" | "assetKey" | "location" | "ecosystem"
>;

const SEP = "\u001f";

/**
 * The identity as one string, fields joined by the ASCII unit separator. Component names compare without
 * case (and, for PyPI, with `-`, `_` and `.` equal, as PEP 503 says).
 *
 * @example identityKey(f) // "CVE-2023-0286\u001fopenssl\u001f3.0.7-r0\u001fregistry/app:1.2\u001f"
 */
export function identityKey(f: FindingIdentity): string {
  return (
    f.vulnId +
    SEP +
    componentKey(f.component, f.ecosystem) +
    SEP +
    f.version +
    SEP +
    f.assetKey +
    SEP +
    f.location
  );
}

/** Component name as identity sees it. */
export function componentKey(component: string, ecosystem: string): string {
  const lower = component.toLowerCase();
  return ecosystem === "pypi" ? lower.replace(/[-_.]+/g, "-") : lower;
}

/**
 * The finding's fingerprint: the first 128 bits of the SHA-256 of its identity key, as 32 hex digits.
 * Stable across scanners and releases; shown shortened to 12 characters as the finding's id.
 *
 * @example fingerprint(f).slice(0, 12) // "3f9a0c1d2e4b"
 */
export function fingerprint(f: FindingIdentity): string {
  // The one-shot hash is several times faster than a Hash object per finding (a million per import).
  return hash("sha256", identityKey(f), "hex").slice(0, 32);
}
