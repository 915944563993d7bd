import { join } from "node:path";
import { Option, type Command } from "commander";
import { DetenteError } from "../errors.js";
import { redecideOpenFindings } from "../services/findings/redecide.js";
import { intelStatus, loadIntel } from "../services/intel/load.js";
import { openIntelFile } from "../vuln/intel/open.js";
import { syncIntel, type SyncSource } from "../vuln/intel/sync.js";
import type { CliContext } from "./context.js";
import { withContext } from "./context.js";
import { color, progressBar, table } from "./render.js";
import { VERSION } from "./version.js";

const n = (x: number): string => x.toLocaleString("en-US");

export function registerIntel(program: Command): void {
  const intel = program
    .command("intel")
    .description("Threat intelligence: CISA KEV, FIRST EPSS, NVD CVSS, CISA Vulnrichment SSVC");

  intel
    .command("load")
    .description(
      "Load intel files offline (KEV JSON, EPSS .csv/.csv.gz, NVD 2.0 JSON, vulnrichment records or directory)",
    )
    .argument("<file...>", "intel files or directories")
    .option("--config <file>", "detente.yaml with the triage policy")
    .action(async (files: string[], _opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        for (const path of files) await loadOne(ctx, path, path);
        await redecide(ctx);
      });
    });

  intel
    .command("sync")
    .description(
      "Download the official feeds (conditional requests; a failed download keeps the previous file), then load them",
    )
    .addOption(new Option("--source <sources>", "comma-separated feeds: kev, epss, nvd").default("kev,epss"))
    .option(
      "--nvd-feed <feeds>",
      "NVD feeds to fetch with --source nvd: years and/or modified, recent",
      "modified",
    )
    .option("--config <file>", "detente.yaml with the triage policy")
    .action(async (opts: { source: string; nvdFeed: string }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const sources = opts.source.split(",").map((s) => s.trim()) as SyncSource[];
        for (const s of sources) {
          if (!["kev", "epss", "nvd"].includes(s))
            throw new DetenteError("INVALID_INPUT", `--source: unknown feed "${s}" (kev, epss, nvd)`);
        }
        const bars = new Map<string, ReturnType<typeof progressBar>>();
        const results = await syncIntel({
          cacheDir: join(ctx.env.home, "intel"),
          sources,
          nvdFeeds: opts.nvdFeed.split(",").map((s) => s.trim()),
          userAgent: `detente/${VERSION}`,
          onProgress: (source, received, total) => {
            let bar = bars.get(source);
            if (!bar) bars.set(source, (bar = progressBar(`downloading ${source}`, total)));
            bar.update(received, total);
          },
        });
        for (const bar of bars.values()) bar.stop();
        let failed = 0;
        for (const r of results) {
          if (r.status === "failed") {
            failed++;
            process.stderr.write(`detente: ${r.source}: ${r.error?.message ?? "download failed"}\n`);
            continue;
          }
          process.stdout.write(
            `${r.source}: ${r.status === "updated" ? `downloaded ${n(r.bytes)} bytes` : "up to date"} (${r.url})\n`,
          );
          await loadOne(ctx, r.path, r.url);
        }
        await redecide(ctx);
        if (failed > 0)
          throw new DetenteError(
            "UPSTREAM",
            `${failed} feed${failed === 1 ? "" : "s"} could not be downloaded`,
          );
      });
    });

  intel
    .command("status")
    .description("Show each intel source's date, version and row count")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const rows = await intelStatus({ ctx: { store: await ctx.store() } });
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
          return;
        }
        const known = new Set(rows.map((r) => r.source));
        const missing = (["kev", "epss", "nvd", "vulnrichment"] as const).filter((s) => !known.has(s));
        process.stdout.write(
          table(
            ["SOURCE", "DATE", "VERSION", "ROWS", "LOADED", "FROM"],
            [
              ...rows.map((r) => [
                r.source,
                r.sourceDate.slice(0, 10),
                r.version,
                n(r.rows),
                r.loadedAt.slice(0, 16).replace("T", " "),
                r.origin,
              ]),
              ...missing.map((s) => [s, color.dim("not loaded"), "", "0", "", ""]),
            ],
            70,
          ) + "\n",
        );
      });
    });
}

async function loadOne(ctx: CliContext, path: string, origin: string): Promise<void> {
  const store = await ctx.store();
  const file = await openIntelFile(path);
  const bar = progressBar(`loading ${file.source}`, file.size);
  try {
    const result = await loadIntel({
      ctx: { store, now: ctx.now },
      input: {
        file,
        origin,
        onProgress: (b) => {
          bar.update(b);
        },
      },
    });
    bar.stop();
    const m = result.meta;
    process.stdout.write(
      `${color.bold(result.source)}: ${n(m.count)} entries from ${file.name}` +
        (m.version ? ` (version ${m.version}${m.date ? `, ${m.date.slice(0, 10)}` : ""})` : "") +
        `; ${n(result.rows)} rows now\n`,
    );
    for (const w of m.warnings) process.stderr.write(color.yellow(`warning: ${w}\n`));
  } finally {
    bar.stop();
  }
}

async function redecide(ctx: CliContext): Promise<void> {
  const config = await ctx.config();
  const changed = await redecideOpenFindings({
    ctx: { store: await ctx.store(), now: ctx.now, policy: config.triage },
  });
  if (changed.total > 0) {
    process.stdout.write(
      `re-decided ${n(changed.total)} open findings with the new intel: ${n(changed.changed)} changed outcome\n`,
    );
  }
}
