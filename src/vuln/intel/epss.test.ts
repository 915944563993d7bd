import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { openIntelFile } from "./open.js";
import type { EpssEntry } from "./types.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/intel/epss/", import.meta.url));
const PLAIN = join(FIXTURES, "epss-small.csv");
const GZ = join(FIXTURES, "epss-small.csv.gz");

async function readEpssFile(path: string, batchSize?: number, source?: "epss") {
  const file = await openIntelFile(path, { batchSize, source });
  const batches: EpssEntry[][] = [];
  for await (const batch of file.batches) if (batch.source === "epss") batches.push([...batch.epss]);
  return { file, batches, entries: batches.flat(), meta: file.meta() };
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "detente-epss-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe("FIRST EPSS loader", () => {
  it("reads the model version and score date from the comment line and dates every entry", async () => {
    const { file, entries, meta } = await readEpssFile(PLAIN);
    expect(file).toMatchObject({ source: "epss", layout: "csv", gzip: false });
    expect(meta).toMatchObject({
      version: "v2025.03.14",
      date: "2025-08-25T12:55:00Z",
      count: 10,
      warnings: [],
    });
    expect(entries).toHaveLength(10);
    expect(entries.find((e) => e.cve === "CVE-2021-44228")).toEqual({
      cve: "CVE-2021-44228",
      score: 0.94358,
      percentile: 0.99957,
      date: "2025-08-25",
    });
  });

  it("reads the gzipped file, recognised by its magic bytes, to the same entries", async () => {
    const plain = await readEpssFile(PLAIN);
    const gz = await readEpssFile(GZ);
    expect(gz.file.gzip).toBe(true);
    expect(gz.entries).toEqual(plain.entries);
    expect(gz.meta).toEqual(plain.meta);
    // A .csv name does not matter either: the bytes decide.
    const renamed = await write("scores.csv", await readFile(GZ));
    expect((await readEpssFile(renamed)).entries).toEqual(plain.entries);
  });

  it("yields batches no larger than the batch size", async () => {
    const { batches, meta } = await readEpssFile(PLAIN, 4);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(meta.count).toBe(10);
  });

  it("accepts CRLF, a byte-order mark and a file without the comment line, and says what is unknown", async () => {
    const path = await write("bare.csv", "\ufeffcve,epss,percentile\r\nCVE-2024-0001,0.5,0.9\r\n\r\n");
    const { entries, meta } = await readEpssFile(path);
    expect(entries).toEqual([{ cve: "CVE-2024-0001", score: 0.5, percentile: 0.9 }]);
    expect(meta.warnings).toEqual([
      `${path}: no "#model_version" comment line: the EPSS model version is unknown`,
      `${path}: no "score_date": the date of the scores is unknown`,
    ]);
  });

  it("names the line of a score that is not a probability", async () => {
    const text = await readFile(PLAIN, "utf8");
    const path = await write("bad-score.csv", text.replace("CVE-2024-3094,0.82412", "CVE-2024-3094,1.82412"));
    const error = await readEpssFile(path).catch((e: unknown) => e);
    expect(isDetenteError(error, "INVALID_INPUT")).toBe(true);
    expect((error as Error).message).toBe(
      `${path}: epss "1.82412" of CVE-2024-3094 is not a number from 0 to 1 at line 8`,
    );
  });

  it("names the line of a row whose id is not a CVE, and a missing header", async () => {
    const badId = await write(
      "bad-id.csv",
      "cve,epss,percentile\nCVE-2024-0001,0.1,0.2\nGHSA-xxxx,0.1,0.2\n",
    );
    await expect(readEpssFile(badId)).rejects.toThrow(`${badId}: "GHSA-xxxx" is not a CVE id at line 3`);
    const noHeader = await write("no-header.csv", "#model_version:v2025.03.14\nid,score\n");
    // Detection would call this no EPSS file at all; read as EPSS on request, the header is what fails.
    await expect(readEpssFile(noHeader, undefined, "epss")).rejects.toThrow(
      `${noHeader}: expected the EPSS header "cve,epss,percentile", found "id,score" at line 2`,
    );
  });

  it("stops at an overlong line instead of buffering it", async () => {
    const path = await write(
      "long.csv",
      `cve,epss,percentile\nCVE-2024-0001,0.1,0.2\nCVE-2024-0002,${"9".repeat(70_000)}\n`,
    );
    await expect(readEpssFile(path)).rejects.toThrow(`${path}: line 3 is longer than 65536 characters`);
  });

  it("reports a truncated gzip download as corrupt instead of loading part of it", async () => {
    const bytes = gzipSync(await readFile(PLAIN));
    const path = await write("cut.csv.gz", bytes.subarray(0, bytes.length - 12));
    await expect(readEpssFile(path)).rejects.toThrow(`${path}: the gzip data is truncated or corrupt`);
  });

  it("streams a full-size daily file of 300k rows in bounded batches", async () => {
    const rows = ["#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z", "cve,epss,percentile"];
    for (let i = 0; i < 300_000; i++)
      rows.push(`CVE-2024-${String(i).padStart(5, "0")},0.0${i % 10},0.${i % 100}`);
    const path = await write("full.csv.gz", gzipSync(rows.join("\n") + "\n"));
    const file = await openIntelFile(path, { batchSize: 5000 });
    let count = 0;
    let largest = 0;
    let last: EpssEntry | undefined;
    for await (const batch of file.batches) {
      if (batch.source !== "epss") continue;
      count += batch.epss.length;
      largest = Math.max(largest, batch.epss.length);
      last = batch.epss[batch.epss.length - 1];
    }
    expect(count).toBe(300_000);
    expect(largest).toBe(5000);
    expect(last).toEqual({ cve: "CVE-2024-299999", score: 0.09, percentile: 0.99, date: "2025-08-25" });
    expect(file.bytesRead()).toBe(file.size);
  });
});
