import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { BUILTIN_ASSET_DEFAULTS, DEFAULT_ASSET_KEY } from "./defaults.js";
import { parseAssetsYaml } from "./load-yaml.js";
import { createAssetMatcher } from "./matcher.js";
import type { Asset, AssetMatcher } from "./types.js";

function asset(key: string, ...matchers: [AssetMatcher["kind"], string][]): Asset {
  return {
    key,
    name: key,
    matchers: matchers.map(([kind, value]) => ({ kind, value })),
    owner: "team",
    environment: "production",
    criticality: "high",
    exposure: "internal",
    dataClassification: "internal",
    sloTarget: null,
    tags: [],
  };
}

const keyOf = (assets: Asset[], assetKey: string): string =>
  createAssetMatcher(assets, BUILTIN_ASSET_DEFAULTS).match(assetKey).asset.key;

describe("createAssetMatcher: each matcher kind", () => {
  const assets = [
    asset("payments-api", ["image", "registry.example.com/payments/api"], ["key", "payments/Deployment/api"]),
    asset("web", ["image", "nginx"], ["host", "www.example.com"]),
    asset("wiki", ["image", "registry.example.com:5000/tools/wiki"]),
    asset("auth", ["repo", "git@github.com:example/auth-service.git"]),
    asset("bastion", ["ip", "203.0.113.10"], ["ip", "2001:db8::10"]),
    asset("payments-net", ["ip", "10.20.0.0/16"], ["ip", "2001:db8:20::/48"]),
    asset("pay-hosts", ["host", "pay-*.prod.example.com"]),
    asset("infra-code", ["glob", "infra/terraform/**"]),
  ];
  const matcher = createAssetMatcher(assets, BUILTIN_ASSET_DEFAULTS);
  const cases: [string, string, AssetMatcher | undefined][] = [
    ["payments-api", "payments-api", { kind: "key", value: "payments-api" }],
    ["payments/Deployment/api", "payments-api", { kind: "key", value: "payments/Deployment/api" }],
    ["registry.example.com/payments/api:1.4.2", "payments-api", undefined],
    [`registry.example.com/payments/api@sha256:${"0".repeat(64)}`, "payments-api", undefined],
    ["nginx:1.25", "web", { kind: "image", value: "nginx" }],
    ["docker.io/library/nginx:1.25-alpine", "web", undefined],
    ["registry.example.com:5000/tools/wiki:2.1", "wiki", undefined],
    [
      "https://github.com/example/auth-service",
      "auth",
      { kind: "repo", value: "git@github.com:example/auth-service.git" },
    ],
    ["ssh://git@github.com/Example/auth-service", "auth", undefined],
    ["WWW.example.com", "web", { kind: "host", value: "www.example.com" }],
    ["https://www.example.com/login", "web", undefined],
    ["203.0.113.10", "bastion", { kind: "ip", value: "203.0.113.10" }],
    ["[2001:db8::10]:22", "bastion", { kind: "ip", value: "2001:db8::10" }],
    ["10.20.200.7", "payments-net", { kind: "ip", value: "10.20.0.0/16" }],
    ["::ffff:10.20.1.1", "payments-net", undefined],
    ["2001:db8:20:ff::1", "payments-net", { kind: "ip", value: "2001:db8:20::/48" }],
    ["pay-12.prod.example.com", "pay-hosts", undefined],
    ["infra/terraform/modules/vpc/main.tf", "infra-code", undefined],
  ];
  for (const [key, expected, matchedBy] of cases) {
    it(`matches ${key} to ${expected}`, () => {
      const context = matcher.match(key);
      expect(context.matched).toBe(true);
      expect(context.asset.key).toBe(expected);
      if (matchedBy) expect(context.matchedBy).toEqual(matchedBy);
    });
  }

  it("gives unknown keys the default context, unmatched", () => {
    for (const key of [
      "quay.io/other/app:1",
      "10.21.0.1",
      "2001:db8:21::1",
      "pay.prod.example.com",
      "infra/ansible/x",
      "",
    ]) {
      const context = matcher.match(key);
      expect(context.matched, key).toBe(false);
      expect(context.asset.key).toBe(DEFAULT_ASSET_KEY);
      expect(context.asset.criticality).toBe("medium");
      expect(context.matchedBy).toBeUndefined();
    }
  });
});

describe("createAssetMatcher: precedence", () => {
  it("exact key beats an image", () => {
    const assets = [asset("by-image", ["image", "nginx"]), asset("by-key", ["key", "nginx:1.25"])];
    expect(keyOf(assets, "nginx:1.25")).toBe("by-key");
    expect(keyOf(assets, "nginx:1.26")).toBe("by-image");
  });

  it("image beats repository URL, which beats host", () => {
    const assets = [
      asset("by-host", ["host", "github.com"]),
      asset("by-repo", ["repo", "https://github.com/example/app"]),
      asset("by-image", ["image", "github.com/example/app"]),
    ];
    expect(keyOf(assets, "github.com/example/app")).toBe("by-image");
    expect(keyOf(assets, "https://github.com/example/app")).toBe("by-repo");
    expect(keyOf(assets, "https://github.com/other/app")).toBe("by-host");
  });

  it("exact host beats exact IP and host globs; exact IP beats blocks; longer prefixes win", () => {
    const assets = [
      asset("glob", ["host", "*.example.com"]),
      asset("host", ["host", "api.example.com"]),
      asset("wide", ["ip", "10.0.0.0/8"]),
      asset("narrow", ["ip", "10.20.8.0/24"]),
      asset("middle", ["ip", "10.20.0.0/16"]),
      asset("one", ["ip", "10.20.8.9"]),
    ];
    expect(keyOf(assets, "api.example.com")).toBe("host");
    expect(keyOf(assets, "web.example.com")).toBe("glob");
    expect(keyOf(assets, "10.20.8.9")).toBe("one");
    expect(keyOf(assets, "10.20.8.10")).toBe("narrow");
    expect(keyOf(assets, "10.20.9.1")).toBe("middle");
    expect(keyOf(assets, "10.99.0.1")).toBe("wide");
  });

  it("an address block beats a host glob, and a host glob beats a path glob", () => {
    const assets = [
      asset("path", ["glob", "**"]),
      asset("hosts", ["host", "*"]),
      asset("net", ["ip", "0.0.0.0/0"]),
    ];
    expect(keyOf(assets, "192.0.2.1")).toBe("net");
    expect(keyOf(assets, "db01")).toBe("hosts");
    expect(keyOf(assets, "some/path")).toBe("path");
  });

  it("among globs the most specific wins, whatever the file order", () => {
    const assets = [
      asset("any-prod", ["host", "*.prod.example.com"]),
      asset("pay-prod", ["host", "pay-*.prod.example.com"]),
      asset("prod-tree", ["glob", "prod/**"]),
      asset("payments-tree", ["glob", "prod/payments/**"]),
    ];
    expect(keyOf(assets, "pay-3.prod.example.com")).toBe("pay-prod");
    expect(keyOf(assets, "web-3.prod.example.com")).toBe("any-prod");
    expect(keyOf(assets, "prod/payments/api/pom.xml")).toBe("payments-tree");
    expect(keyOf(assets, "prod/web/package.json")).toBe("prod-tree");
    expect(keyOf([...assets].reverse(), "prod/payments/api/pom.xml")).toBe("payments-tree");
  });
});

describe("createAssetMatcher: invalid inventories", () => {
  it("refuses a matcher two assets claim, naming both", () => {
    const assets = [asset("a", ["image", "nginx"]), asset("b", ["image", "docker.io/library/nginx"])];
    const error: unknown = (() => {
      try {
        createAssetMatcher(assets, BUILTIN_ASSET_DEFAULTS);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isDetenteError(error, "INVALID_CONFIG")).toBe(true);
    expect((error as Error).message).toBe(
      "asset inventory: assets[1] (b).match[0]: image docker.io/library/nginx is already claimed by assets[0] (a).match[0]; each key, image, repo, host, address and glob may belong to one asset only",
    );
  });

  it("refuses duplicate keys and invalid matchers", () => {
    expect(() => createAssetMatcher([asset("a"), asset("a")], BUILTIN_ASSET_DEFAULTS)).toThrow(
      'assets[1] (a): duplicate key "a"; first used by assets[0] (a)',
    );
    expect(() => createAssetMatcher([asset("a", ["ip", "10.0.0.1/8"])], BUILTIN_ASSET_DEFAULTS)).toThrow(
      "has host bits set",
    );
  });

  it("accepts a matcher repeated within one asset", () => {
    const m = createAssetMatcher(
      [asset("a", ["host", "x.example.com"], ["host", "X.example.com"])],
      BUILTIN_ASSET_DEFAULTS,
    );
    expect(m.match("x.example.com").asset.key).toBe("a");
  });
});

describe("createAssetMatcher: cache and stats", () => {
  it("answers a key asked again right after as the first time, from a different string or the same", () => {
    const m = createAssetMatcher([asset("web", ["host", "www.example.com"])], BUILTIN_ASSET_DEFAULTS);
    // Keys read from a report are new strings each time: build each one afresh.
    const fresh = (s: string) => (" " + s).slice(1);
    const keys = ["a.example.com", "a.example.com", "www.example.com", "www.example.com", "a.example.com"];
    const answers = keys.map((k) => m.match(fresh(k)));
    expect(answers.map((a) => [a.matched, a.asset.key])).toEqual([
      [false, "(default)"],
      [false, "(default)"],
      [true, "web"],
      [true, "web"],
      [false, "(default)"],
    ]);
    expect(m.stats()).toMatchObject({
      lookups: 5,
      matched: 2,
      unmatched: 3,
      cacheHits: 3,
      cachedKeys: 2,
      unmatchedKeys: ["a.example.com"],
    });
  });

  it("answers repeated keys from the cache and counts matched and unmatched lookups", () => {
    const m = createAssetMatcher([asset("web", ["host", "www.example.com"])], BUILTIN_ASSET_DEFAULTS);
    for (let i = 0; i < 1000; i++) m.match("www.example.com");
    for (let i = 0; i < 300; i++) m.match(`unknown-${i % 3}.example.com`);
    m.match("");
    expect(m.stats()).toEqual({
      lookups: 1301,
      matched: 1000,
      unmatched: 301,
      cacheHits: 1301 - 5,
      cachedKeys: 5,
      unmatchedKeys: ["unknown-0.example.com", "unknown-1.example.com", "unknown-2.example.com", ""],
      unmatchedKeysTruncated: false,
    });
  });

  it("bounds the cache and the unmatched key list", () => {
    const m = createAssetMatcher([asset("web", ["host", "www.example.com"])], BUILTIN_ASSET_DEFAULTS, {
      cacheSize: 10,
      maxUnmatchedKeys: 5,
    });
    for (let i = 0; i < 50; i++) m.match(`host-${i}`);
    expect(m.stats().cachedKeys).toBeLessThanOrEqual(10);
    m.match("host-49"); // recent: still cached
    expect(m.stats().cacheHits).toBe(1);
    expect(m.match("host-0")).toMatchObject({ matched: false }); // evicted long ago: resolved again
    const stats = m.stats();
    expect(stats.cacheHits).toBe(1);
    expect(stats.unmatched).toBe(52);
    expect(stats.unmatchedKeys).toEqual(["host-0", "host-1", "host-2", "host-3", "host-4"]);
    expect(stats.unmatchedKeysTruncated).toBe(true);
  });
});

describe("the company inventory", () => {
  const path = join(import.meta.dirname, "../../../test/fixtures/assets/company.yaml");
  const inventory = parseAssetsYaml(readFileSync(path, "utf8"), "company.yaml");
  const matcher = createAssetMatcher(inventory.assets, inventory.defaults);
  const cases: [string, string][] = [
    ["registry.example.com/payments/api:1.4.2", "payments-api"],
    ["pay-3.prod.example.com", "payments-api"],
    ["10.20.9.10", "card-vault"],
    ["10.20.8.15", "payments-db"],
    ["10.20.77.1", "payments-network"],
    ["10.30.5.3", "secrets-vault"],
    ["10.99.1.1", "corp-network"],
    ["hashicorp/vault:1.15", "secrets-vault"],
    ["git@github.com:example/auth-service.git", "auth-service"],
    ["quay.io/keycloak/keycloak:24.0", "keycloak"],
    ["data/airflow/dags/etl.py", "airflow"],
    ["2001:db8:40::7", "feature-store"],
    ["edge-1.cdn.example.com", "cdn-edge"],
    ["203.0.113.10", "bastion"],
    ["203.0.113.77", "edge-load-balancers"],
    ["wordpress:6.4-apache", "marketing-cms"],
    ["ingress-nginx/Deployment/ingress-nginx-controller", "ingress-nginx"],
  ];
  // The asset keys the scanner fixtures under test/fixtures/ produce, so the demo lands them on assets.
  const scannerKeys: [string, string][] = [
    ["registry.example.com/shop/payments-api:1.4.2", "payments-api"],
    ["registry.example.com/shop/billing-worker:2.3.0", "billing-worker"],
    ["/home/ci/checkout/billing-worker", "billing-worker"],
    ["billing-worker@2.3.0", "billing-worker"],
    ["semgrep/billing-worker/2024-06-30", "billing-worker"],
    ["github.com/example-org/storefront", "storefront"],
    ["https://github.com/example-org/storefront", "storefront"],
    ["checkout-web", "storefront"],
    ["web01.example.com", "www"],
    ["192.0.2.10", "www"],
    ["vpn.example.com", "vpn-gateway"],
    ["registry.example.com/build:1.4", "jenkins"],
    ["billing-db", "payments-db"],
    ["payments-api", "payments-api"],
  ];
  for (const [key, expected] of [...cases, ...scannerKeys]) {
    it(`puts ${key} on ${expected}`, () => {
      expect(matcher.match(key).asset.key).toBe(expected);
    });
  }

  it("leaves the forgotten file server unknown, on the default context", () => {
    expect(matcher.match("192.0.2.20")).toMatchObject({ matched: false, asset: { key: "(default)" } });
  });
});
