import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { policyAssetDefaults, replaceAssets, storedAssetMatcher } from "../services/assets/store-assets.js";
import { createDecider } from "../services/findings/create-decider.js";
import { importReport } from "../services/findings/import-report.js";
import { listFindings } from "../services/findings/list.js";
import { storeIntel } from "../services/intel/store-lookup.js";
import { packageRoot } from "../paths.js";
import { loadAssets } from "../vuln/assets/load.js";
import { openReport } from "../vuln/formats/read.js";
import { withContext } from "./context.js";
import { color, paintOutcome, table } from "./render.js";

/**
 * `detente demo`: load a fictional company's inventory and one sample report of every supported format
 * into the store (once; a second run reuses the data), then show the escalation queue and what to try next.
 */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "Load demo data (a fictional company's assets and sample reports of every format) and show the escalation queue",
    )
    .option("--config <file>", "detente.yaml with the triage policy")
    .action(async (_opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const config = await ctx.config();
        const store = await ctx.store();
        const demo = join(packageRoot(), "data", "demo");
        const [imported] = await store.query<{ n: string }>(`SELECT count(*) AS n FROM imports`);
        if (Number(imported?.n ?? 0) === 0) {
          process.stdout.write(`Loading demo data into ${store.location} ...\n`);
          const inventory = await loadAssets(join(demo, "assets.yaml"), {
            defaults: policyAssetDefaults(config.triage),
          });
          await replaceAssets({ ctx: { store, now: ctx.now }, input: inventory });
          process.stdout.write(`  ${inventory.assets.length} assets\n`);
          const assets = await storedAssetMatcher(store, inventory.defaults);
          const decider = createDecider({
            intel: storeIntel(store),
            assets,
            policy: config.triage,
            now: ctx.now,
          });
          for (const file of (await readdir(join(demo, "reports"))).sort()) {
            const report = await openReport(join(demo, "reports", file));
            const r = await importReport({
              ctx: { store, now: ctx.now },
              input: { report, fullScan: false, decider },
            });
            process.stdout.write(`  ${file} (${r.format}): ${r.read} findings, ${r.created} new\n`);
          }
        } else {
          process.stdout.write(`Using the data already in ${store.location}.\n`);
        }
        const queue = await listFindings({
          ctx: { store, budget: config.triage.budget, escalateFrom: config.triage.escalateFrom },
          input: { escalated: true, limit: 15 },
        });
        process.stdout.write(
          `\n${color.bold("Escalation queue")}: ${queue.escalatedCount} of ${queue.open} open findings need attention now\n\n`,
        );
        process.stdout.write(
          table(
            ["ID", "OUTCOME", "DUE", "VULNERABILITY", "ASSET", "OWNER", "WHY"],
            queue.rows.map((r) => [
              r.fingerprint.slice(0, 12),
              paintOutcome(r.outcome),
              r.dueDate,
              r.vulnId,
              r.assetKey,
              r.owner,
              r.topReason,
            ]),
            50,
          ) + "\n",
        );
        const first = queue.rows[0]?.fingerprint.slice(0, 12) ?? "ID";
        process.stdout.write(
          `\nNext:\n` +
            `  npx detente explain ${first}            why this one is first\n` +
            `  npx detente findings --owner payments    one team's view\n` +
            `  npx detente intel status                 what the decisions know\n` +
            `  npx detente triage data/demo/reports/*   the same decisions, stateless, for CI\n`,
        );
      });
    });
}
