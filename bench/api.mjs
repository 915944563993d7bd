// The API's findings listing at scale (issue 4: "cursor pagination that stays fast at 1,000,000 findings
// in PostgreSQL"): the generated Trivy report of bench/run.mjs is imported into a PostgreSQL database
// `detente_bench_api`, then the real server (dist/) is started in this process and timed over HTTP with
// an API token: the first page, a page deep in the queue (by cursor), filtered pages, a finding's
// detail and the overview scorecard. Each is the median of several requests.
//
//   node bench/api.mjs [--findings 1000000] [--out bench/out] [--keep]
//
// DETENTE_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) is used to create and
// drop the database (kept with --keep, to rerun without importing again).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) =>
      a.startsWith("--") ? [a.slice(2), all[i + 1]?.startsWith("--") ? true : (all[i + 1] ?? true)] : [],
    )
    .filter((x) => x.length),
);
const findings = Number(args.findings ?? 1_000_000);
const outDir = args.out ?? join(root, "bench", "out");
const report = join(outDir, `trivy-${findings}.json`);
const adminUrl = process.env.DETENTE_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const run = promisify(execFile);
const DB = "detente_bench_api";

await mkdir(outDir, { recursive: true });
if (!existsSync(report)) {
  console.error(`generating ${report} ...`);
  await run(process.execPath, [join(root, "bench", "generate-trivy.mjs"), report, String(findings), "2000"]);
}
const url = new URL(adminUrl);
url.pathname = `/${DB}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const [{ exists }] = (
  await admin.query(`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists`, [DB])
).rows;
const home = await mkdtemp(join(tmpdir(), "detente-bench-api-"));
if (!exists || !args.keep) {
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  console.error(`importing ${findings.toLocaleString("en-US")} findings into PostgreSQL ...`);
  await run(process.execPath, [join(root, "bin", "detente.js"), "import", report], {
    env: { ...process.env, DATABASE_URL: url.toString(), DETENTE_HOME: home },
    maxBuffer: 1 << 24,
  });
}

const { openStore } = await import(join(root, "dist", "store", "open.js"));
const { buildServer } = await import(join(root, "dist", "server", "app.js"));
const { loadConfig } = await import(join(root, "dist", "config", "load.js"));
const { createUser } = await import(join(root, "dist", "services", "auth", "users.js"));
const { createToken } = await import(join(root, "dist", "services", "auth", "tokens.js"));
const store = await openStore({ home, databaseUrl: url.toString() });
const config = await loadConfig(undefined);
const name = `bench-${Date.now()}`;
const user = await createUser({
  ctx: { store, now: new Date(), actor: "bench" },
  input: { username: name, role: "viewer", password: "benchmark password 12345" },
});
const { token } = await createToken({
  ctx: { store, now: new Date(), owner: { id: user.id, username: name, role: "viewer" } },
  input: { name: "bench", scopes: ["read"] },
});
const { app } = await buildServer({ store, config, home, env: {} });
await app.listen({ host: "127.0.0.1", port: 0 });
const base = `http://127.0.0.1:${app.server.address().port}`;

async function get(path) {
  const t0 = performance.now();
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.json();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return { ms, body };
}
async function median(path, n = 7) {
  const times = [];
  let body;
  for (let i = 0; i < n; i++) ({ ms: times[i], body } = await get(path));
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(n / 2)], body };
}

// A cursor 90% of the way down the queue, built from the row there (what the client would hold after
// following nextCursor that far).
const [deep] = (
  await store.query(
    `SELECT outcome_rank AS r, score AS s, id FROM findings WHERE status IN ('open', 'under_investigation')
      ORDER BY outcome_rank DESC NULLS LAST, score DESC NULLS LAST, id OFFSET $1 LIMIT 1`,
    [Math.floor(findings * 0.9)],
  )
).map((r) =>
  Buffer.from(JSON.stringify(["queue", Number(r.r), Number(r.s), Number(r.id)])).toString("base64url"),
);

const cases = [
  ["first page of the queue (50)", "/api/findings?limit=50"],
  ["next page (by cursor)", null],
  ["a page 90% down the queue (by cursor)", `/api/findings?limit=50&cursor=${deep}`],
  ["escalated only", "/api/findings?escalated=true&limit=50"],
  ["one asset", null],
  ["outcome attend, in CISA KEV", "/api/findings?outcome=attend&kev=true&limit=50"],
  ["overdue escalations", "/api/findings?escalated=true&sla=overdue&limit=50"],
  ["sorted by due date", "/api/findings?sort=due&limit=50"],
  ["one finding's detail", null],
  ["the overview scorecard", "/api/overview"],
];
const rows = [];
let first;
for (const [what, path0] of cases) {
  let path = path0;
  if (what.startsWith("next page")) path = `/api/findings?limit=50&cursor=${first.body.nextCursor}`;
  if (what === "one asset")
    path = `/api/findings?asset=${encodeURIComponent(first.body.rows[0].assetKey)}&limit=50`;
  if (what.startsWith("one finding")) path = `/api/findings/${first.body.rows[0].fingerprint.slice(0, 12)}`;
  const r = await median(path);
  if (what.startsWith("first page")) first = r;
  rows.push({
    what,
    ms: Math.round(r.ms * 10) / 10,
    rows: Array.isArray(r.body.rows) ? r.body.rows.length : null,
  });
  console.error(`${what}: ${r.ms.toFixed(1)} ms`);
}
await app.close();
await store.close();
if (!args.keep) await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
await admin.end();
await rm(home, { recursive: true, force: true });

const machine = `${cpus()[0]?.model.trim()} x${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}`;
await writeFile(join(outDir, "api.json"), JSON.stringify({ machine, findings, rows }, null, 2));
console.log(`Machine: ${machine}; ${findings.toLocaleString("en-US")} findings in PostgreSQL\n`);
console.log("| request | median ms | rows |\n| --- | ---: | ---: |");
for (const r of rows) console.log(`| ${r.what} | ${r.ms} | ${r.rows ?? "—"} |`);
