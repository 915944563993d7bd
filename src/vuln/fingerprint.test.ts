import { describe, expect, it } from "vitest";
import { emptyFinding } from "./finding.js";
import { fingerprint, identityKey } from "./fingerprint.js";

describe("fingerprint", () => {
  it("is the first 128 bits of the SHA-256 of the identity key, in hex", () => {
    const f = {
      ...emptyFinding(),
      vulnId: "CVE-2023-0286",
      component: "OpenSSL",
      version: "3.0.7-r0",
      assetKey: "registry.example.com/app:1.2",
    };
    expect(identityKey(f)).toBe(
      "CVE-2023-0286\u001fopenssl\u001f3.0.7-r0\u001fregistry.example.com/app:1.2\u001f",
    );
    // sha256("CVE-2023-0286\x1fopenssl\x1f3.0.7-r0\x1fregistry.example.com/app:1.2\x1f"), as stored before.
    expect(fingerprint(f)).toBe("07a1d6b837a3227905777af3d521461d");
  });
});
