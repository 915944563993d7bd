import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import type { Finding } from "../finding.js";
import { csv } from "./csv.js";
import type { ReadOptions } from "./types.js";

const FIXTURES = new URL("../../../test/fixtures/csv/", import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** The bytes in chunks of `size`, so that fields, quotes, CRLFs and UTF-8 characters straddle chunks. */
async function* chunked(bytes: Uint8Array, size = 13): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield await Promise.resolve(bytes.subarray(i, i + size));
}

const text = (s: string): AsyncGenerator<Uint8Array> => chunked(new TextEncoder().encode(s));

async function readAll(source: AsyncIterable<Uint8Array>, options: ReadOptions): Promise<Finding[]> {
  const all: Finding[] = [];
  for await (const batch of csv.read(source, options)) all.push(...batch);
  return all;
}

async function readError(
  source: AsyncIterable<Uint8Array>,
  name: string,
  assetKey?: string,
): Promise<string> {
  try {
    await readAll(source, { name, assetKey });
  } catch (e) {
    if (isDetenteError(e, "INVALID_INPUT")) return e.message;
    throw e;
  }
  throw new Error(`${name} was read without an error`);
}

describe("csv.detect", () => {
  it("accepts a header with vulnerability and asset or component, whatever the case, quotes or BOM", () => {
    expect(csv.detect(fixture("findings.csv").toString("utf8"))).toBe(true);
    expect(csv.detect(fixture("edge-cases.csv").toString("utf8"))).toBe(true);
    expect(csv.detect('"Vulnerability","Component"\r\n"CVE-2024-1","openssl"\r\n')).toBe(true);
  });

  it("rejects JSON, XML and CSVs that are not findings", () => {
    expect(csv.detect('{"vulnerability": "CVE-2024-1", "asset": "web"}')).toBe(false);
    expect(csv.detect('[{"vulnerability":"CVE-2024-1"},{"asset":"x"}]')).toBe(false);
    expect(csv.detect('<?xml version="1.0" ?>\n<NessusClientData_v2>')).toBe(false);
    expect(csv.detect("cve,host,component\nCVE-2024-1,web,openssl\n")).toBe(false);
    expect(csv.detect("vulnerability,severity\nCVE-2024-1,high\n")).toBe(false);
  });
});

describe("csv.read", () => {
  it("maps every documented column", async () => {
    const findings = await readAll(chunked(fixture("findings.csv")), { name: "findings.csv" });
    expect(findings).toHaveLength(4);
    expect(findings[1]).toEqual({
      vulnId: "CVE-2021-44228", // the CVE alias becomes the canonical id
      aliases: ["GHSA-jfh8-c2jp-5v3q"],
      component: "org.apache.logging.log4j:log4j-core", // Maven group:artifact, as the other formats
      version: "2.14.1",
      ecosystem: "maven",
      purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      fixedVersions: ["2.15.0", "2.12.2"],
      location: "app/lib/log4j-core-2.14.1.jar",
      assetKey: "payments-api",
      scanner: "pentest-2024q2",
      rule: "PT-17",
      severity: "critical",
      cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", score: 10 },
      cvss4: { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", score: 10 },
      title: "Log4Shell",
      references: ["https://logging.apache.org/log4j/2.x/security.html"],
      epss: { score: 0.94, percentile: 1 },
      knownExploited: true,
      exploitAvailable: true,
      scannerRisk: null,
      status: "open",
      statusDetail: "",
    } satisfies Finding);
  });

  it("applies the format's defaults and conventions", async () => {
    const [xz, ssh, openssl] = [0, 2, 3].map((i) =>
      readAll(chunked(fixture("findings.csv")), { name: "findings.csv" }).then((all) => all[i]),
    );
    // An OS package is located by the asset alone, like every other format, whatever the row says.
    expect(await xz).toMatchObject({
      ecosystem: "apk",
      location: "",
      scanner: "inventory-sheet",
      knownExploited: false,
    });
    expect(await ssh).toMatchObject({ location: "tcp/22", scanner: "csv", epss: null, knownExploited: null });
    expect(await openssl).toMatchObject({
      aliases: ["CVE-2022-3786"],
      exploitAvailable: false,
      status: "not_affected",
      statusDetail: "openssl is vendored but the X.509 verification path is never called",
    });
  });

  it("reads a spreadsheet export: BOM, CRLF, quoted commas and newlines, loose headers, empty fields", async () => {
    const findings = await readAll(chunked(fixture("edge-cases.csv")), { name: "edge-cases.csv" });
    expect(findings.map((f) => [f.assetKey, f.vulnId, f.severity, f.component, f.fixedVersions])).toEqual([
      ["billing-db", "CVE-2024-6387", "high", "openssh", ["9.8p1"]],
      ["billing-db", "CVE-2023-38545", "critical", "curl", ["8.4.0"]], // no severity: from the CVSS score
      ["lager, Zürich", "CVE-2024-0001", "low", "", []],
    ]);
    expect(findings[0]?.title).toBe("OpenSSH regreSSHion, a signal handler race");
    expect(findings[0]?.cvss3).toEqual({ vector: "", score: 8.1 });
    expect(findings[1]?.title).toBe("curl SOCKS5 heap overflow\r\n(second line of the title)");
    expect(findings[2]?.title).toBe("Ünïcödé — 日本語 ✓");
    expect(findings[2]?.cvss3).toBeNull();
  });

  it("gives the same findings whatever the chunk size", async () => {
    for (const name of ["findings.csv", "edge-cases.csv"]) {
      const bytes = fixture(name);
      const whole = await readAll(chunked(bytes, bytes.length), { name });
      for (const size of [1, 2, 13, 1000])
        expect(await readAll(chunked(bytes, size), { name })).toEqual(whole);
    }
  });

  it("lets options.assetKey stand in for, and override, the asset column", async () => {
    const rows = "vulnerability,component,asset\nCVE-2024-1,openssl,web-01\n";
    expect((await readAll(text(rows), { name: "a.csv", assetKey: "edge" }))[0]?.assetKey).toBe("edge");
    const noAsset = await readAll(text("vulnerability,component\nCVE-2024-1,openssl\n"), {
      name: "b.csv",
      assetKey: "edge",
    });
    expect(noAsset[0]).toMatchObject({ vulnId: "CVE-2024-1", component: "openssl", assetKey: "edge" });
  });

  it("reads the example in docs/csv-format.md as the document describes it", async () => {
    const doc = readFileSync(new URL("../../../docs/csv-format.md", import.meta.url), "utf8");
    const start = doc.indexOf("```csv\n", doc.indexOf("## Example")) + "```csv\n".length;
    const example = doc.slice(start, doc.indexOf("```", start));
    const findings = await readAll(text(example), { name: "example.csv" });
    expect(
      findings.map((f) => [f.vulnId, f.aliases, f.component, f.assetKey, f.location, f.scanner, f.rule]),
    ).toEqual([
      [
        "CVE-2021-44228",
        ["GHSA-jfh8-c2jp-5v3q"],
        "org.apache.logging.log4j:log4j-core",
        "payments-api",
        "app/lib/log4j-core-2.14.1.jar",
        "pentest-2024q2",
        "PT-17",
      ],
      ["CVE-2023-48795", [], "openssh", "192.0.2.10", "tcp/22", "csv", ""],
      ["CVE-2022-3602", ["CVE-2022-3786"], "openssl", "checkout-web", "package-lock.json", "csv", ""],
    ]);
    expect(findings[1]?.title).toBe('Terrapin: SSH prefix truncation, "strict kex" fixes it');
    expect(findings[2]).toMatchObject({ status: "not_affected", exploitAvailable: false });
  });

  it("reads a header-only file as no findings", async () => {
    expect(await readAll(text("vulnerability,asset\n"), { name: "empty.csv" })).toEqual([]);
  });
});

describe("csv.read errors name the file, the line and the column", () => {
  it("rejects a bad severity on its line", async () => {
    expect(await readError(chunked(fixture("bad-severity.csv")), "bad-severity.csv")).toBe(
      'bad-severity.csv: line 7: severity "urgent" is not one of critical, high, medium, low, info, unknown',
    );
  });

  it("names a missing required column and lists the columns found", async () => {
    expect(await readError(chunked(fixture("missing-column.csv")), "missing-column.csv")).toBe(
      'missing-column.csv: missing required column "vulnerability"; columns found: cve, host, component, version',
    );
    expect(await readError(text("vulnerability,component\nCVE-2024-1,x\n"), "n.csv")).toBe(
      'n.csv: missing required column "asset" (or give the asset for the whole file with --asset); ' +
        "columns found: vulnerability, component",
    );
  });

  it("reports CSV syntax errors: field count, unclosed quote, oversized row", async () => {
    expect(await readError(chunked(fixture("bad-row-length.csv")), "bad-row-length.csv")).toBe(
      "bad-row-length.csv: line 3: row has 4 fields but the header has 3",
    );
    expect(await readError(chunked(fixture("unclosed-quote.csv")), "unclosed-quote.csv")).toBe(
      "unclosed-quote.csv: line 3: a quoted field is never closed (the file ends inside it)",
    );
    const huge = `vulnerability,asset,title\nCVE-2024-1,web,${"x".repeat(1_100_000)}\n`;
    expect(await readError(chunked(new TextEncoder().encode(huge), 65536), "huge.csv")).toMatch(
      /^huge\.csv: line 2: row is longer than 1048576 characters$/,
    );
  });

  it("validates numbers, flags, statuses, vectors and ids", async () => {
    expect(await readError(chunked(fixture("bad-values.csv")), "bad-values.csv")).toBe(
      'bad-values.csv: line 3: cvss3_score "11" is not a number from 0 to 10',
    );
    const cases: [string, string][] = [
      [
        "vulnerability,asset,epss,epss_percentile\nCVE-2024-1,web,1.5,0.9",
        'epss "1.5" is not a number from 0 to 1',
      ],
      ["vulnerability,asset,epss\nCVE-2024-1,web,0.5", "epss and epss_percentile must be given together"],
      [
        "vulnerability,asset,known_exploited\nCVE-2024-1,web,maybe",
        'known_exploited "maybe" is not true or false',
      ],
      ["vulnerability,asset,status\nCVE-2024-1,web,wontfix", 'status "wontfix" is not one of open, fixed,'],
      [
        "vulnerability,asset,cvss3_vector\nCVE-2024-1,web,CVSS:3.1/AV:N",
        "cvss3_vector is given without cvss3_score",
      ],
      [
        "vulnerability,asset,cvss4_vector,cvss4_score\nCVE-2024-1,web,AV:N,9",
        'cvss4_vector "AV:N" does not start with',
      ],
      [
        "vulnerability,asset,purl\nCVE-2024-1,web,npm/left-pad",
        'purl "npm/left-pad" does not start with "pkg:"',
      ],
      ["vulnerability,asset\n,web", "vulnerability is empty"],
      ["vulnerability,asset\nCVE-2024-1,", "asset is empty"],
    ];
    for (const [rows, message] of cases) {
      expect(await readError(text(rows), "v.csv")).toContain(`v.csv: line 2: ${message}`);
    }
  });

  it("counts lines from where a row starts, past quoted newlines and blank lines", async () => {
    const rows =
      'vulnerability,asset,title\r\nCVE-2024-1,web,"two\r\nlines"\r\n\r\nCVE-2024-2,web,x,extra\r\n';
    expect(await readError(text(rows), "l.csv")).toBe("l.csv: line 5: row has 4 fields but the header has 3");
    const late =
      'vulnerability,asset,title\nCVE-2024-1,web,"two\nlines"\nCVE-2024-2,web,ok\n\nCVE-2024-3,web,ok,\n';
    expect(await readError(text(late), "m.csv")).toBe("m.csv: line 6: row has 4 fields but the header has 3");
    const value =
      'vulnerability,asset,severity,title\nCVE-2024-1,web,high,"a\nb\nc"\nCVE-2024-2,web,urgent,x\n';
    expect(await readError(text(value), "s.csv")).toMatch(/^s\.csv: line 5: severity "urgent"/);
  });

  it("rejects a duplicated column and an empty file", async () => {
    expect(await readError(text("vulnerability,asset,Asset\nCVE-2024-1,a,b\n"), "d.csv")).toBe(
      'd.csv: line 1: column "asset" appears twice',
    );
    expect(await readError(text(""), "e.csv")).toBe("e.csv: empty file; a header row is required");
  });
});
