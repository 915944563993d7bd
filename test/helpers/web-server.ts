import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import { packageRoot } from "../../src/paths.js";
import { buildServer } from "../../src/server/app.js";
import { createEventWriter } from "../../src/services/ai/event-writer.js";
import { eventMix } from "../../src/services/ai/testing.js";
import {
  policyAssetDefaults,
  replaceAssets,
  storedAssetMatcher,
} from "../../src/services/assets/store-assets.js";
import { createUser } from "../../src/services/auth/users.js";
import { createDecider } from "../../src/services/findings/create-decider.js";
import { importReport } from "../../src/services/findings/import-report.js";
import { seedBundledIntel } from "../../src/services/intel/seed.js";
import { storeIntel } from "../../src/services/intel/store-lookup.js";
import type { Store } from "../../src/store/open.js";
import { openPgliteStore } from "./stores.js";
import { loadAssets } from "../../src/vuln/assets/load.js";
import { openReport } from "../../src/vuln/formats/read.js";

/** The policy the dashboard tests run with: the AI policy documentation's example, so every part shows. */
const POLICY = `
triage:
  budget: 5%
ai:
  failMode: closed
  upstreams:
    openai:    { type: openai, apiKey: { env: OPENAI_API_KEY } }
    anthropic: { type: anthropic, apiKey: { env: ANTHROPIC_API_KEY } }
    local:     { type: openai-compatible, baseUrl: "http://127.0.0.1:11434/v1", hosting: self-hosted }
  models:
    - { name: "gpt-*", upstream: openai }
    - { name: "claude-*", upstream: anthropic }
    - { name: "qwen2.5-coder", upstream: local, as: "qwen2.5-coder:32b" }
  rules:
    - { data: secret, action: block, message: "Remove the secret and use an environment variable reference instead." }
    - { data: pii, to: [external, zero-retention], action: redact }
    - { data: source-code, to: external, action: reroute, model: qwen2.5-coder }
    - { data: injection, action: warn }
`;

export interface WebUser {
  readonly username: string;
  readonly password: string;
}

export interface WebServer {
  /** Where the server listens, e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  readonly store: Store;
  readonly admin: WebUser;
  readonly viewer: WebUser;
  close(): Promise<void>;
}

/** Plausible reasons for the sample AI events, in the gateway's own wording. */
function reasonFor(action: string): string[] {
  switch (action) {
    case "block":
      return ["1 secret (aws-access-key-id): blocked everywhere by rule 1 (secret -> block)"];
    case "redact":
      return ["2 personal data (email): redacted for external by rule 2 (pii -> redact)"];
    case "warn":
      return ["1 prompt injection (instruction-override): warned by rule 4 (injection -> warn)"];
    case "reroute":
      return ["source code (typescript): sent to qwen2.5-coder instead by rule 3 (source-code -> reroute)"];
    case "deny":
      return ["no valid detente key"];
    case "error":
      return ["the upstream answered 502"];
    default:
      return [];
  }
}

/**
 * The whole server on a free port, as `detente serve` runs it, over a throw-away embedded store holding
 * the demo company (assets and every sample report), the bundled KEV snapshot, two days of AI gateway
 * events, and two users: an admin and a viewer. Serves the dashboard built in dist/web (run
 * `npm run build:web` first).
 *
 * @example
 * const server = await startWebServer();
 * await page.goto(server.url);
 * await server.close();
 */
export async function startWebServer(): Promise<WebServer> {
  const testStore = await openPgliteStore();
  const { store, where: home } = testStore;
  const dispose = (): Promise<void> => testStore.dispose();
  try {
    const config = parseConfig(POLICY, "detente.yaml");
    const now = new Date();
    await seedBundledIntel({ store, now });

    const demo = join(packageRoot(), "data", "demo");
    const inventory = await loadAssets(join(demo, "assets.yaml"), {
      defaults: policyAssetDefaults(config.triage),
    });
    await replaceAssets({ ctx: { store, now }, input: inventory });
    const decider = createDecider({
      intel: storeIntel(store),
      assets: await storedAssetMatcher(store, inventory.defaults),
      policy: config.triage,
      now,
    });
    // Every sample report but the payments API's: the test uploads one of them through the dashboard
    // and finds its findings new (the other reports the same vulnerabilities, so it waits too).
    for (const file of (await readdir(join(demo, "reports"))).sort()) {
      if (file === UPLOADED_REPORT || file === "grype-payments-api.json") continue;
      await importReport({
        ctx: { store, now },
        input: { report: await openReport(join(demo, "reports", file)), fullScan: false, decider },
      });
    }

    const events = createEventWriter({ store });
    const start = new Date(now.getTime() - 2 * 86_400_000);
    for (const e of eventMix(360, start)) events.write({ ...e, reasons: reasonFor(e.action) });
    await events.close();

    const admin = { username: "ada", password: "correct horse battery staple" };
    const viewer = { username: "victor", password: "viewer password for tests" };
    const ctx = { store, now, actor: "test" };
    await createUser({ ctx, input: { ...admin, role: "admin", displayName: "Ada Admin" } });
    await createUser({ ctx, input: { ...viewer, role: "viewer", displayName: "Victor Viewer" } });

    const { app } = await buildServer({
      store,
      config,
      home,
      env: { OPENAI_API_KEY: "sk-test-unused", ANTHROPIC_API_KEY: "sk-ant-test-unused" },
      webRoot: join(packageRoot(), "dist", "web"),
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    return {
      url,
      store,
      admin,
      viewer,
      async close() {
        await app.close();
        await dispose();
      },
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** The sample report the dashboard test uploads itself (the store starts without it). */
export const UPLOADED_REPORT = "trivy-payments-api.json";

/** Its path, for the browser's file chooser. */
export function uploadedReportPath(): string {
  return join(packageRoot(), "data", "demo", "reports", UPLOADED_REPORT);
}
