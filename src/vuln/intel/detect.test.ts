import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { bundledKevPath } from "./bundled.js";
import { detectIntelFile } from "./detect.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/intel/", import.meta.url));

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "detente-detect-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("detectIntelFile", () => {
  it("tells each supported kind from its content", async () => {
    const cases: [string, object][] = [
      ["kev/kev-small.json", { source: "kev", layout: "json", gzip: false }],
      ["epss/epss-small.csv", { source: "epss", layout: "csv", gzip: false }],
      ["epss/epss-small.csv.gz", { source: "epss", layout: "csv", gzip: true }],
      ["nvd/nvd-page.json", { source: "nvd", layout: "json", gzip: false }],
      [
        "vulnrichment/tree/2024/3xxx/CVE-2024-3094.json",
        { source: "vulnrichment", layout: "json", gzip: false },
      ],
      ["vulnrichment/tree", { source: "vulnrichment", layout: "directory", gzip: false }],
    ];
    for (const [path, expected] of cases)
      expect(await detectIntelFile(join(FIXTURES, path))).toEqual(expected);
    expect(await detectIntelFile(bundledKevPath())).toEqual({ source: "kev", layout: "json", gzip: false });
  });

  it("tells a gzipped NVD feed and vulnrichment NDJSON apart by content, whatever their names", async () => {
    const feed = join(dir, "feed.bin");
    await writeFile(feed, gzipSync(await readFile(join(FIXTURES, "nvd/nvd-page.json"))));
    expect(await detectIntelFile(feed)).toEqual({ source: "nvd", layout: "json", gzip: true });

    const record = JSON.parse(
      await readFile(join(FIXTURES, "vulnrichment/tree/2024/3xxx/CVE-2024-3094.json"), "utf8"),
    ) as unknown;
    const ndjson = join(dir, "records.json");
    await writeFile(ndjson, `${JSON.stringify(record)}\n${JSON.stringify(record)}\n`);
    expect(await detectIntelFile(ndjson)).toEqual({ source: "vulnrichment", layout: "ndjson", gzip: false });
  });

  it("lists the supported kinds for anything else", async () => {
    const trivy = join(dir, "trivy.json");
    await writeFile(trivy, '{"SchemaVersion": 2, "ArtifactName": "alpine:3.19", "Results": []}');
    const error = await detectIntelFile(trivy).catch((e: unknown) => e);
    expect(isDetenteError(error, "UNKNOWN_FORMAT")).toBe(true);
    const message = (error as Error).message;
    expect(message.split("\n")[0]).toBe(`${trivy}: not an intel file detente recognises. Supported kinds:`);
    for (const kind of ["kev", "epss", "nvd", "vulnrichment"])
      expect(message).toMatch(new RegExp(`^  ${kind} `, "m"));
  });

  it("says a missing file cannot be read", async () => {
    const missing = join(dir, "nope.json");
    await expect(detectIntelFile(missing)).rejects.toThrow(`${missing}: cannot read (ENOENT)`);
  });
});
