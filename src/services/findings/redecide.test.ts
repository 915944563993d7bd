import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grypeWithout } from "../../../test/helpers/reports.js";
import {
  COMPANY_ASSETS,
  countRows,
  daysAfterNow,
  fixture,
  importFile,
  NOW,
  prepareStore,
  readFindings,
  tempDir,
} from "../../../test/helpers/store-data.js";
import { STORE_BACKENDS, type TestStore } from "../../../test/helpers/stores.js";
import { createAssetMatcher, loadAssets } from "../../vuln/assets/index.js";
import type { Finding } from "../../vuln/finding.js";
import { fingerprint } from "../../vuln/fingerprint.js";
import { loadIntelIndex } from "../../vuln/intel/load-index.js";
import { openIntelFile } from "../../vuln/intel/open.js";
import { decide } from "../../vuln/triage/decide.js";
import { DEFAULT_TRIAGE_POLICY } from "../../vuln/triage/policy.js";
import { replaceAssets } from "../assets/store-assets.js";
import { loadIntel } from "../intel/load.js";
import { getFinding } from "./get.js";
import { redecideOpenFindings } from "./redecide.js";

const GRYPE = fixture("grype/payments-api-image.json");
const policy = DEFAULT_TRIAGE_POLICY;

interface Decided {
  outcome: string;
  score: number;
  owner: string;
  matched: boolean;
  decidedAt: number;
  topReason: string;
}

describe.each(STORE_BACKENDS)("redecideOpenFindings on $name", (backend) => {
  let t: TestStore;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let grype: Finding[];
  let kevPath: string;
  const byComponent = (c: string): Finding => grype.find((f) => f.component === c)!;

  async function decisions(): Promise<Map<string, Decided>> {
    const rows = await t.store.query(
      `SELECT fingerprint, outcome, score, owner, asset_matched, decided_at, top_reason FROM findings`,
    );
    return new Map(
      rows.map((r) => [
        String(r.fingerprint),
        {
          outcome: String(r.outcome),
          score: Number(r.score),
          owner: String(r.owner),
          matched: r.asset_matched === true,
          decidedAt: new Date(r.decided_at as string).getTime(),
          topReason: String(r.top_reason),
        },
      ]),
    );
  }

  /** Redecide, and check `changed` against the outcomes before and after. */
  async function redecide(now: Date): Promise<{ before: Map<string, Decided>; after: Map<string, Decided> }> {
    const before = await decisions();
    const result = await redecideOpenFindings({ ctx: { store: t.store, now, policy } });
    const after = await decisions();
    const changed = [...after].filter(([p, d]) => before.get(p)!.outcome !== d.outcome).length;
    expect(result).toEqual({ total: await countRows(t.store, "findings", "status = 'open'"), changed });
    return { before, after };
  }

  /**
   * The stored decision is the one the triage core makes for the finding with the same intel and asset.
   * The finding is the store's merged view: Trivy's CVSS stays with it when Grype (which has none for
   * libssl3) reports it too, so deciding on Grype's finding alone would be deciding on less evidence.
   */
  async function expectDecidedAsCore(
    stored: Map<string, Decided>,
    reported: Finding,
    intelFiles: string[],
    now: Date,
  ): Promise<void> {
    const { finding } = await getFinding({ ctx: { store: t.store }, input: { id: fingerprint(reported) } });
    const inventory = await loadAssets(COMPANY_ASSETS);
    const asset = createAssetMatcher(inventory.assets, inventory.defaults).match(finding.assetKey);
    const { index } = await loadIntelIndex(intelFiles);
    const d = decide({ finding, intel: index.get(finding.vulnId), asset, policy, now, firstSeen: NOW });
    const got = stored.get(fingerprint(reported))!;
    expect(got).toMatchObject({
      outcome: d.outcome,
      topReason: d.reasons[0]!.text,
      decidedAt: now.getTime(),
    });
    expect(got.score).toBeCloseTo(d.score, 4);
  }

  async function loadFile(path: string, now: Date): Promise<void> {
    await loadIntel({
      ctx: { store: t.store, now },
      input: { file: await openIntelFile(path), origin: path },
    });
  }

  beforeAll(async () => {
    t = await backend.open();
    dir = await tempDir();
    kevPath = join(dir.path, "kev-with-openssl.json");
    grype = await readFindings(GRYPE);
    await prepareStore(t.store, { assets: true });
    await importFile(t.store, fixture("trivy/payments-api-image.json"), { now: NOW });
    await importFile(t.store, GRYPE, { now: NOW });
    // zlib1g fixed: closed findings are not decided again.
    await importFile(t.store, await grypeWithout(dir.path, ["zlib1g"]), { now: NOW, fullScan: true });
  });
  afterAll(async () => {
    await t?.dispose();
    await dir?.remove();
  });

  it("follows a KEV catalog that now lists a CVE: the outcome changes and is counted", async () => {
    const kev = JSON.parse(await readFile(fixture("intel/kev/kev-small.json"), "utf8")) as {
      count: number;
      vulnerabilities: Record<string, unknown>[];
    };
    kev.vulnerabilities.push({
      ...kev.vulnerabilities[0],
      cveID: "CVE-2024-2511",
      vendorProject: "OpenSSL",
      product: "OpenSSL",
      vulnerabilityName: "OpenSSL Unbounded Memory Growth (made up for this test)",
      dateAdded: "2026-11-20",
      dueDate: "2026-12-11",
      knownRansomwareCampaignUse: "Unknown",
    });
    kev.count = kev.vulnerabilities.length;
    const path = kevPath;
    await writeFile(path, JSON.stringify(kev));
    const later = daysAfterNow(1);
    await loadFile(path, later);

    const { before, after } = await redecide(later);
    const libssl = byComponent("libssl3");
    const print = fingerprint(libssl);
    expect(after.get(print)!.outcome).not.toBe(before.get(print)!.outcome);
    expect(after.get(print)!.topReason).toMatch(/CISA KEV/);
    await expectDecidedAsCore(after, libssl, [path], later);
  });

  it("follows an EPSS score above the policy threshold, even when the outcome stays", async () => {
    const path = join(dir.path, "epss.csv");
    await writeFile(
      path,
      "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\ncve,epss,percentile\nCVE-2024-37890,0.91,0.99\n",
    );
    const later = daysAfterNow(2);
    await loadFile(path, later);
    const { before, after } = await redecide(later);
    const print = fingerprint(byComponent("ws"));
    expect(after.get(print)!.score).toBeGreaterThan(before.get(print)!.score);
    expect(after.get(print)!.topReason).toMatch(/EPSS/);
    expect(before.get(print)!.topReason).not.toMatch(/EPSS 0\.91/);
    await expectDecidedAsCore(after, byComponent("ws"), [kevPath, path], later);
  });

  it("follows a new inventory: owner, match and decision", async () => {
    const inventory = await loadAssets(COMPANY_ASSETS);
    const later = daysAfterNow(3);
    await replaceAssets({
      ctx: { store: t.store, now: later },
      input: { ...inventory, assets: inventory.assets.filter((a) => a.key !== "payments-api") },
    });
    const { after } = await redecide(later);
    for (const f of grype.filter((g) => g.component !== "zlib1g")) {
      expect(after.get(fingerprint(f))).toMatchObject({ owner: inventory.defaults.owner, matched: false });
    }
  });

  it("leaves closed findings as they were decided", async () => {
    const zlib = (await decisions()).get(fingerprint(byComponent("zlib1g")))!;
    expect(zlib.decidedAt).toBe(NOW.getTime());
    expect(zlib.owner).toBe("payments");
  });
});
