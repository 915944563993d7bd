import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliSandbox, fixture, nowPlusDays, triageJson, type CliSandbox, type TriageRow } from "./helpers.js";

const TRIVY = fixture("trivy", "payments-api-image.json");
const NESSUS = fixture("nessus", "scan.nessus");
const CODEQL = fixture("sarif", "codeql-storefront.sarif");
const ASSETS = fixture("assets", "company.yaml");

let cli: CliSandbox;
beforeAll(async () => {
  cli = await cliSandbox();
});
afterAll(async () => {
  await cli.dispose();
});

const byId = (rows: readonly TriageRow[], id: string): TriageRow | undefined => rows.find((f) => f.id === id);

describe("detente triage --assets", { timeout: 120_000 }, () => {
  it("gives findings their asset's owner and criticality instead of the default context", async () => {
    const [without, withAssets] = await Promise.all([
      cli.run(["triage", TRIVY, "--all", "--format", "json"]),
      cli.run(["triage", TRIVY, "--all", "--format", "json", "--assets", ASSETS]),
    ]);
    expect(withAssets.code).toBe(0);
    const before = triageJson(without);
    const after = triageJson(withAssets);
    expect(before.summary.unmatched).toMatch(/^3 findings on 1 unknown asset matched no asset/);
    expect(after.summary.unmatched).toBe("");
    for (const f of after.findings) {
      // The image registry.example.com/shop/payments-api is the mission-critical payments-api of team payments.
      expect(f.asset).toMatchObject({ key: "payments-api", owner: "payments", matched: true });
      expect(f.decision.points.humanImpact?.value).toBe("very high");
      expect(f.decision.points.humanImpact?.source).not.toBe("default");
      const old = byId(before.findings, f.id);
      expect(old?.asset.matched).toBe(false);
      expect(old?.decision.points.humanImpact?.value).toBe("medium");
      // More at stake on a mission-critical, internet-facing asset: never a lower score.
      expect(f.decision.score).toBeGreaterThanOrEqual(old?.decision.score ?? Infinity);
    }
  });

  it("reports the findings whose asset is not in the inventory", async () => {
    const out = triageJson(
      await cli.run(["triage", NESSUS, "--all", "--format", "json", "--assets", ASSETS]),
    );
    const unknown = out.findings.filter((f) => !f.asset.matched);
    // Host 192.0.2.20 is left out of company.yaml on purpose (test/fixtures/README.md).
    expect(new Set(unknown.map((f) => f.assetKey))).toEqual(new Set(["192.0.2.20"]));
    expect(out.summary.unmatched).toContain(`${unknown.length} findings on 1 unknown asset matched no asset`);
    expect(out.findings.filter((f) => f.asset.matched).length).toBeGreaterThan(0);

    const table = await cli.run(["triage", NESSUS, "--assets", ASSETS]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(out.summary.unmatched);
  });

  it("fails with exit 2 naming the file and line of an invalid inventory", async () => {
    const bad = await cli.write(
      "bad-assets.yaml",
      "assets:\n  - key: shop\n    owner: web\n    criticality: super-important\n",
    );
    const r = await cli.run(["triage", TRIVY, "--assets", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^detente: bad-assets\.yaml: line 4: .*criticality/);
    expect(r.stdout).toBe("");
  });
});

describe("detente triage --escalate", { timeout: 120_000 }, () => {
  const run = (budget: string) =>
    cli.run(["triage", NESSUS, "--assets", ASSETS, "--all", "--format", "json", "--escalate", budget]);

  it("a count of 1 escalates one finding, plus every Act over the budget", async () => {
    const out = triageJson(await run("1"));
    const s = out.summary;
    expect(s.budget).toEqual({ count: 1 });
    expect(s.budgetLimit).toBe(1);
    expect(s.escalated).toBe(Math.max(1, s.byOutcome.act));
    expect(s.actOverflow).toBe(Math.max(0, s.byOutcome.act - 1));
    const escalated = out.findings.filter((f) => f.escalated);
    expect(escalated).toHaveLength(s.escalated);
    expect(escalated.every((f) => f.decision.outcome === "act")).toBe(true);
  });

  it("a share of 50% escalates half of the open findings, most urgent first", async () => {
    const out = triageJson(await run("50%"));
    const s = out.summary;
    const open = out.findings.filter((f) => f.decision.escalatable);
    expect(s.budget).toEqual({ percent: 50 });
    expect(s.budgetLimit).toBe(Math.ceil(open.length / 2));
    const escalated = out.findings.filter((f) => f.escalated);
    expect(escalated).toHaveLength(s.escalated);
    expect(s.escalated).toBeLessThanOrEqual(Math.max(s.budgetLimit, s.byOutcome.act));
    expect(s.escalated).toBeGreaterThan(triageJson(await run("1")).summary.escalated);
    // Nothing left behind outranks what was escalated (Act > Attend > Track* > Track, then score).
    const rank = { act: 3, attend: 2, "track*": 1, track: 0 } as const;
    const key = (f: TriageRow): number => rank[f.decision.outcome] * 1000 + f.decision.score;
    const lowestEscalated = Math.min(...escalated.map(key));
    for (const f of open.filter((x) => !x.escalated)) expect(key(f)).toBeLessThanOrEqual(lowestEscalated);
  });

  it("rejects a budget that is neither a count nor a percentage with exit 2 naming --escalate", async () => {
    const r = await cli.run(["triage", NESSUS, "--escalate", "abc"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--escalate");
    expect(r.stderr).toContain('"abc"');
    expect(r.stdout).toBe("");
  });
});

describe("detente triage --fail-on (for CI)", { timeout: 120_000 }, () => {
  it("exits 1 when a CISA KEV finding is decided Act on a mission-critical asset, after writing the report", async () => {
    const r = await cli.run(["triage", TRIVY, "--assets", ASSETS, "--fail-on", "act", "--format", "json"]);
    expect(r.code).toBe(1);
    const out = triageJson(r);
    const act = out.findings.find((f) => f.decision.outcome === "act");
    expect(act?.decision.points.exploitation?.source).toBe("kev");
    expect(act?.asset.key).toBe("payments-api");
    expect(r.stderr).toContain(`${out.summary.byOutcome.act} open finding`);
    expect(r.stderr).toContain("--fail-on act");
  });

  it("exits 0 when nothing reaches the threshold", async () => {
    const r = await cli.run(["triage", CODEQL, "--assets", ASSETS, "--fail-on", "act", "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(triageJson(r).summary.byOutcome.act).toBe(0);
  });

  it("--fail-on attend also counts Attend findings", async () => {
    const json = triageJson(await cli.run(["triage", NESSUS, "--assets", ASSETS, "--format", "json"]));
    const r = await cli.run(["triage", NESSUS, "--assets", ASSETS, "--fail-on", "attend"]);
    expect(r.code).toBe(1);
    const hits = json.summary.byOutcome.act + json.summary.byOutcome.attend;
    expect(r.stderr).toContain(`${hits} open finding`);
    expect(r.stderr).toContain("decided attend or above (--fail-on attend)");
  });
});

describe("detente triage --config detente.yaml", { timeout: 120_000 }, () => {
  it("a policy with other SLA days changes the due dates", async () => {
    const config = await cli.write("policy.yaml", "triage:\n  sla:\n    attend: 10\n    track: 60\n");
    const [defaults, custom] = await Promise.all([
      cli.run(["triage", TRIVY, "--assets", ASSETS, "--all", "--format", "json"]),
      cli.run(["triage", TRIVY, "--assets", ASSETS, "--all", "--format", "json", "--config", config]),
    ]);
    expect(custom.code).toBe(0);
    const before = triageJson(defaults);
    const out = triageJson(custom);
    const days = { attend: 10, track: 60 } as const;
    const defaultDays = { attend: 30, track: 180 } as const; // docs/triage.md
    let checked = 0;
    for (const f of out.findings) {
      const o = f.decision.outcome;
      if (o !== "attend" && o !== "track") continue;
      expect(f.decision.dueDate, `${f.vulnId} (${o})`).toBe(nowPlusDays(days[o]));
      expect(f.decision.reasons.some((x) => x.text.includes(`${days[o]} days`))).toBe(true);
      expect(byId(before.findings, f.id)?.decision.dueDate).toBe(nowPlusDays(defaultDays[o]));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("a --config file that does not exist is an error, not a silent fallback to the defaults", async () => {
    const r = await cli.run(["triage", TRIVY, "--config", "missing.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing.yaml");
  });

  it("./detente.yaml in the working directory is used without --config", async () => {
    await cli.write("detente.yaml", "triage:\n  sla:\n    track: 45\n");
    const out = triageJson(await cli.run(["triage", TRIVY, "--all", "--format", "json"]));
    const track = out.findings.filter((f) => f.decision.outcome === "track");
    expect(track.length).toBeGreaterThan(0);
    for (const f of track) expect(f.decision.dueDate).toBe(nowPlusDays(45));
  });

  it("an invalid policy fails with exit 2 naming the field and its line", async () => {
    const bad = await cli.write("bad.yaml", "triage:\n  epssThreshold: 0.2\n  sla:\n    act: -3\n");
    const r = await cli.run(["triage", TRIVY, "--config", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bad.yaml: line 4: triage.sla.act:");
    expect(r.stdout).toBe("");
  });

  it("a misspelt field fails with exit 2 and lists the allowed ones", async () => {
    const typo = await cli.write("typo.yaml", "triage:\n  slas:\n    act: 3\n");
    const r = await cli.run(["triage", TRIVY, "--config", typo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/typo\.yaml: line 2: triage: unknown field "slas" \(allowed: .*\bsla\b/);
  });
});
