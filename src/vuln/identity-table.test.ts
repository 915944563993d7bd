import { describe, expect, it } from "vitest";
import { emptyFinding, type Finding } from "./finding.js";
import { IdentityTable } from "./identity-table.js";

function finding(over: Partial<Finding>): Finding {
  return { ...emptyFinding(), vulnId: "CVE-2023-0286", component: "openssl", version: "3.0.7-r0", ...over };
}

describe("IdentityTable", () => {
  it("gives one index per identity, whichever scanner reported it and however the name is cased", () => {
    const t = new IdentityTable();
    expect(t.indexOf(finding({ scanner: "trivy", assetKey: "img:1" }))).toBe(0);
    expect(t.indexOf(finding({ scanner: "grype", assetKey: "img:1", component: "OpenSSL" }))).toBe(0);
    expect(t.indexOf(finding({ assetKey: "img:2" }))).toBe(1);
    expect(t.size).toBe(2);
  });

  it("keeps identities apart whose fields only differ in where one ends and the next begins", () => {
    const t = new IdentityTable();
    expect(t.indexOf(finding({ version: "1.2", assetKey: "3" }))).toBe(0);
    expect(t.indexOf(finding({ version: "1.", assetKey: "23" }))).toBe(1);
    expect(t.indexOf(finding({ version: "1", assetKey: ".23" }))).toBe(2);
  });

  it("gives the same indices when sized up front for many identities", () => {
    const t = new IdentityTable(1_000_000);
    for (let i = 0; i < 1000; i++) expect(t.indexOf(finding({ assetKey: `host-${i}` }))).toBe(i);
    expect(t.indexOf(finding({ assetKey: "host-7", component: "OpenSSL" }))).toBe(7);
    expect(t.size).toBe(1000);
  });

  it("stays exact as it grows past its first capacity", () => {
    const t = new IdentityTable();
    for (let i = 0; i < 100_000; i++) expect(t.indexOf(finding({ assetKey: `host-${i}` }))).toBe(i);
    for (let i = 0; i < 100_000; i += 997) expect(t.indexOf(finding({ assetKey: `host-${i}` }))).toBe(i);
    expect(t.size).toBe(100_000);
  });
});
