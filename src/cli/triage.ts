import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { Option, type Command } from "commander";
import { DetenteError } from "../errors.js";
import { policyAssetDefaults } from "../services/assets/store-assets.js";
import { triageIntel } from "../services/intel/triage-intel.js";
import { runTriage, type TriagedFinding, type TriageResult } from "../services/triage/run-triage.js";
import { describeUnmatchedWithKeys } from "../vuln/assets/defaults.js";
import { loadAssets } from "../vuln/assets/load.js";
import { createAssetMatcher } from "../vuln/assets/matcher.js";
import { csvHeader, csvLine } from "../vuln/export/csv.js";
import { markdownReport } from "../vuln/export/markdown.js";
import { sarifLog } from "../vuln/export/sarif.js";
import type { ExportedFinding, ExportSummary } from "../vuln/export/types.js";
import { fingerprint } from "../vuln/fingerprint.js";
import { parseBudget } from "../vuln/triage/budget.js";
import { outcomeRank } from "../vuln/triage/score.js";
import { withContext } from "./context.js";
import { renderTriageTable } from "./triage-table.js";
import { progressBar } from "./render.js";
import { VERSION } from "./version.js";

interface TriageOptions {
  assets?: string;
  escalate?: string;
  format: "table" | "json" | "csv" | "sarif" | "markdown";
  output?: string;
  failOn?: "act" | "attend";
  asset?: string;
  inputFormat?: string;
  intel: string[];
  all?: boolean;
}

export function registerTriage(program: Command): void {
  program
    .command("triage")
    .description(
      "Triage scanner reports without storing anything (for CI): decide, escalate the few that matter, explain why",
    )
    .argument(
      "<report...>",
      "report files (Trivy, Grype, OSV-Scanner, SARIF, CycloneDX, Nessus, CSV), or - for stdin",
    )
    .option("--assets <file>", "asset inventory (assets.yaml or .csv) giving owner, criticality and exposure")
    .option(
      "--escalate <budget>",
      'escalation budget: a share like "5%" or a count like "25" (default from detente.yaml: 5%)',
    )
    .addOption(
      new Option("--format <format>", "output format")
        .choices(["table", "json", "csv", "sarif", "markdown"])
        .default("table"),
    )
    .option("-o, --output <file>", "write the output to a file instead of stdout")
    .addOption(
      new Option(
        "--fail-on <outcome>",
        "exit 1 when any open finding is decided at or above this outcome",
      ).choices(["act", "attend"]),
    )
    .option("--asset <key>", "asset key for every finding (for reports that do not name the scanned asset)")
    .option("--input-format <id>", "read every report as this format instead of detecting it")
    .option(
      "--intel <file>",
      "intel file to use (KEV JSON, EPSS CSV, NVD JSON, vulnrichment); repeatable",
      collect,
      [],
    )
    .option("--all", "output every finding with its decision, not only the escalated ones")
    .option("--config <file>", "detente.yaml with the triage policy")
    .action(async (reports: string[], opts: TriageOptions, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const config = await ctx.config();
        const policy = config.triage;
        const budget = opts.escalate ? parseBudget(opts.escalate, "--escalate") : policy.budget;
        const defaults = policyAssetDefaults(policy);
        const inventory = opts.assets ? await loadAssets(opts.assets, { defaults }) : null;
        const assets = createAssetMatcher(inventory?.assets ?? [], inventory?.defaults ?? defaults);
        const intel = await triageIntel({
          store: ctx.hasStore() ? await ctx.store() : null,
          files: opts.intel,
        });
        const bar = progressBar("reading", undefined);
        let result: TriageResult;
        try {
          result = await runTriage({
            ctx: { intel, assets, policy, now: ctx.now },
            input: {
              reports,
              budget,
              assetKey: opts.asset,
              inputFormat: opts.inputFormat,
              keepAll: opts.all === true,
              onProgress: (_name, read, size) => {
                bar.update(read, size);
              },
            },
          });
        } finally {
          bar.stop();
        }
        const summary: ExportSummary = {
          generatedAt: ctx.now.toISOString(),
          reports: result.reports,
          read: result.read,
          distinct: result.distinct,
          byOutcome: result.byOutcome,
          closed: result.closed,
          budget: result.escalation.budget,
          budgetLimit: result.escalation.limit,
          escalated: result.escalation.escalated.length,
          actOverflow: result.escalation.actOverflow,
          unmatched: describeUnmatchedWithKeys(result.assetStats, inventory?.defaults ?? defaults),
        };
        const rows = (opts.all ? result.all() : result.escalated)[Symbol.iterator]();
        await writeOutput(opts, summary, mapIterator(rows, exported));
        if (opts.failOn) failOn(opts.failOn, result);
      });
    });
}

function exported(t: TriagedFinding): ExportedFinding {
  return { ...t, id: fingerprint(t.finding).slice(0, 12) };
}

function* mapIterator<A, B>(it: Iterator<A>, f: (a: A) => B): Generator<B> {
  for (let r = it.next(); !r.done; r = it.next()) yield f(r.value);
}

async function writeOutput(
  opts: TriageOptions,
  summary: ExportSummary,
  rows: Iterable<ExportedFinding>,
): Promise<void> {
  const out = opts.output ? await openOutput(opts.output) : process.stdout;
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, "drain");
  };
  switch (opts.format) {
    case "table":
      await write(renderTriageTable(summary, [...rows]));
      break;
    case "markdown":
      await write(markdownReport(summary, [...rows]));
      break;
    case "sarif":
      await write(JSON.stringify(sarifLog(summary, [...rows], { version: VERSION }), null, 2) + "\n");
      break;
    case "csv":
      await write(csvHeader());
      for (const r of rows) await write(csvLine(r));
      break;
    case "json": {
      // Streamed row by row: with --all this can be a million findings.
      await write(`{"summary":${JSON.stringify(summary)},"findings":[`);
      let first = true;
      for (const r of rows) {
        await write((first ? "\n" : ",\n") + JSON.stringify(jsonRow(r)));
        first = false;
      }
      await write("\n]}\n");
      break;
    }
  }
  if (out !== process.stdout) {
    out.end();
    await once(out, "finish");
  }
}

/** Open the output file only once there is something to write, so a failed triage leaves no file. */
async function openOutput(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path);
  try {
    await once(stream, "open");
  } catch (e) {
    throw new DetenteError(
      "INVALID_INPUT",
      `--output ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return stream;
}

function jsonRow(e: ExportedFinding): object {
  return {
    id: e.id,
    escalated: e.escalated,
    ...e.finding,
    asset: {
      key: e.asset.asset.key,
      name: e.asset.asset.name,
      owner: e.asset.asset.owner,
      matched: e.asset.matched,
    },
    scanners: e.scanners,
    decision: e.decision,
  };
}

function failOn(threshold: "act" | "attend", result: TriageResult): void {
  const rank = outcomeRank(threshold);
  const hits =
    (rank <= outcomeRank("act") ? result.byOutcome.act : 0) +
    (rank <= outcomeRank("attend") ? result.byOutcome.attend : 0);
  if (hits > 0) {
    process.stderr.write(
      `detente: ${hits} open finding${hits === 1 ? "" : "s"} decided ${threshold} or above (--fail-on ${threshold})\n`,
    );
    throw new DetenteError("POLICY_FAIL", `--fail-on ${threshold}`);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
