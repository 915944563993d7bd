import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cliSandbox, parseJson } from "./helpers.js";

const DEMO_REPORTS = fileURLToPath(new URL("../../data/demo/reports", import.meta.url));

// The embedded database lives in files under DETENTE_HOME; two detente processes writing them at once
// must not overwrite each other's work.
describe("one DETENTE_HOME used by two commands at once", { timeout: 180_000 }, () => {
  it("does not silently lose an import: both land, or one fails with a clear error", async () => {
    const other = await cliSandbox();
    try {
      expect((await other.run(["findings"])).code).toBe(0); // create and migrate the store first
      const reports = [
        join(DEMO_REPORTS, "nessus-datacenter.nessus"),
        join(DEMO_REPORTS, "osv-scanner-storefront.json"),
      ];
      const runs = await Promise.all(reports.map((report) => other.run(["import", report, "--json"])));
      let created = 0;
      for (const r of runs) {
        if (r.code === 0) {
          created += (parseJson(r) as { imports: { created: number }[] }).imports[0]?.created ?? 0;
        } else {
          // The store is busy: a clear environment error (exit 3), never a crash.
          expect(r.code).toBe(3);
          expect(r.stderr).not.toContain("internal error");
        }
      }
      expect(runs.some((r) => r.code === 0)).toBe(true);
      const after = await other.run(["findings", "--json", "--status", "any", "--limit", "1000"]);
      expect((parseJson(after) as { rows: unknown[] }).rows).toHaveLength(created);
    } finally {
      await other.dispose();
    }
  });
});
