import type { Command } from "commander";
import { policyAssetDefaults, replaceAssets, storedInventory } from "../services/assets/store-assets.js";
import { redecideOpenFindings } from "../services/findings/redecide.js";
import { describeDefault, formatSlo } from "../vuln/assets/defaults.js";
import { loadAssets } from "../vuln/assets/load.js";
import { withContext } from "./context.js";
import { color, table } from "./render.js";

export function registerAssets(program: Command): void {
  const assets = program
    .command("assets")
    .description("The asset inventory: owner, criticality, exposure and data of what findings are on");

  assets
    .command("load")
    .description(
      "Replace the stored inventory with an assets.yaml or assets.csv, then re-decide open findings",
    )
    .argument("<file>", "assets.yaml, assets.yml or assets.csv")
    .option("--config <file>", "detente.yaml with the triage policy")
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const config = await ctx.config();
        const inventory = await loadAssets(file, { defaults: policyAssetDefaults(config.triage) });
        const store = await ctx.store();
        const count = await replaceAssets({ ctx: { store, now: ctx.now }, input: inventory });
        const teams = new Set(inventory.assets.map((a) => a.owner));
        process.stdout.write(`loaded ${count} assets owned by ${teams.size} teams from ${file}\n`);
        process.stdout.write(
          color.dim(`findings that match no asset get ${describeDefault(inventory.defaults)}\n`),
        );
        const r = await redecideOpenFindings({ ctx: { store, now: ctx.now, policy: config.triage } });
        if (r.total > 0)
          process.stdout.write(`re-decided ${r.total} open findings: ${r.changed} changed outcome\n`);
      });
    });

  assets
    .command("list")
    .description("List the stored inventory")
    .option("--json", "print JSON")
    .option("--config <file>", "detente.yaml with the triage policy")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const config = await ctx.config();
        const inv = await storedInventory(await ctx.store(), policyAssetDefaults(config.triage));
        if (opts.json) {
          process.stdout.write(JSON.stringify(inv, null, 2) + "\n");
          return;
        }
        if (inv.assets.length === 0) {
          process.stdout.write(
            "No assets loaded. Load an inventory with `detente assets load assets.yaml`.\n",
          );
          return;
        }
        process.stdout.write(
          table(
            ["KEY", "OWNER", "ENV", "CRITICALITY", "EXPOSURE", "DATA", "SLO", "MATCHES"],
            inv.assets.map((a) => [
              a.key,
              a.owner,
              a.environment,
              a.criticality,
              a.exposure,
              a.dataClassification,
              a.sloTarget === null ? "—" : formatSlo(a.sloTarget),
              a.matchers.map((m) => `${m.kind}:${m.value}`).join(" "),
            ]),
            60,
          ) + "\n",
        );
      });
    });
}
