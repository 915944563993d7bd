import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openIntelFile } from "./open.js";
import type { CvssEntry } from "./types.js";

const PAGE = fileURLToPath(new URL("../../../test/fixtures/intel/nvd/nvd-page.json", import.meta.url));

async function readNvdFile(path: string) {
  const file = await openIntelFile(path);
  const entries: CvssEntry[] = [];
  for await (const batch of file.batches) if (batch.source === "nvd") entries.push(...batch.cvss);
  return { file, entries, meta: file.meta() };
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "detente-nvd-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("NVD CVE API 2.0 loader", () => {
  it("takes NVD's Primary score even when a CNA's Secondary one is listed first", async () => {
    const { file, entries } = await readNvdFile(PAGE);
    expect(file.source).toBe("nvd");
    expect(entries.find((e) => e.cve === "CVE-2023-22515")).toEqual({
      cve: "CVE-2023-22515",
      cvss3: { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 },
      cvss4: null,
      source: "nvd",
    });
  });

  it("takes a CNA's v4.0 score when NVD has only scored v3.1, and v3.0 when there is no v3.1", async () => {
    const { entries } = await readNvdFile(PAGE);
    expect(entries.find((e) => e.cve === "CVE-2024-3400")).toMatchObject({
      cvss3: { score: 10, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" },
      cvss4: { score: 10 },
    });
    expect(entries.find((e) => e.cve === "CVE-2017-5638")?.cvss3).toEqual({
      vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
      score: 10,
    });
  });

  it("skips rejected and unscored CVEs and reports the page's metadata", async () => {
    const { entries, meta } = await readNvdFile(PAGE);
    expect(entries.map((e) => e.cve)).toEqual(["CVE-2023-22515", "CVE-2024-3400", "CVE-2017-5638"]);
    expect(meta).toEqual({
      source: "nvd",
      version: "2.0",
      date: "2025-08-25T14:03:11.437",
      count: 3,
      declaredCount: 5,
      skipped: 2,
      warnings: [],
    });
  });

  it("reads a gzipped NVD feed file", async () => {
    const path = join(dir, "nvdcve-2.0-2025.json.gz");
    await writeFile(path, gzipSync(await readFile(PAGE)));
    const plain = await readNvdFile(PAGE);
    const gz = await readNvdFile(path);
    expect(gz.file.gzip).toBe(true);
    expect(gz.entries).toEqual(plain.entries);
  });

  it("ignores a metric whose vector is of another CVSS version than its list says", async () => {
    const path = join(dir, "mislabelled.json");
    const text = await readFile(PAGE, "utf8");
    // CVE-2017-5638's only v3 metric now holds a v4 vector: nothing usable is left for it.
    await writeFile(
      path,
      text.replace(
        '"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"',
        '"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"',
      ),
    );
    const { entries, meta } = await readNvdFile(path);
    expect(entries.map((e) => e.cve)).toEqual(["CVE-2023-22515", "CVE-2024-3400"]);
    expect(meta.skipped).toBe(3);
  });

  it("warns that one page of a larger result does not cover every CVE", async () => {
    const path = join(dir, "page-1.json");
    const text = await readFile(PAGE, "utf8");
    await writeFile(path, text.replace('"totalResults": 5', '"totalResults": 312000'));
    const { meta } = await readNvdFile(path);
    expect(meta.warnings).toEqual([
      `${path}: holds 5 of 312000 CVEs (from index 0): one page of a larger result; load every page`,
    ]);
  });

  it("rejects an entry without a CVE id, naming the entry and its line", async () => {
    const path = join(dir, "no-id.json");
    const text = await readFile(PAGE, "utf8");
    const edited = text.replace('"id": "CVE-2024-3400"', '"id": ""');
    await writeFile(path, edited);
    const lines = edited.split("\n");
    const idLine = lines.findIndex((l) => l.includes('"id": ""'));
    const endLine = lines.findIndex((l, i) => i > idLine && l.startsWith("    }")) + 1;
    await expect(readNvdFile(path)).rejects.toThrow(
      `${path}: vulnerabilities[1]: "cve.id" is missing (in the entry ending at line ${endLine})`,
    );
  });

  it("streams a large dump element by element", async () => {
    const path = join(dir, "dump.json");
    const out = createWriteStream(path);
    out.write(
      '{"resultsPerPage":40000,"startIndex":0,"totalResults":40000,"format":"NVD_CVE","version":"2.0",',
    );
    out.write('"timestamp":"2025-08-25T00:00:00.000","vulnerabilities":[');
    for (let i = 0; i < 40_000; i++) {
      const metric = `{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8}}`;
      out.write(
        `${i ? "," : ""}{"cve":{"id":"CVE-2020-${10000 + i}","vulnStatus":"Analyzed","metrics":{"cvssMetricV31":[${metric}]}}}`,
      );
    }
    await new Promise<void>((resolve) => out.end("]}", resolve));
    const file = await openIntelFile(path, { batchSize: 1000 });
    let count = 0;
    let largest = 0;
    for await (const batch of file.batches) {
      if (batch.source !== "nvd") continue;
      count += batch.cvss.length;
      largest = Math.max(largest, batch.cvss.length);
    }
    expect(count).toBe(40_000);
    expect(largest).toBe(1000);
    expect(file.meta()).toMatchObject({ count: 40_000, declaredCount: 40_000, warnings: [] });
  });
});
