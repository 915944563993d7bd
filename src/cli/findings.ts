import { applicableFix } from "../vuln/versions.js";
import { Option, type Command } from "commander";
import { DetenteError } from "../errors.js";
import { policyAssetDefaults, storedAssetMatcher } from "../services/assets/store-assets.js";
import { getFinding } from "../services/findings/get.js";
import { listFindings } from "../services/findings/list.js";
import { storeIntel } from "../services/intel/store-lookup.js";
import { decide } from "../vuln/triage/decide.js";
import { explain } from "../vuln/triage/explain.js";
import { parseBudget } from "../vuln/triage/budget.js";
import { printableLine } from "../vuln/export/printable.js";
import { withContext } from "./context.js";
import { color, paintOutcome, table } from "./render.js";

interface FindingsOptions {
  status: string;
  outcome?: string;
  owner?: string;
  asset?: string;
  vuln?: string;
  kev?: boolean;
  escalated?: boolean;
  notEscalated?: boolean;
  escalate?: string;
  limit: string;
  json?: boolean;
}

const n = (x: number): string => x.toLocaleString("en-US");

export function registerFindings(program: Command): void {
  program
    .command("findings")
    .description("List stored findings with their decisions, most urgent first")
    .addOption(
      new Option("--status <status>", "finding status")
        .choices([
          "open",
          "fixed",
          "not_affected",
          "false_positive",
          "under_investigation",
          "accepted",
          "any",
        ])
        .default("open"),
    )
    .option("--outcome <outcomes>", "only these SSVC outcomes, comma-separated (act,attend,track*,track)")
    .option("--owner <team>", "only findings on assets this team owns")
    .option("--asset <key>", "only findings on this asset key")
    .option("--vuln <id>", "only this vulnerability (CVE or any alias)")
    .option("--kev", "only findings in CISA KEV")
    .option("--escalated", "only escalated findings (the escalation queue)")
    .option("--not-escalated", "only findings that are not escalated")
    .option(
      "--escalate <budget>",
      'escalation budget for this listing: "5%" or a count (default from detente.yaml)',
    )
    .option("--limit <n>", "at most this many rows", "50")
    .option("--json", "print JSON")
    .option("--config <file>", "detente.yaml with the triage policy")
    .action(async (opts: FindingsOptions, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const config = await ctx.config();
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new DetenteError("INVALID_INPUT", `--limit: expected a positive whole number`);
        const outcomes = opts.outcome
          ?.split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const result = await listFindings({
          ctx: {
            store: await ctx.store(),
            budget: opts.escalate ? parseBudget(opts.escalate, "--escalate") : config.triage.budget,
            escalateFrom: config.triage.escalateFrom,
          },
          input: {
            status: opts.status as "open",
            outcome: outcomes as ("act" | "attend" | "track*" | "track")[] | undefined,
            owner: opts.owner,
            asset: opts.asset,
            vuln: opts.vuln,
            kev: opts.kev,
            escalated: opts.escalated ? true : opts.notEscalated ? false : undefined,
            limit,
          },
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + "\n");
          return;
        }
        process.stdout.write(
          `${n(result.open)} open findings; ${color.bold(n(result.escalatedCount))} escalated (budget ${n(result.budgetCount)}` +
            (result.actOverflow > 0 ? color.red(`, ${n(result.actOverflow)} acts over budget`) : "") +
            ")\n\n",
        );
        if (result.rows.length === 0) {
          process.stdout.write("No findings match.\n");
          return;
        }
        process.stdout.write(
          table(
            [
              "ID",
              "ESC",
              "OUTCOME",
              "SCORE",
              "DUE",
              "VULNERABILITY",
              "COMPONENT",
              "FIX",
              "ASSET",
              "OWNER",
              "WHY",
            ],
            result.rows.map((r) => [
              r.fingerprint.slice(0, 12),
              r.escalated ? color.red("▲") : "",
              paintOutcome(r.outcome),
              r.score.toFixed(1),
              r.dueDate,
              // Stored findings hold report text: printable before any colour is added.
              printableLine(r.vulnId) + (r.kev ? color.red(" KEV") : ""),
              ...[
                r.component ? `${r.component} ${r.version}` : "—",
                applicableFix(r.version, r.fixedVersions) ?? "—",
                r.assetKey || "—",
                r.owner,
                r.topReason,
              ].map(printableLine),
            ]),
            44,
          ) + "\n",
        );
        if (result.rows.length === limit)
          process.stdout.write(color.dim(`\n(first ${limit}; use --limit for more)\n`));
      });
    });

  program
    .command("explain")
    .description("Explain in plain language why a stored finding got its decision")
    .argument("<id>", "finding id from `detente findings` (or its number)")
    .option("--json", "print the decision as JSON")
    .option("--config <file>", "detente.yaml with the triage policy")
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const config = await ctx.config();
        const store = await ctx.store();
        const stored = await getFinding({ ctx: { store }, input: { id } });
        const assets = await storedAssetMatcher(store, policyAssetDefaults(config.triage));
        const intel = storeIntel(store);
        await intel.prefetch([stored.finding.vulnId]);
        const asset = assets.match(stored.finding.assetKey);
        const decision = decide({
          finding: stored.finding,
          intel: intel.get(stored.finding.vulnId),
          asset,
          policy: config.triage,
          now: ctx.now,
          firstSeen: stored.firstSeen,
        });
        if (opts.json) {
          process.stdout.write(
            JSON.stringify({ ...stored, id: stored.fingerprint.slice(0, 12), decision }, null, 2) + "\n",
          );
          return;
        }
        // The explanation, scanner names, rules and event details quote report text: each line is made
        // printable, so a stored report cannot send escape sequences to the terminal.
        const lines = [
          ...explain(decision, stored.finding, asset).split("\n").map(printableLine),
          "",
          color.bold("Sources"),
        ];
        for (const s of stored.sources) {
          lines.push(
            printableLine(
              `  ${s.scanner}${s.rule ? ` (${s.rule})` : ""}: first seen ${day(s.firstSeen)}, last seen ${day(s.lastSeen)}${s.present ? "" : ", no longer reports it"}`,
            ),
          );
        }
        lines.push("", color.bold("History"), `  ${day(stored.firstSeen)} first seen`);
        for (const e of stored.events)
          lines.push(printableLine(`  ${day(e.at)} ${e.kind}${e.detail ? `: ${e.detail}` : ""}`));
        process.stdout.write(lines.join("\n") + "\n");
      });
    });
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}
