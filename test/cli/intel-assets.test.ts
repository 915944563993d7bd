import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliSandbox, fixture, parseJson, type CliSandbox } from "./helpers.js";

// One store for the file; commands run one at a time, as the embedded store is not shared between processes.
// `intel sync` downloads from the official feeds and has no URL override, so it is tested in src/vuln/intel.

interface IntelStatusRow {
  source: string;
  version: string;
  sourceDate: string;
  rows: number;
  origin: string;
  loadedAt: string;
}
interface StoredAsset {
  key: string;
  owner: string;
  criticality: string;
  exposure: string;
  matchers: { kind: string; value: string }[];
}

const INTEL = {
  kev: fixture("intel", "kev", "kev-small.json"),
  epss: fixture("intel", "epss", "epss-small.csv.gz"),
  nvd: fixture("intel", "nvd", "nvd-page.json"),
  vulnrichment: fixture("intel", "vulnrichment", "tree"),
} as const;
const COMPANY = fixture("assets", "company.yaml");

let cli: CliSandbox;
beforeAll(async () => {
  cli = await cliSandbox();
});
afterAll(async () => {
  await cli.dispose();
});

const status = async (): Promise<IntelStatusRow[]> => {
  const r = await cli.run(["intel", "status", "--json"]);
  expect(r.code).toBe(0);
  return parseJson(r) as IntelStatusRow[];
};

describe("detente intel", { timeout: 180_000 }, () => {
  it("a new store starts with the bundled CISA KEV snapshot; the other sources are not loaded", async () => {
    const r = await cli.run(["intel", "status"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^SOURCE\s+DATE\s+VERSION\s+ROWS\s+LOADED\s+FROM$/);
    expect(lines.find((l) => l.startsWith("kev "))).toContain("bundled snapshot");
    for (const source of ["epss", "nvd", "vulnrichment"]) {
      expect(lines.find((l) => l.startsWith(`${source} `))).toMatch(/not loaded\s+0$/);
    }
    const rows = await status();
    expect(rows.map((x) => x.source)).toEqual(["kev"]);
    expect(rows[0]?.rows).toBeGreaterThan(1000);
  });

  it("loads KEV, EPSS, NVD and Vulnrichment files and says how many entries each had", async () => {
    const r = await cli.run(["intel", "load", INTEL.kev, INTEL.epss, INTEL.nvd, INTEL.vulnrichment]);
    expect(r.code).toBe(0);
    const kev = JSON.parse(await readFile(INTEL.kev, "utf8")) as { count: number; catalogVersion: string };
    expect(r.stdout).toContain(`kev: ${kev.count} entries from ${INTEL.kev} (version ${kev.catalogVersion}`);
    // Ten scores in the file (test/fixtures/README.md).
    expect(r.stdout).toMatch(
      /^epss: 10 entries from .*epss-small\.csv\.gz \(version v2025\.03\.14, 2025-08-25\)/m,
    );
    expect(r.stdout).toMatch(/^nvd: \d+ entries from .*nvd-page\.json/m);
    expect(r.stdout).toMatch(/^vulnrichment: \d+ entries from .*tree/m);
    // CVE-2099-0004 has an SSVC value outside the decision point's options: skipped with a warning.
    expect(r.stderr).toMatch(/^warning: .*CVE-2099-0004.*skipped$/m);
  });

  it("intel status shows one row per source with its date, version, row count and origin", async () => {
    const rows = await status();
    expect(rows.map((x) => x.source).sort()).toEqual(["epss", "kev", "nvd", "vulnrichment"]);
    const of = (source: string): IntelStatusRow | undefined => rows.find((x) => x.source === source);
    expect(of("kev")).toMatchObject({ version: "2025.08.25", rows: 4, origin: INTEL.kev });
    expect(of("epss")).toMatchObject({ version: "v2025.03.14", rows: 10, origin: INTEL.epss });
    expect(of("nvd")?.origin).toBe(INTEL.nvd);
    expect(of("vulnrichment")?.origin).toBe(INTEL.vulnrichment);
    for (const row of rows) {
      expect(row.rows, row.source).toBeGreaterThan(0);
      expect(row.loadedAt).toBe("2026-11-23T12:00:00.000Z");
    }
    const table = await cli.run(["intel", "status"]);
    for (const row of rows) {
      expect(table.stdout).toMatch(
        new RegExp(
          `^${row.source}\\s+${row.sourceDate.slice(0, 10)}\\s+${row.version.replace(/\./g, "\\.")}\\s+${row.rows}\\s`,
          "m",
        ),
      );
    }
    expect(table.stdout).not.toContain("not loaded");
  });

  it("an intel file of an unknown kind is refused with exit 2 listing the kinds, and nothing changes", async () => {
    const before = await status();
    const name = await cli.write("feed.txt", "these are not the scores you are looking for\n");
    const r = await cli.run(["intel", "load", name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("feed.txt");
    for (const kind of ["kev", "epss", "nvd", "vulnrichment"])
      expect(r.stderr).toMatch(new RegExp(`^\\s+${kind}\\s`, "m"));
    expect(await status()).toEqual(before);
  });

  it("a truncated KEV catalog is refused with exit 2 and keeps the loaded catalog", async () => {
    const before = await status();
    const text = await readFile(INTEL.kev, "utf8");
    const name = await cli.write("kev-cut.json", text.slice(0, Math.floor(text.length / 2)));
    const r = await cli.run(["intel", "load", name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kev-cut.json");
    expect(r.stderr).toMatch(/line \d+, column \d+/);
    expect(await status()).toEqual(before);
  });
});

describe("detente assets", { timeout: 180_000 }, () => {
  it("assets list says how to load an inventory when there is none", async () => {
    const r = await cli.run(["assets", "list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No assets loaded");
    expect(r.stdout).toContain("detente assets load");
  });

  it("assets load reads company.yaml and says how many assets and teams it holds", async () => {
    const r = await cli.run(["assets", "load", COMPANY]);
    expect(r.code).toBe(0);
    // 41 assets of six teams (test/fixtures/README.md).
    expect(r.stdout).toContain(`loaded 41 assets owned by 6 teams from ${COMPANY}`);
    expect(r.stdout).toContain("findings that match no asset get the default context");
  });

  it("assets list shows every asset with its owner, criticality, exposure and matchers", async () => {
    const json = await cli.run(["assets", "list", "--json"]);
    expect(json.code).toBe(0);
    const inventory = parseJson(json) as { assets: StoredAsset[] };
    expect(inventory.assets).toHaveLength(41);
    const payments = inventory.assets.find((a) => a.key === "payments-api");
    expect(payments).toMatchObject({
      owner: "payments",
      criticality: "mission-critical",
      exposure: "internet",
    });
    expect(payments?.matchers).toContainEqual({
      kind: "image",
      value: "registry.example.com/shop/payments-api",
    });

    const table = await cli.run(["assets", "list"]);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^KEY\s+OWNER\s+ENV\s+CRITICALITY\s+EXPOSURE\s+DATA\s+SLO\s+MATCHES$/);
    expect(lines).toHaveLength(1 + 41);
    expect(lines.find((l) => l.startsWith("payments-api "))).toMatch(
      /^payments-api\s+payments\s+production\s+mission-critical\s+internet\s+pci\s+99\.95%\s+image:/,
    );
  });

  it.each([
    [
      "a value outside its choices",
      "bad-value.yaml",
      "assets:\n  - key: shop\n    owner: web\n    criticality: super\n",
      4,
    ],
    ["broken YAML", "broken.yaml", "assets:\n  - key: shop\n    owner: web\n  - key: [\n", 5],
  ])(
    "an inventory with %s fails with exit 2 naming the file and line, keeping the stored one",
    async (_what, file, text, line) => {
      const name = await cli.write(file, text);
      const r = await cli.run(["assets", "load", name]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${file}: line ${line}:`);
      const after = parseJson(await cli.run(["assets", "list", "--json"])) as { assets: StoredAsset[] };
      expect(after.assets).toHaveLength(41);
    },
  );

  it("the same inventory as CSV loads to the same assets", async () => {
    const yaml = await cli.run(["assets", "list", "--json"]);
    const r = await cli.run(["assets", "load", fixture("assets", "company.csv")]);
    expect(r.code).toBe(0);
    const csv = await cli.run(["assets", "list", "--json"]);
    expect((parseJson(csv) as { assets: StoredAsset[] }).assets).toEqual(
      (parseJson(yaml) as { assets: StoredAsset[] }).assets,
    );
  });
});
