import { describe, expect, it } from "vitest";
import { normalizeHostName, readAssetKey } from "./asset-key.js";
import { parseIp } from "./ip.js";

describe("readAssetKey", () => {
  it("reads an image reference as an image (and nothing it could be confused with)", () => {
    const r = readAssetKey("registry.example.com/payments/api:1.4.2");
    expect(r.image).toBe("registry.example.com/payments/api");
    expect(r.ip).toBeUndefined();
  });

  it("reads host names, host:port and http URLs as hosts", () => {
    expect(readAssetKey("API.Example.com.").host).toBe("api.example.com");
    expect(readAssetKey("db01").host).toBe("db01");
    expect(readAssetKey("db01.corp.example.com:5432").host).toBe("db01.corp.example.com");
    expect(readAssetKey("https://shop.example.com:8443/cart?x=1").host).toBe("shop.example.com");
    expect(readAssetKey("ssh://git@github.com/org/repo").host).toBeUndefined(); // a repository, not a host
    expect(readAssetKey("payments/Deployment/api").host).toBeUndefined();
  });

  it("reads addresses in every usual spelling", () => {
    const v6 = parseIp("2001:db8::10");
    expect(readAssetKey(" 10.20.9.10 ").ip).toEqual(parseIp("10.20.9.10"));
    expect(readAssetKey("10.20.9.10:443").ip).toEqual(parseIp("10.20.9.10"));
    expect(readAssetKey("2001:db8::10").ip).toEqual(v6);
    expect(readAssetKey("[2001:db8::10]:443").ip).toEqual(v6);
    expect(readAssetKey("[2001:db8::10]").ip).toEqual(v6);
    expect(readAssetKey("https://[2001:db8::10]/login").ip).toEqual(v6);
    expect(readAssetKey("http://203.0.113.10:8080/").ip).toEqual(parseIp("203.0.113.10"));
    expect(readAssetKey("10.20.9.10").host).toBeUndefined();
  });

  it("reads repository URLs as repositories", () => {
    expect(readAssetKey("git@github.com:example/www.git").repo).toBe("github.com/example/www");
  });

  it("keeps the trimmed key for exact and glob matching", () => {
    expect(readAssetKey("  prod/payments/api/Dockerfile ").key).toBe("prod/payments/api/Dockerfile");
  });
});

describe("normalizeHostName", () => {
  it("refuses what DNS would not carry", () => {
    for (const bad of ["", "a..b", "a b", "a/b", `${"a".repeat(64)}.com`, "x:1"]) {
      expect(normalizeHostName(bad), bad).toBeUndefined();
    }
    expect(normalizeHostName("Svc_A.internal")).toBe("svc_a.internal");
  });
});
