import { describe, expect, it } from "vitest";
import { DetenteError } from "../../errors.js";
import { parseAssetsYaml } from "./load-yaml.js";

/** The message of the INVALID_CONFIG error parsing `text` throws, one line per problem. */
function problems(text: string): string[] {
  try {
    parseAssetsYaml(text, "assets.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(DetenteError);
    expect((e as DetenteError).code).toBe("INVALID_CONFIG");
    return (e as DetenteError).message.split("\n");
  }
  throw new Error("expected the inventory to be refused");
}

describe("parseAssetsYaml", () => {
  it("reads a documented inventory with defaults, SLOs in both spellings and every matcher kind", () => {
    const inventory = parseAssetsYaml(
      `defaults: { criticality: low, exposure: isolated, environment: Staging, owner: platform, slo: 99% }
assets:
  - key: payments-api
    name: Payments API
    owner: payments
    environment: production
    criticality: Mission-Critical
    exposure: internet
    data: PCI
    slo: 99.95%
    tags: [pci, tier-1, pci]
    match:
      - image: registry.example.com/payments/api
      - host: pay-*.prod.example.com
      - ip: 10.20.0.0/16
      - repo: https://github.com/example/payments-api
      - glob: "prod/payments/**"
      - key: payments/Deployment/api
  - key: 1234
    slo: 0.9995
  - key: batch
    slo: none
`,
      "assets.yaml",
    );
    expect(inventory.defaults).toEqual({
      owner: "platform",
      environment: "staging",
      criticality: "low",
      exposure: "isolated",
      dataClassification: "internal",
      sloTarget: 0.99,
    });
    const [payments, numeric, batch] = inventory.assets;
    expect(payments).toEqual({
      key: "payments-api",
      name: "Payments API",
      owner: "payments",
      environment: "production",
      criticality: "mission-critical",
      exposure: "internet",
      dataClassification: "pci",
      sloTarget: 0.9995,
      tags: ["pci", "tier-1"],
      matchers: [
        { kind: "image", value: "registry.example.com/payments/api" },
        { kind: "host", value: "pay-*.prod.example.com" },
        { kind: "ip", value: "10.20.0.0/16" },
        { kind: "repo", value: "https://github.com/example/payments-api" },
        { kind: "glob", value: "prod/payments/**" },
        { kind: "key", value: "payments/Deployment/api" },
      ],
    });
    expect(numeric).toMatchObject({
      key: "1234",
      name: "1234",
      owner: "platform",
      criticality: "low",
      sloTarget: 0.9995,
    });
    expect(batch?.sloTarget).toBeNull();
  });

  it("accepts a bare list of assets and the caller's defaults under the file's", () => {
    const inventory = parseAssetsYaml("- key: a\n- key: b\n  criticality: high\n", "assets.yaml", {
      defaults: { criticality: "low", owner: "secops" },
    });
    expect(inventory.assets.map((a) => [a.key, a.criticality, a.owner])).toEqual([
      ["a", "low", "secops"],
      ["b", "high", "secops"],
    ]);
  });

  it("reports field problems with line, asset index and key, field path and what was expected", () => {
    expect(
      problems(`assets:
  - key: a
  - key: payments-api
    criticality: critical
    slo: 120%
    tags: pci
    critcality: high
  - name: no key
`),
    ).toEqual([
      'assets.yaml: line 4: assets[1] (payments-api).criticality: expected one of mission-critical, high, medium, low (got "critical")',
      'assets.yaml: line 5: assets[1] (payments-api).slo: expected an availability target such as 99.9% or 0.999, got "120%"',
      'assets.yaml: line 6: assets[1] (payments-api).tags: expected a list of tags such as [pci, tier-1], got "pci"',
      "assets.yaml: line 7: assets[1] (payments-api).critcality: unknown field; known fields: key, name, owner, environment, criticality, exposure, data, slo, tags, match",
      "assets.yaml: line 8: assets[2].key: is required",
    ]);
  });

  it("reports matcher problems at the matcher's line", () => {
    expect(
      problems(`assets:
  - key: c
    match:
      - image: nginx:1.25
      - ip: 10.20.1.0/16
      - hostname: x
      - { host: a.example.com, ip: 10.0.0.1 }
      - registry.example.com/x
      - repo: not a url
      - host: "bad host"
      - glob: ""
`),
    ).toEqual([
      'assets.yaml: line 4: assets[0] (c).match[0].image: expected an image repository without a tag or digest (it matches every tag), got "nginx:1.25"; drop ":1.25"',
      'assets.yaml: line 5: assets[0] (c).match[1].ip: "10.20.1.0/16" has host bits set; did you mean 10.20.0.0/16, or a longer prefix?',
      "assets.yaml: line 6: assets[0] (c).match[2].hostname: unknown matcher kind; expected one of image, host, ip, repo, glob, key",
      "assets.yaml: line 7: assets[0] (c).match[3]: expected exactly one of image, host, ip, repo, glob, key (got host and ip)",
      'assets.yaml: line 8: assets[0] (c).match[4]: expected a mapping such as `- image: registry.example.com/team/app`, got "registry.example.com/x"',
      'assets.yaml: line 9: assets[0] (c).match[5].repo: expected a repository URL such as https://github.com/org/repo or git@github.com:org/repo.git, got "not a url"',
      'assets.yaml: line 10: assets[0] (c).match[6].host: expected a host name such as api.example.com, got "bad host"',
      "assets.yaml: line 11: assets[0] (c).match[7].glob: expected a glob value, got an empty string",
    ]);
  });

  it("reports duplicate keys and matchers claimed twice, pointing at the first claim", () => {
    expect(
      problems(`assets:
  - key: web
    match:
      - image: nginx
  - key: edge
    match:
      - image: docker.io/library/nginx
  - key: web
`),
    ).toEqual([
      "assets.yaml: line 7: assets[1] (edge).match[0]: image docker.io/library/nginx is already claimed by assets[0] (web).match[0] at line 4; each key, image, repo, host, address and glob may belong to one asset only",
      'assets.yaml: line 8: assets[2] (web).key: duplicate key "web"; first used by assets[0] (web) at line 2',
    ]);
  });

  it("reports problems in defaults and the top level", () => {
    expect(problems("defaults: { criticality: extreme, color: red }\nassets: []\n")).toEqual([
      'assets.yaml: line 1: defaults.criticality: expected one of mission-critical, high, medium, low (got "extreme")',
      "assets.yaml: line 1: defaults.color: unknown field; known fields: owner, environment, criticality, exposure, data, slo",
    ]);
    expect(problems("assets: {}\n")).toEqual([
      "assets.yaml: line 1: assets: expected a list of assets, got a mapping",
    ]);
    expect(problems("")).toEqual([
      "assets.yaml: expected a mapping with `defaults:` and an `assets:` list, got nothing",
    ]);
    expect(problems("defaults: {}\n")).toEqual([
      "assets.yaml: line 1: assets: is required: a list of assets",
    ]);
  });

  it("reports YAML syntax errors with their line", () => {
    const lines = problems("assets:\n  - key: a\n    tags: [x,\n  y: 2\n");
    expect(lines[0]).toMatch(/^assets\.yaml: line \d+: \S/);
    expect(problems("assets:\n  - key: a\n    key: b\n")).toEqual([
      "assets.yaml: line 3: Map keys must be unique",
    ]);
  });

  it("refuses alias bombs instead of expanding them", () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
assets: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
`;
    expect(() => parseAssetsYaml(bomb, "assets.yaml")).toThrow(/^assets\.yaml: /);
  });

  it("shows at most 20 problems and counts the rest", () => {
    const text = `assets:\n${Array.from({ length: 25 }, (_, i) => `  - key: a${i}\n    exposure: nowhere\n`).join("")}`;
    const lines = problems(text);
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe("assets.yaml: ... and 5 more problems");
  });
});
