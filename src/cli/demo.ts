import { readdir, readFile, writeFile } from "node:fs/promises";
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
import { startFakeUpstream } from "../ai/fake-upstream/index.js";
import type { Config } from "../config/load.js";
import { generatePassword } from "../services/auth/password.js";
import { countUsers, createUser, findUser } from "../services/auth/users.js";
import { cliContext, withContext, type CliContext } from "./context.js";
import { demoConfig, sendDemoTraffic, waitForEvents } from "./demo-ai.js";
import { serve } from "./serve.js";
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
    .option("--serve", "then run the server with the dashboard, and send demo AI traffic through its gateway")
    .option("--host <host>", "with --serve: address to listen on", "127.0.0.1")
    .option("--port <port>", "with --serve: port to listen on", "8080")
    .action(async (opts: { serve?: boolean; host: string; port: string }, cmd: Command) => {
      if (opts.serve) {
        await serveDemo(cmd, opts);
        return;
      }
      await withContext(cmd, async (ctx) => {
        const config = await ctx.config();
        const store = await ctx.store();
        await loadDemoData(ctx, config);
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

/** Load the demo company's assets and one sample report of every format, once. */
async function loadDemoData(ctx: CliContext, config: Config): Promise<void> {
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
        input: { report: { ...report, name: file }, fullScan: false, decider },
      });
      process.stdout.write(`  ${file} (${r.format}): ${r.read} findings, ${r.created} new\n`);
    }
  } else {
    process.stdout.write(`Using the data already in ${store.location}.\n`);
  }
}

/** Demo users, one per kind of reader, with generated passwords kept (0600) in DETENTE_HOME for the next start. */
const DEMO_USERS = [
  { username: "admin", role: "admin", displayName: "Administrator" },
  { username: "ciso", role: "security", displayName: "Chief Information Security Officer" },
  { username: "cio", role: "viewer", displayName: "Chief Information Officer" },
  { username: "platform", role: "it", displayName: "Platform team lead" },
] as const;

async function demoUsers(ctx: CliContext): Promise<string[]> {
  const store = await ctx.store();
  const file = join(ctx.env.home, "demo-users.json");
  let saved: Record<string, string> | null = null;
  try {
    saved = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  } catch {
    saved = null;
  }
  if (!saved) {
    if ((await countUsers(store)) > 0)
      return [`  Sign in with your detente user (an admin adds one: detente users add NAME --role viewer)`];
    saved = {};
    for (const u of DEMO_USERS) {
      const password = generatePassword();
      await createUser({ ctx: { store, now: new Date(), actor: "detente demo" }, input: { ...u, password } });
      saved[u.username] = password;
    }
    await writeFile(file, JSON.stringify(saved, null, 2) + "\n", { mode: 0o600 });
  } else {
    // A kept file and a new store (another DATABASE_URL, a deleted database): put the users back.
    for (const u of DEMO_USERS) {
      const password = saved[u.username];
      if (password && !(await findUser(store, u.username)))
        await createUser({
          ctx: { store, now: new Date(), actor: "detente demo" },
          input: { ...u, password },
        });
    }
  }
  return [
    `  Demo users (passwords kept in ${file}; delete it and the users with your own data):`,
    ...DEMO_USERS.filter((u) => saved[u.username]).map(
      (u) =>
        `    ${color.bold(u.username.padEnd(9))} ${saved[u.username]!}   ${u.role.padEnd(8)} ${u.displayName}`,
    ),
  ];
}

/**
 * `detente demo --serve` (what `npm start` runs): the demo data, then the server. With no detente.yaml
 * of your own, the AI gateway uses a demo policy whose providers are a local fake that speaks OpenAI's
 * and Anthropic's wire formats, and the first start sends real requests through the gateway, so the
 * AI pages show what the gateway allowed, redacted, rerouted and blocked.
 */
async function serveDemo(cmd: Command, opts: { host: string; port: string }): Promise<void> {
  const ctx = cliContext(cmd);
  const config = await ctx.config();
  await loadDemoData(ctx, config);
  const signIn = await demoUsers(ctx);
  if (config.source !== "defaults") {
    await serve(ctx, opts, { config, signIn });
    return;
  }
  process.env.DETENTE_DEMO_UPSTREAM_KEY ??= generatePassword();
  const fake = await startFakeUpstream({ requireAuth: false, recordRequests: false });
  await serve(ctx, opts, {
    config: demoConfig("", fake.url),
    signIn: [
      ...signIn,
      `  The AI gateway's providers are a local fake at ${fake.url}: nothing leaves this machine.`,
    ],
    ready: async (url, store) => {
      const [r] = await store.query<{ n: string }>(`SELECT count(*) AS n FROM ai_events`);
      if (Number(r?.n ?? 0) > 0) return;
      process.stderr.write("Sending demo requests through the AI gateway ...\n");
      const sent = await sendDemoTraffic({ url, store, now: new Date() });
      await waitForEvents(store, sent);
    },
    closed: () => fake.close(),
  });
}
