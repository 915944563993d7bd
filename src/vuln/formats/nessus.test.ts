import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import type { Finding } from "../finding.js";
import { nessus } from "./nessus.js";
import type { ReadOptions } from "./types.js";

const FIXTURES = new URL("../../../test/fixtures/nessus/", import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** The bytes in chunks of `size`, so that tags, entities and UTF-8 characters straddle chunk boundaries. */
async function* chunked(bytes: Uint8Array, size = 13): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield await Promise.resolve(bytes.subarray(i, i + size));
}

async function readAll(source: AsyncIterable<Uint8Array>, options: ReadOptions): Promise<Finding[]> {
  const all: Finding[] = [];
  for await (const batch of nessus.read(source, options)) all.push(...batch);
  return all;
}

async function readError(source: AsyncIterable<Uint8Array>, name: string): Promise<string> {
  try {
    await readAll(source, { name });
  } catch (e) {
    if (isDetenteError(e, "INVALID_INPUT")) return e.message;
    throw e;
  }
  throw new Error(`${name} was read without an error`);
}

describe("nessus.detect", () => {
  it("recognises a .nessus file and nothing else", () => {
    expect(nessus.detect(fixture("scan.nessus").toString("utf8"))).toBe(true);
    expect(nessus.detect('{"SchemaVersion": 2, "ArtifactName": "alpine:3.18", "Results": []}')).toBe(false);
    expect(nessus.detect("vulnerability,component,asset\nCVE-2024-1,openssl,web\n")).toBe(false);
    expect(nessus.detect('<?xml version="1.0"?><NessusClientData>')).toBe(false);
  });
});

describe("nessus.read", () => {
  it("maps every CVE of a ReportItem to its own finding with the host, port and plugin", async () => {
    const findings = await readAll(chunked(fixture("scan.nessus")), { name: "scan.nessus" });
    const openssh = findings.find((f) => f.vulnId === "CVE-2024-6387");
    expect(openssh).toEqual({
      vulnId: "CVE-2024-6387",
      aliases: [],
      component: "",
      version: "",
      ecosystem: "",
      purl: "",
      fixedVersions: ["9.8p1"],
      location: "tcp/22",
      assetKey: "web01.example.com",
      scanner: "nessus",
      rule: "nessus:201194",
      severity: "high", // the severity attribute (3) wins over risk_factor (Critical)
      cvss3: { vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 8.1 },
      cvss4: null,
      title: "OpenSSH < 9.8 RCE",
      references: [
        "https://www.openssh.com/txt/release-9.8",
        "https://www.qualys.com/2024/07/01/cve-2024-6387/regresshion.txt",
        "IAVA:2024-A-0375",
      ],
      epss: null,
      knownExploited: null,
      exploitAvailable: true,
      scannerRisk: null,
      status: "open",
      statusDetail: "",
    } satisfies Finding);

    const apache = findings.filter((f) => f.rule === "nessus:201198");
    expect(apache.map((f) => f.vulnId)).toEqual([
      "CVE-2024-38474",
      "CVE-2024-38475",
      "CVE-2024-38476",
      "CVE-2024-38477",
    ]);
    for (const f of apache) {
      expect(f).toMatchObject({ location: "tcp/443", severity: "critical", exploitAvailable: true });
      // The KEV xref belongs to the plugin, not to one of its four CVEs: say nothing rather than guess.
      expect(f.knownExploited).toBeNull();
      expect(f.aliases).toEqual([]);
    }
  });

  it("reads the whole report: skips informational items without a CVE and keeps the rest", async () => {
    const findings = await readAll(chunked(fixture("scan.nessus")), { name: "scan.nessus" });
    expect(findings.map((f) => `${f.assetKey} ${f.location} ${f.vulnId}`)).toEqual([
      "web01.example.com tcp/22 CVE-2024-6387",
      "web01.example.com tcp/443 CVE-2024-38474",
      "web01.example.com tcp/443 CVE-2024-38475",
      "web01.example.com tcp/443 CVE-2024-38476",
      "web01.example.com tcp/443 CVE-2024-38477",
      "web01.example.com tcp/443 NESSUS-51192",
      "192.0.2.20 tcp/445 CVE-2017-0143",
      "192.0.2.20 tcp/445 CVE-2017-0144",
      "192.0.2.20 tcp/445 CVE-2017-0145",
      "192.0.2.20 tcp/445 CVE-2017-0146",
      "192.0.2.20 tcp/445 CVE-2017-0147",
      "192.0.2.20 tcp/445 CVE-2017-0148",
      "192.0.2.20 tcp/8080 CVE-2021-44228",
      "vpn.example.com udp/123 CVE-1999-0632",
      "vpn.example.com udp/500 NESSUS-62694",
    ]);
  });

  it("keeps plugin findings without a CVE, CVSS v4, KEV on single-CVE items and decoded entities", async () => {
    const findings = await readAll(chunked(fixture("scan.nessus")), { name: "scan.nessus" });
    const byId = new Map(findings.map((f) => [f.vulnId, f]));
    expect(byId.get("NESSUS-51192")).toMatchObject({
      rule: "nessus:51192",
      title: "SSL Certificate Cannot Be Trusted",
      severity: "medium",
      cvss3: { vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", score: 6.5 },
      references: ["https://www.itu.int/rec/T-REC-X.509/en", "https://en.wikipedia.org/wiki/X.509"],
      exploitAvailable: null,
    });
    expect(byId.get("CVE-2021-44228")).toMatchObject({
      knownExploited: true,
      severity: "critical",
      cvss4: { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", score: 9.3 },
      cvss3: { vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", score: 10 },
    });
    expect(byId.get("CVE-1999-0632")).toMatchObject({ severity: "info", location: "udp/123" });
    expect(byId.get("NESSUS-62694")).toMatchObject({
      title: "IKE Version 1 Detected & Aggressive Mode \u2014 Enabled",
      severity: "low",
      exploitAvailable: false,
      references: ["https://de.wikipedia.org/wiki/Internet_Key_Exchange_\u2013_\u00dcbersicht"],
    });
  });

  it("gives the same findings whatever the chunk size, and yields before the input ends", async () => {
    const bytes = fixture("scan.nessus");
    const whole = await readAll(chunked(bytes, bytes.length), { name: "scan.nessus" });
    for (const size of [1, 7, 13, 4096]) {
      expect(await readAll(chunked(bytes, size), { name: "scan.nessus" })).toEqual(whole);
    }
    let pulled = 0;
    async function* counting(): AsyncGenerator<Uint8Array> {
      for await (const c of chunked(bytes, 64)) {
        pulled++;
        yield c;
      }
    }
    const batches = nessus.read(counting(), { name: "scan.nessus" })[Symbol.asyncIterator]();
    const first = await batches.next();
    expect(first.done).toBe(false);
    expect(pulled).toBeLessThan(Math.ceil(bytes.length / 64));
    await batches.return?.(undefined);
  });

  it("lets options.assetKey override every host", async () => {
    const findings = await readAll(chunked(fixture("scan.nessus")), { name: "scan.nessus", assetKey: "dmz" });
    expect(new Set(findings.map((f) => f.assetKey))).toEqual(new Set(["dmz"]));
  });

  it("holds items that come before HostProperties until the host's name is known", async () => {
    const findings = await readAll(chunked(fixture("properties-last.nessus")), {
      name: "properties-last.nessus",
    });
    expect(findings.map((f) => [f.assetKey, f.vulnId, f.severity])).toEqual([
      ["legacy.example.com", "CVE-2016-2183", "high"],
      ["10.0.0.6", "CVE-2016-2183", "medium"], // no severity attribute: risk_factor decides
    ]);
  });
});

describe("nessus.read on hostile or broken files", () => {
  it("rejects a billion-laughs DOCTYPE at its first bytes, without reading on or expanding", async () => {
    const message = await readError(chunked(fixture("billion-laughs.nessus")), "billion-laughs.nessus");
    expect(message).toMatch(
      /^billion-laughs\.nessus: DOCTYPE declarations are not allowed .* at line 2, column 1$/,
    );

    // The same prologue followed by an endless body: reading must stop at the DOCTYPE.
    const prologue = fixture("billion-laughs.nessus");
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield* chunked(prologue, 13);
      const body = new TextEncoder().encode("<lolz>&lol9;</lolz>\n");
      for (;;) {
        pulled++;
        yield body;
      }
    }
    await expect(readAll(endless(), { name: "endless.nessus" })).rejects.toThrow(/DOCTYPE declarations/);
    expect(pulled).toBe(0);
  });

  it("rejects an external-entity (XXE) file without reading the entity's target", async () => {
    const message = await readError(chunked(fixture("xxe.nessus")), "xxe.nessus");
    expect(message).toMatch(/^xxe\.nessus: DOCTYPE declarations are not allowed .* at line 2, column 1$/);
    expect(message).not.toContain("root:");
  });

  it("finds a DOCTYPE split across one-byte chunks", async () => {
    const message = await readError(chunked(fixture("xxe.nessus"), 1), "xxe.nessus");
    expect(message).toContain("at line 2, column 1");
  });

  it("never expands an entity that no DOCTYPE declared", async () => {
    const message = await readError(chunked(fixture("undefined-entity.nessus")), "undefined-entity.nessus");
    expect(message).toBe("undefined-entity.nessus: undefined entity at line 6, column 28");
  });

  it("reports a truncated file with the place it ends", async () => {
    const message = await readError(chunked(fixture("truncated.nessus")), "truncated.nessus");
    expect(message).toMatch(/^truncated\.nessus: unclosed tag: cve at line 80, column \d+$/);
  });

  it("rejects other XML, a nameless host and an item without a plugin id, naming the line", async () => {
    const xml = (s: string): AsyncGenerator<Uint8Array> => chunked(new TextEncoder().encode(s));
    expect(await readError(xml("<?xml version='1.0'?>\n<svg></svg>"), "a.xml")).toBe(
      "a.xml: not a Nessus v2 report: the root element is <svg> at line 2, column 5",
    );
    expect(await readError(xml("<NessusClientData_v2><Report>\n<ReportHost>"), "b.nessus")).toMatch(
      /^b\.nessus: a ReportHost has no name attribute at line 2, column \d+$/,
    );
    const noPlugin =
      '<NessusClientData_v2><Report><ReportHost name="h">\n\n<ReportItem port="80" severity="2">' +
      "<cve>CVE-2024-1234</cve></ReportItem></ReportHost></Report></NessusClientData_v2>";
    expect(await readError(xml(noPlugin), "c.nessus")).toMatch(
      /^c\.nessus: a ReportItem has no pluginID attribute at line 3, column \d+$/,
    );
  });

  it("rejects a DOCTYPE after the root element too", async () => {
    const body = '<NessusClientData_v2>\n<!DOCTYPE x [<!ENTITY a "b">]></NessusClientData_v2>';
    const message = await readError(chunked(new TextEncoder().encode(body)), "late.nessus");
    expect(message).toMatch(/^late\.nessus: .*doctype.* at line 2, column \d+$/i);
  });
});
