import type { Command } from "commander";
import { policyAssetDefaults, storedAssetMatcher } from "../services/assets/store-assets.js";
import { createDecider } from "../services/findings/create-decider.js";
import { importReport } from "../services/findings/import-report.js";
import { storeIntel } from "../services/intel/store-lookup.js";
import { describeUnmatchedWithKeys } from "../vuln/assets/defaults.js";
import { printableLine } from "../vuln/export/printable.js";
import { openReport } from "../vuln/formats/read.js";
import { withContext } from "./context.js";
import { color, progressBar } from "./render.js";

interface ImportOptions {
  fullScan?: boolean;
  asset?: string;
  inputFormat?: string;
  json?: boolean;
}

const n = (x: number): string => x.toLocaleString("en-US");

export function registerImport(program: Command): void {
  program
    .command("import")
    .description("Import scanner reports into the store: de-duplicate, decide, and track findings over time")
    .argument(
      "<report...>",
      "report files (Trivy, Grype, OSV-Scanner, SARIF, CycloneDX, Nessus, CSV), or - for stdin",
    )
    .option(
      "--full-scan",
      "each report is a complete scan: close what its scanner no longer reports on the assets it scanned",
    )
    .option("--asset <key>", "asset key for every finding (for reports that do not name the scanned asset)")
    .option("--input-format <id>", "read every report as this format instead of detecting it")
    .option("--json", "print the result as JSON")
    .option("--config <file>", "detente.yaml with the triage policy")
    .action(async (reports: string[], opts: ImportOptions, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const config = await ctx.config();
        const store = await ctx.store();
        const defaults = policyAssetDefaults(config.triage);
        const assets = await storedAssetMatcher(store, defaults);
        const decider = createDecider({
          intel: storeIntel(store),
          assets,
          policy: config.triage,
          now: ctx.now,
        });
        const results = [];
        for (const path of reports) {
          const report = await openReport(path, { format: opts.inputFormat, assetKey: opts.asset });
          const bar = progressBar(`importing ${report.name}`, report.size);
          try {
            const result = await importReport({
              ctx: { store, now: ctx.now },
              input: {
                report,
                fullScan: opts.fullScan === true,
                decider,
                onProgress: (bytes) => {
                  bar.update(bytes);
                },
              },
            });
            results.push(result);
          } finally {
            bar.stop();
          }
          const r = results[results.length - 1]!;
          if (!opts.json) {
            process.stdout.write(
              `${color.bold(r.source)} (${r.format}): ${n(r.read)} findings: ${color.green(n(r.created) + " new")}, ${n(r.updated)} updated, ` +
                `${n(r.reopened)} reopened, ${n(r.closed)} closed\n`,
            );
          }
        }
        const unmatched = describeUnmatchedWithKeys(assets.stats(), defaults);
        if (opts.json) process.stdout.write(JSON.stringify({ imports: results, unmatched }, null, 2) + "\n");
        // The sentence names asset keys from the reports.
        else if (unmatched) process.stdout.write(color.yellow(printableLine(unmatched)) + "\n");
      });
    });
}
