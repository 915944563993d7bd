import { describe, expect, it } from "vitest";
import { DetenteError } from "../../errors.js";
import { parseAssetsCsv } from "./load-csv.js";

function problems(text: string): string[] {
  try {
    parseAssetsCsv(text, "assets.csv");
  } catch (e) {
    expect(e).toBeInstanceOf(DetenteError);
    expect((e as DetenteError).code).toBe("INVALID_CONFIG");
    return (e as DetenteError).message.split("\n");
  }
  throw new Error("expected the inventory to be refused");
}

describe("parseAssetsCsv", () => {
  it("reads one asset per row with `;`-separated lists and empty cells from the defaults", () => {
    const csv = [
      "\uFEFFKey,Name,Owner,Environment,Criticality,Exposure,Data,SLO,Tags,Image,Host,IP,Repo,Glob,Match_Key",
      'payments-api,"Payments API, v2",payments,production,mission-critical,internet,pci,99.95%,pci; tier-1,registry.example.com/payments/api,api.pay.example.com;pay-*.prod.example.com,10.20.0.0/16,git@github.com:example/payments-api.git,prod/payments/**,payments/Deployment/api',
      "",
      "grafana,,,,,,,,,grafana/grafana,,,,,",
    ].join("\r\n");
    const inventory = parseAssetsCsv(csv, "assets.csv", { defaults: { owner: "internal-tools" } });
    expect(inventory.assets).toEqual([
      {
        key: "payments-api",
        name: "Payments API, v2",
        owner: "payments",
        environment: "production",
        criticality: "mission-critical",
        exposure: "internet",
        dataClassification: "pci",
        sloTarget: 0.9995,
        tags: ["pci", "tier-1"],
        matchers: [
          { kind: "image", value: "registry.example.com/payments/api" },
          { kind: "host", value: "api.pay.example.com" },
          { kind: "host", value: "pay-*.prod.example.com" },
          { kind: "ip", value: "10.20.0.0/16" },
          { kind: "repo", value: "git@github.com:example/payments-api.git" },
          { kind: "glob", value: "prod/payments/**" },
          { kind: "key", value: "payments/Deployment/api" },
        ],
      },
      {
        key: "grafana",
        name: "grafana",
        owner: "internal-tools",
        environment: "production",
        criticality: "medium",
        exposure: "internal",
        dataClassification: "internal",
        sloTarget: null,
        tags: [],
        matchers: [{ kind: "image", value: "grafana/grafana" }],
      },
    ]);
  });

  it("needs only a key column", () => {
    expect(parseAssetsCsv("key\na\nb\n", "assets.csv").assets.map((a) => a.key)).toEqual(["a", "b"]);
  });

  it("reports row problems with the row's line, key and column", () => {
    expect(
      problems(
        'key,criticality,ip,match_key,name\na,high,10.0.0.1,x,A\nb,bogus,"10.1.0.0/16;10.0.0.0/33",,"two\nlines"\n,low,,,\nc,,10.0.0.1,,\n',
      ),
    ).toEqual([
      'assets.csv: line 3: assets[1] (b).criticality: expected one of mission-critical, high, medium, low (got "bogus")',
      'assets.csv: line 3: assets[1] (b).ip: "10.0.0.0/33" has an invalid prefix length',
      "assets.csv: line 5: assets[2].key: expected a unique asset key such as payments-api, got an empty value",
    ]);
  });

  it("reports duplicate keys and matchers claimed twice with both lines", () => {
    expect(problems("key,ip,match_key\na,10.0.0.1,\nb,,a\nc,10.0.0.1,\na,,\n")).toEqual([
      "assets.csv: line 3: assets[1] (b).match_key: key a is already claimed by assets[0] (a) at line 2; each key, image, repo, host, address and glob may belong to one asset only",
      "assets.csv: line 4: assets[2] (c).ip: ip 10.0.0.1 is already claimed by assets[0] (a).ip at line 2; each key, image, repo, host, address and glob may belong to one asset only",
      'assets.csv: line 5: assets[3] (a).key: duplicate key "a"; first used by assets[0] (a) at line 2',
    ]);
  });

  it("reports header problems", () => {
    expect(problems("key,critcality,key\n")).toEqual([
      'assets.csv: line 1: unknown column "critcality"; known columns: key, name, owner, environment, criticality, exposure, data, slo, tags, image, host, ip, repo, glob, match_key',
      'assets.csv: line 1: column "key" appears twice',
    ]);
    expect(problems("name\nx\n")).toEqual([
      "assets.csv: line 1: the header has no key column; every asset needs a key",
    ]);
    expect(problems("")).toEqual(["assets.csv: empty file; expected a header row with a key column"]);
  });

  it("reports CSV syntax errors with their line", () => {
    expect(problems('key,name\na,"unterminated\n')).toEqual([
      "assets.csv: line 2: Quote Not Closed: the parsing is finished with an opening quote",
    ]);
    expect(problems("key,name\na,b,c\n")).toEqual([
      "assets.csv: line 2: Invalid Record Length: expect 2, got 3",
    ]);
  });
});
