import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAssetsCsv } from "./load-csv.js";
import { parseAssetsYaml } from "./load-yaml.js";
import { createAssetMatcher } from "./matcher.js";

/** The fenced code blocks of one language in docs/assets.md, so the documented examples stay valid. */
function blocks(language: string): string[] {
  const doc = readFileSync(join(import.meta.dirname, "../../../docs/assets.md"), "utf8");
  const fence = "```";
  return doc
    .split(`${fence}${language}\n`)
    .slice(1)
    .map((rest) => rest.slice(0, rest.indexOf(`${fence}\n`)));
}

describe("docs/assets.md examples", () => {
  it("the YAML example loads and matches what its comments say", () => {
    const [yaml] = blocks("yaml");
    const inventory = parseAssetsYaml(yaml ?? "", "assets.yaml");
    expect(inventory.assets.map((a) => a.key)).toEqual(["payments-api", "grafana"]);
    const matcher = createAssetMatcher(inventory.assets, inventory.defaults);
    for (const key of [
      "registry.example.com/payments/api:1.4.2",
      "pay-7.prod.example.com",
      "10.20.3.4",
      "git@github.com:example/payments-api.git",
      "prod/payments/api/pom.xml",
      "payments/Deployment/api",
    ]) {
      expect(matcher.match(key).asset.key, key).toBe("payments-api");
    }
  });

  it("the CSV example loads", () => {
    const [csv] = blocks("csv");
    const inventory = parseAssetsCsv(csv ?? "", "assets.csv");
    expect(inventory.assets.map((a) => [a.key, a.name, a.owner])).toEqual([
      ["payments-api", "Payments API", "payments"],
      ["grafana", "grafana", "internal-tools"],
      ["card-vault", "Card vault, HSM-backed", "payments"],
    ]);
    expect(inventory.assets[0]?.matchers).toHaveLength(7);
  });
});
