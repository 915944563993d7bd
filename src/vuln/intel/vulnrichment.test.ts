import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openIntelFile } from "./open.js";
import type { CvssEntry, VulnrichmentSsvc } from "./types.js";

const TREE = fileURLToPath(new URL("../../../test/fixtures/intel/vulnrichment/tree/", import.meta.url));
const RECORDS = [
  "2015/2xxx/CVE-2015-2051.json",
  "2024/3xxx/CVE-2024-3094.json",
  "2099/0xxx/CVE-2099-0001.json",
  "2099/0xxx/CVE-2099-0002.json",
  "2099/0xxx/CVE-2099-0003.json",
  "2099/0xxx/CVE-2099-0004.json",
];

async function readVulnrichment(path: string, batchSize?: number) {
  const file = await openIntelFile(path, { batchSize });
  const ssvc: VulnrichmentSsvc[] = [];
  const cvss: CvssEntry[] = [];
  let batches = 0;
  for await (const batch of file.batches) {
    if (batch.source !== "vulnrichment") continue;
    batches++;
    ssvc.push(...batch.ssvc);
    cvss.push(...batch.cvss);
  }
  return { file, ssvc, cvss, batches, meta: file.meta() };
}

let dir = "";
let records: unknown[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "detente-vulnrichment-"));
  records = await Promise.all(
    RECORDS.map(async (r) => JSON.parse(await readFile(join(TREE, r), "utf8")) as unknown),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EXPECTED_SSVC: VulnrichmentSsvc[] = [
  {
    cve: "CVE-2015-2051",
    exploitation: "active",
    automatable: "no",
    technicalImpact: "total",
    timestamp: "2024-05-02T18:31:27.959147Z",
  },
  {
    cve: "CVE-2024-3094",
    exploitation: "none",
    automatable: "yes",
    technicalImpact: "total",
    timestamp: "2024-04-02T04:00:23.138684Z",
  },
  {
    cve: "CVE-2099-0002",
    exploitation: "poc",
    automatable: "no",
    technicalImpact: "partial",
    timestamp: "2024-06-11T15:02:10.337Z",
  },
];

describe("CISA Vulnrichment loader", () => {
  it("reads CISA's SSVC assessment from every record of a checkout-shaped directory tree", async () => {
    const { file, ssvc } = await readVulnrichment(TREE);
    expect(file).toMatchObject({ source: "vulnrichment", layout: "directory" });
    // The 2024-era short name "CISAADP" (CVE-2099-0002) is CISA's ADP too.
    expect(ssvc).toEqual(EXPECTED_SSVC);
  });

  it("takes CVSS from the CNA, else from CISA's ADP, version by version", async () => {
    const { cvss } = await readVulnrichment(TREE);
    const byCve = new Map(cvss.map((c) => [c.cve, c]));
    expect([...byCve.keys()]).toEqual(["CVE-2015-2051", "CVE-2024-3094", "CVE-2099-0001", "CVE-2099-0002"]);
    expect(byCve.get("CVE-2015-2051")).toEqual({
      cve: "CVE-2015-2051",
      cvss3: { vector: "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 8.8 },
      cvss4: null,
      source: "vulnrichment",
    });
    expect(byCve.get("CVE-2024-3094")?.cvss3?.score).toBe(10);
    expect(byCve.get("CVE-2099-0001")).toMatchObject({ cvss3: { score: 9.8 }, cvss4: { score: 9.3 } });
    // CNA gave v3.1 only; CISA added v4.0.
    expect(byCve.get("CVE-2099-0002")).toMatchObject({ cvss3: { score: 5.3 }, cvss4: { score: 6.9 } });
  });

  it("skips rejected records and SSVC values it does not know, saying which file", async () => {
    const { meta } = await readVulnrichment(TREE);
    const odd = join(TREE, "2099/0xxx/CVE-2099-0004.json");
    expect(meta).toMatchObject({ version: "5.1", count: 7, skipped: 2 });
    expect(meta.warnings).toEqual([
      `${odd}: CVE-2099-0004: SSVC options not understood (exploitation=maybe, automatable=yes, technicalimpact=partial); skipped`,
    ]);
  });

  it("reads a single record file", async () => {
    const { file, ssvc, cvss } = await readVulnrichment(join(TREE, "2024/3xxx/CVE-2024-3094.json"));
    expect(file.layout).toBe("json");
    expect(ssvc).toEqual([EXPECTED_SSVC[1]]);
    expect(cvss.map((c) => c.cve)).toEqual(["CVE-2024-3094"]);
  });

  it("reads a JSON array of records and NDJSON to the same entries as the directory", async () => {
    const fromTree = await readVulnrichment(TREE);
    const arrayPath = join(dir, "records.json");
    await writeFile(arrayPath, JSON.stringify(records, null, 2));
    const ndjsonPath = join(dir, "records.ndjson");
    await writeFile(ndjsonPath, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    for (const [path, layout] of [
      [arrayPath, "json"],
      [ndjsonPath, "ndjson"],
    ] as const) {
      const read = await readVulnrichment(path);
      expect(read.file.layout).toBe(layout);
      expect(read.ssvc).toEqual(fromTree.ssvc);
      expect(read.cvss).toEqual(fromTree.cvss);
    }
  });

  it("keeps both arrays of a batch within the batch size", async () => {
    const { batches, ssvc, cvss } = await readVulnrichment(TREE, 2);
    expect(ssvc).toEqual(EXPECTED_SSVC);
    expect(cvss).toHaveLength(4);
    expect(batches).toBe(2);
  });

  it("names the line of a broken NDJSON record and the file of a broken record in a tree", async () => {
    const ndjson = join(dir, "broken.ndjson");
    const lines = records.slice(0, 3).map((r) => JSON.stringify(r));
    lines[2] = lines[2]!.slice(0, 40);
    await writeFile(ndjson, lines.join("\n") + "\n");
    await expect(readVulnrichment(ndjson)).rejects.toThrow(
      new RegExp(`^${escape(ndjson)}: invalid JSON \\(.*\\) at line 3, column \\d+$`),
    );

    const tree = join(dir, "tree");
    await mkdir(join(tree, "2024/1xxx"), { recursive: true });
    const bad = join(tree, "2024/1xxx/CVE-2024-1000.json");
    await writeFile(bad, '{\n  "dataType": "CVE_RECORD",\n  "containers": {,\n}\n');
    await expect(readVulnrichment(tree)).rejects.toThrow(
      new RegExp(`^${escape(bad)}: invalid JSON \\(.*\\) at line 3, column 18$`),
    );
  });

  it("refuses a directory without any CVE record", async () => {
    const empty = join(dir, "empty");
    await mkdir(empty);
    await writeFile(join(empty, "notes.json"), "{}");
    await expect(readVulnrichment(empty)).rejects.toThrow(`${empty}: no CVE-*.json files`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
