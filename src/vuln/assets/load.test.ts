import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { loadAssets } from "./load.js";

const FIXTURES = join(import.meta.dirname, "../../../test/fixtures/assets");

describe("loadAssets", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "detente-assets-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads the company inventory from YAML and from CSV to identical assets", async () => {
    const yaml = await loadAssets(join(FIXTURES, "company.yaml"));
    const csv = await loadAssets(join(FIXTURES, "company.csv"));
    expect(yaml.assets.length).toBeGreaterThanOrEqual(30);
    expect(csv.assets).toEqual(yaml.assets);
    expect(csv.defaults).toEqual(yaml.defaults);
    const owners = new Set(yaml.assets.map((a) => a.owner));
    expect([...owners].sort()).toEqual([
      "data-platform",
      "identity",
      "infra",
      "internal-tools",
      "payments",
      "web",
    ]);
  });

  it("fills fields an asset leaves out from the file's defaults", async () => {
    const { assets } = await loadAssets(join(FIXTURES, "company.yaml"));
    const airflow = assets.find((a) => a.key === "airflow");
    expect(airflow).toMatchObject({
      owner: "data-platform",
      criticality: "medium",
      exposure: "internal",
      environment: "production",
      dataClassification: "internal",
      sloTarget: null,
      tags: [],
    });
    const payments = assets.find((a) => a.key === "payments-api");
    expect(payments?.sloTarget).toBe(0.9995);
    expect(payments?.matchers[0]).toEqual({ kind: "image", value: "registry.example.com/payments/api" });
  });

  it("names the file when it cannot be read, and refuses unknown extensions", async () => {
    const missing = join(dir, "nope.yaml");
    await expect(loadAssets(missing)).rejects.toThrow(`${missing}: cannot read (ENOENT)`);
    const txt = join(dir, "assets.txt");
    await writeFile(txt, "key\nx\n");
    const error: unknown = await loadAssets(txt).catch((e: unknown) => e);
    expect(isDetenteError(error, "INVALID_CONFIG")).toBe(true);
    expect((error as Error).message).toBe(`${txt}: unknown inventory format ".txt"; use .yaml, .yml or .csv`);
  });

  it("reads .yml like .yaml and reports problems against the path given", async () => {
    const path = join(dir, "assets.yml");
    await writeFile(path, "assets:\n  - key: a\n    exposure: public\n");
    await expect(loadAssets(path)).rejects.toThrow(
      `${path}: line 3: assets[0] (a).exposure: expected one of internet, internal, isolated (got "public")`,
    );
  });
});
