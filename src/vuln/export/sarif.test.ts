import { describe, expect, it } from "vitest";
import type { Finding } from "../finding.js";
import { sarifLog } from "./sarif.js";
import { aSummary, anExported } from "./testing.js";

interface Location {
  readonly physicalLocation: {
    readonly artifactLocation: { readonly uri: string; readonly uriBaseId?: string };
    readonly region: { readonly startLine: number };
  };
}
interface Log {
  readonly runs: readonly {
    readonly tool: {
      readonly driver: {
        readonly rules: readonly {
          readonly id: string;
          readonly helpUri?: string;
          readonly help: { readonly text: string; readonly markdown: string };
        }[];
      };
    };
    readonly results: readonly { readonly locations: readonly Location[] }[];
  }[];
}

function logOf(findings: readonly Partial<Finding>[]): Log {
  // Through JSON, as the CLI writes it.
  return JSON.parse(
    JSON.stringify(
      sarifLog(
        aSummary(),
        findings.map((f) => anExported(f)),
        { version: "0.1.0" },
      ),
    ),
  ) as Log;
}

function locationOf(finding: Partial<Finding>): Location["physicalLocation"] {
  const location = logOf([finding]).runs[0]?.results[0]?.locations[0]?.physicalLocation;
  if (!location) throw new Error("no location");
  return location;
}

/** Where GitHub would open the location: the URI resolved against a repository's file view. */
function resolved(uri: string): URL {
  return new URL(uri, "https://github.com/acme/shop/blob/main/");
}

describe("sarifLog locations", () => {
  it("puts a code finding's line in region.startLine and the file alone in the URI", () => {
    // The SARIF reader stores a code finding (no component) as `path:line`.
    const location = locationOf({ component: "", version: "", location: "src/api/orders.ts:12" });
    expect(location).toEqual({
      artifactLocation: { uri: "src/api/orders.ts", uriBaseId: "%SRCROOT%" },
      region: { startLine: 12 },
    });
  });

  it.each([
    // [what, finding, path GitHub opens, line]
    [
      "a Windows code path",
      { component: "", location: "C:/build/src/app.ts:7" },
      "/acme/shop/blob/main/C%3A/build/src/app.ts",
      7,
    ],
    [
      "a code line below 1",
      { component: "", location: "src/app.ts:0" },
      "/acme/shop/blob/main/src/app.ts",
      1,
    ],
    [
      "a lock file",
      { component: "ws", location: "app/package-lock.json" },
      "/acme/shop/blob/main/app/package-lock.json",
      1,
    ],
    [
      "an OS package in an image whose tag is a number",
      { component: "libssl3", location: "registry.example.com/cache/redis:7" },
      "/acme/shop/blob/main/registry.example.com/cache/redis:7",
      1,
    ],
    [
      "an OS package located by its host and port",
      { component: "openssl", location: "", assetKey: "db.internal:5432" },
      "/acme/shop/blob/main/db.internal%3A5432",
      1,
    ],
    [
      "a URL with a port, from a CSV row",
      { component: "", location: "https://app.example.com:8443", assetKey: "app" },
      "/acme/shop/blob/main/app.example.com%3A8443",
      1,
    ],
    [
      "a host and port, from a CSV row",
      { component: "", location: "db:5432", assetKey: "db" },
      "/acme/shop/blob/main/db%3A5432",
      1,
    ],
    [
      "a code file at the repository root",
      { component: "", location: "app.py:12" },
      "/acme/shop/blob/main/app.py",
      12,
    ],
    [
      "a network finding",
      { component: "", location: "tcp/443", assetKey: "192.0.2.10" },
      "/acme/shop/blob/main/tcp/443",
      1,
    ],
  ] as const)("locates %s as a relative path and a line", (_what, finding, path, line) => {
    const location = locationOf(finding);
    const url = resolved(location.artifactLocation.uri);
    expect([url.pathname, url.search, url.hash]).toEqual([path, "", ""]);
    expect(location.artifactLocation.uriBaseId).toBe("%SRCROOT%");
    expect(location.region.startLine).toBe(line);
  });

  it("keeps # ? and % in a path part of the path instead of a fragment or a query", () => {
    const location = locationOf({ component: "", location: "src/c#/q?.ts:3" });
    const url = resolved(location.artifactLocation.uri);
    expect([url.pathname, url.search, url.hash]).toEqual(["/acme/shop/blob/main/src/c%23/q%3F.ts", "", ""]);
    expect(decodeURIComponent(location.artifactLocation.uri)).toBe("src/c#/q?.ts");
    expect(location.region.startLine).toBe(3);
    expect(locationOf({ location: "docs/100%25.md" }).artifactLocation.uri).toBe("docs/100%2525.md");
  });

  it("writes a path with a lone UTF-16 surrogate (from a JSON report) instead of throwing", () => {
    const log = sarifLog(aSummary(), [anExported({ component: "", location: "src/b\ud800.ts:4" })], {
      version: "0.1.0",
    });
    const json = JSON.stringify(log);
    expect(json).not.toMatch(/\\ud[89ab]/i);
    const location = (JSON.parse(json) as Log).runs[0]?.results[0]?.locations[0]?.physicalLocation;
    expect(location?.artifactLocation.uri).toBe("src/b%EF%BF%BD.ts");
    expect(location?.region.startLine).toBe(4);
  });
});

describe("sarifLog rules", () => {
  it("takes helpUri from the first absolute http(s) reference and leaves other references out", () => {
    const log = logOf([
      {
        vulnId: "CVE-2024-0001",
        references: [
          "javascript:alert(document.domain)",
          "https://user:secret@evil.example/",
          "/advisories/1",
          "see the vendor site",
          "https://nvd.nist.gov/vuln/detail/CVE-2024-0001",
        ],
      },
      { vulnId: "CVE-2024-0002", references: ["javascript:alert(1)", "file:///etc/passwd"] },
    ]);
    const [first, second] = log.runs[0]?.tool.driver.rules ?? [];
    expect(first?.helpUri).toBe("https://nvd.nist.gov/vuln/detail/CVE-2024-0001");
    expect(first?.help.markdown).toBe(
      "**XZ Utils backdoor**\n\n- <https://nvd.nist.gov/vuln/detail/CVE-2024-0001>",
    );
    expect(first?.help.text).toBe(
      "XZ Utils backdoor\n\nReferences:\nhttps://nvd.nist.gov/vuln/detail/CVE-2024-0001",
    );
    expect(second).toBeDefined();
    expect(second).not.toHaveProperty("helpUri");
    expect(JSON.stringify(log)).not.toMatch(/javascript:|file:|secret/);
  });

  it("writes a report's title into the help Markdown as text: no link, no mention", () => {
    const [rule] =
      logOf([{ title: "Ask @octocat <b>now</b> [here](https://evil.example)" }]).runs[0]?.tool.driver.rules ??
      [];
    expect(rule?.help.markdown).toBe(
      "**Ask @&#8203;octocat \\<b\\>now\\</b\\> \\[here\\](https:&#8203;//evil.example)**\n\n",
    );
  });
});
