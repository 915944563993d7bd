import type { Asset, AssetContext } from "../assets/types.js";
import { emptyFinding, type Finding } from "../finding.js";
import type { KevEntry, VulnrichmentSsvc } from "../intel/types.js";

/**
 * Builders for triage tests (here and in the store/CLI tests that need a decision): each gives a complete,
 * plausible value that a test overrides field by field, so a test states only what it is about.
 *
 * @example
 * const input = { finding: aFinding({ severity: "high" }), intel: { kev: aKev() }, asset: anAsset(), policy, now };
 */
export function aFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    ...emptyFinding(),
    vulnId: "CVE-2024-3094",
    component: "xz-utils",
    version: "5.6.0",
    ecosystem: "deb",
    fixedVersions: ["5.6.1"],
    assetKey: "registry.example.com/payments-api:1.4.2",
    scanner: "trivy",
    severity: "critical",
    title: "XZ Utils backdoor",
    ...overrides,
  };
}

/**
 * A CISA KEV entry for CVE-2024-3094.
 *
 * @example aKev({ ransomware: true }).dueDate // "2024-04-19"
 */
export function aKev(overrides: Partial<KevEntry> = {}): KevEntry {
  return {
    cve: "CVE-2024-3094",
    vendorProject: "Tukaani",
    product: "XZ Utils",
    name: "XZ Utils Embedded Malicious Code",
    dateAdded: "2024-03-29",
    dueDate: "2024-04-19",
    requiredAction: "Apply mitigations per vendor instructions or discontinue use of the product.",
    ransomware: false,
    ...overrides,
  };
}

/**
 * A CISA Vulnrichment SSVC assessment.
 *
 * @example aSsvc({ exploitation: "poc" }).automatable // "no"
 */
export function aSsvc(overrides: Partial<VulnrichmentSsvc> = {}): VulnrichmentSsvc {
  return {
    cve: "CVE-2024-3094",
    exploitation: "none",
    automatable: "no",
    technicalImpact: "partial",
    timestamp: "2024-04-01T12:00:00Z",
    ...overrides,
  };
}

/**
 * A matched asset context: payments-api, mission-critical, internet-facing, PCI data.
 *
 * @example anAsset({ exposure: "isolated" }).asset.exposure // "isolated"
 */
export function anAsset(overrides: Partial<Asset> = {}): AssetContext {
  return {
    matched: true,
    asset: {
      key: "payments-api",
      name: "payments-api",
      matchers: [{ kind: "image", value: "registry.example.com/payments-api" }],
      owner: "payments",
      environment: "production",
      criticality: "mission-critical",
      exposure: "internet",
      dataClassification: "pci",
      sloTarget: 0.999,
      tags: [],
      ...overrides,
    },
  };
}
