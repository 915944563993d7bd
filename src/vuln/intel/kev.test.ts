import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { bundledKevPath } from "./bundled.js";
import { openIntelFile } from "./open.js";
import type { KevEntry } from "./types.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/intel/", import.meta.url));
const SMALL = join(FIXTURES, "kev/kev-small.json");

async function readKevFile(path: string, batchSize?: number) {
  const file = await openIntelFile(path, { batchSize });
  const batches: KevEntry[][] = [];
  for await (const batch of file.batches) if (batch.source === "kev") batches.push([...batch.kev]);
  return { file, batches, entries: batches.flat(), meta: file.meta() };
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "detente-kev-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A copy of the small fixture with `edit` applied to its text. */
async function variant(name: string, edit: (text: string) => string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, edit(await readFile(SMALL, "utf8")));
  return path;
}

describe("CISA KEV loader", () => {
  it("reads the bundled catalog snapshot in full", async () => {
    const { file, entries, meta } = await readKevFile(bundledKevPath());
    expect(file.source).toBe("kev");
    expect(meta).toMatchObject({
      version: "2025.08.25",
      date: "2025-08-25T17:04:19.9796Z",
      declaredCount: 1404,
    });
    expect(meta.warnings).toEqual([]);
    expect(entries).toHaveLength(1404);
    expect(meta.count).toBe(1404);
    expect(entries.filter((e) => e.ransomware)).toHaveLength(293);
    expect(entries.find((e) => e.cve === "CVE-2021-44228")).toMatchObject({
      vendorProject: "Apache",
      product: "Log4j2",
      dateAdded: "2021-12-10",
      dueDate: "2021-12-24",
      ransomware: true,
    });
  });

  it("maps each entry's fields and reads ransomware use Known as true, Unknown as false", async () => {
    const { entries, meta } = await readKevFile(SMALL);
    expect(entries.map((e) => [e.cve, e.ransomware])).toEqual([
      ["CVE-2025-48384", false],
      ["CVE-2023-22515", true],
      ["CVE-2021-44228", true],
      ["CVE-2015-2051", false],
    ]);
    expect(entries[0]).toEqual({
      cve: "CVE-2025-48384",
      vendorProject: "Git",
      product: "Git",
      name: "Git Link Following Vulnerability",
      dateAdded: "2025-08-25",
      dueDate: "2025-09-15",
      requiredAction:
        "Apply mitigations per vendor instructions, follow applicable BOD 22-01 guidance for cloud services, or discontinue use of the product if mitigations are unavailable.",
      ransomware: false,
    });
    expect(meta).toMatchObject({ count: 4, declaredCount: 4, warnings: [] });
  });

  it("reads a catalog saved with a UTF-8 byte-order mark", async () => {
    const path = await variant("bom.json", (t) => `\ufeff${t}`);
    const { entries } = await readKevFile(path);
    expect(entries).toHaveLength(4);
  });

  it("yields batches no larger than the batch size", async () => {
    const { batches } = await readKevFile(SMALL, 3);
    expect(batches.map((b) => b.length)).toEqual([3, 1]);
  });

  it("warns when the declared count differs from the entries listed", async () => {
    const path = await variant("count.json", (t) => t.replace('"count": 4', '"count": 5'));
    const { entries, meta } = await readKevFile(path);
    expect(entries).toHaveLength(4);
    expect(meta.warnings).toEqual([`${path}: declares "count": 5 but lists 4 vulnerabilities`]);
  });

  it("rejects an entry whose id is not a CVE, naming the entry and the line it ends on", async () => {
    const path = await variant("bad-id.json", (t) => t.replace('"CVE-2021-44228"', '"LOG4SHELL"'));
    const text = await readFile(path, "utf8");
    const lines = text.split("\n");
    const idLine = lines.findIndex((l) => l.includes("LOG4SHELL"));
    const endLine = lines.findIndex((l, i) => i > idLine && l.startsWith("        }")) + 1;
    const error = await readKevFile(path).catch((e: unknown) => e);
    expect(isDetenteError(error, "INVALID_INPUT")).toBe(true);
    expect((error as Error).message).toBe(
      `${path}: vulnerabilities[2]: "cveID" "LOG4SHELL" is not a CVE id (in the entry ending at line ${endLine})`,
    );
  });

  it("rejects a due date that is not a calendar date", async () => {
    const path = await variant("bad-date.json", (t) =>
      t.replace('"dueDate": "2023-10-13"', '"dueDate": "2023-02-30"'),
    );
    await expect(readKevFile(path)).rejects.toThrow(
      /vulnerabilities\[1\]: \(CVE-2023-22515\) "dueDate" "2023-02-30" is not a YYYY-MM-DD date/,
    );
  });

  it("reports a truncated catalog with the line where it ends", async () => {
    const path = await variant("truncated.json", (t) => t.slice(0, t.indexOf('"CVE-2021-44228"')));
    const lineCount = (await readFile(path, "utf8")).split("\n").length;
    await expect(readKevFile(path)).rejects.toThrow(
      `${path}: unexpected end of input (the file is truncated, or a quote or bracket is missing) at line ${lineCount}`,
    );
  });

  it("refuses a catalog that lists no vulnerabilities", async () => {
    const path = join(dir, "empty.json");
    await writeFile(path, '{"catalogVersion": "2025.08.25", "count": 0, "vulnerabilities": []}');
    await expect(readKevFile(path)).rejects.toThrow(
      `${path}: not a CISA KEV catalog: it lists no vulnerabilities`,
    );
  });
});
