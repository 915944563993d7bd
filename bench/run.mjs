// detente's benchmark (`npm run bench`): a generated Trivy report of N findings over 2,000 assets,
// measured in one run:
//   1. the physical limit: plain JSON.parse of the same bytes, in pieces below V8's string limit;
//   2. stateless `detente triage` of the report (wall time, findings/s, peak RSS);
//   3. `detente import` into PostgreSQL and into the embedded PGlite, then a re-import of the same report.
//
//   node bench/run.mjs [--findings 1000000] [--assets 2000] [--skip pglite,postgres] [--out bench/out]
//
// PostgreSQL: DETENTE_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) is used to
// create and drop a database `detente_bench`. Results go to bench/out/results.json and are printed as a
// Markdown table for docs/benchmarks.md.
import { execFile, spawn } from "node:child_process";
import { createReadStream, existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = parseArgs(process.argv.slice(2));
const findings = Number(args.findings ?? 1_000_000);
const assets = Number(args.assets ?? 2000);
const outDir = args.out ?? join(root, "bench", "out");
const skip = new Set((args.skip ?? "").split(",").filter(Boolean));
const report = join(outDir, `trivy-${findings}.json`);
const adminUrl = process.env.DETENTE_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const run = promisify(execFile);
const results = { machine: machine(), findings, assets, report: {}, runs: [] };

await mkdir(outDir, { recursive: true });
if (!existsSync(report)) {
  console.error(`generating ${report} ...`);
  await run(
    process.execPath,
    [join(root, "bench", "generate-trivy.mjs"), report, String(findings), String(assets)],
    {
      maxBuffer: 1 << 20,
    },
  );
}
results.report = { path: report, bytes: statSync(report).size };
console.error(
  `report: ${(results.report.bytes / 1e9).toFixed(2)} GB, ${findings.toLocaleString("en-US")} findings`,
);

// 1. The physical limit: JSON.parse of every resource line (each far below V8's ~512 MB string limit),
//    lines cut from the raw bytes with Buffer#indexOf so that reading costs as little as it can.
{
  const t0 = performance.now();
  let parsed = 0;
  let rest = Buffer.alloc(0);
  const parseLine = (line) => {
    let s = line.toString("utf8");
    if (s.endsWith(",")) s = s.slice(0, -1);
    if (!s.startsWith('{"Namespace"')) return;
    const resource = JSON.parse(s);
    for (const r of resource.Results) parsed += r.Vulnerabilities.length;
  };
  for await (const chunk of createReadStream(report, { highWaterMark: 4 << 20 })) {
    const buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      parseLine(buf.subarray(start, nl));
      start = nl + 1;
    }
    rest = buf.subarray(start);
  }
  if (rest.length > 0) parseLine(rest);
  const seconds = (performance.now() - t0) / 1000;
  record("JSON.parse of the same bytes (the limit)", seconds, parsed, null);
}

// 2. Stateless triage.
{
  const home = await mkdtemp(join(tmpdir(), "detente-bench-"));
  const m = await timed(
    [join(root, "bin", "detente.js"), "triage", report, "--format", "json", "--output", "/dev/null"],
    {
      DETENTE_HOME: home,
    },
  );
  record("detente triage (stateless, --escalate 5%)", m.seconds, findings, m.maxRssKb);
  await rm(home, { recursive: true, force: true });
}

// 3. Import into PostgreSQL and PGlite, then re-import the same report.
if (!skip.has("postgres")) {
  const pg = (await import("pg")).default;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query("DROP DATABASE IF EXISTS detente_bench WITH (FORCE)");
  await admin.query("CREATE DATABASE detente_bench");
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = "/detente_bench";
  const home = await mkdtemp(join(tmpdir(), "detente-bench-"));
  const env = { DETENTE_HOME: home, DATABASE_URL: url.toString() };
  const first = await timed([join(root, "bin", "detente.js"), "import", report], env);
  record("detente import into PostgreSQL", first.seconds, findings, first.maxRssKb);
  const again = await timed([join(root, "bin", "detente.js"), "import", report], env);
  record("detente import into PostgreSQL, again (all duplicates)", again.seconds, findings, again.maxRssKb);
  await rm(home, { recursive: true, force: true });
}
if (!skip.has("pglite")) {
  const home = await mkdtemp(join(tmpdir(), "detente-bench-"));
  const first = await timed([join(root, "bin", "detente.js"), "import", report], { DETENTE_HOME: home });
  record("detente import into PGlite", first.seconds, findings, first.maxRssKb);
  const again = await timed([join(root, "bin", "detente.js"), "import", report], { DETENTE_HOME: home });
  record("detente import into PGlite, again (all duplicates)", again.seconds, findings, again.maxRssKb);
  await rm(home, { recursive: true, force: true });
}

const limit = results.runs[0];
for (const r of results.runs) r.ofLimit = limit ? Number((limit.seconds / r.seconds).toFixed(3)) : null;
await writeFile(join(outDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
console.log(markdown(results));

/** Run a command under /usr/bin/time to get its wall time and peak RSS; fail loudly on a non-zero exit. */
async function timed(argv, env) {
  return new Promise((resolve, reject) => {
    // bin/detente.js runs through its shebang, with the Node flags users get from `npx detente`.
    const child = spawn("/usr/bin/time", ["-f", "%e %M", ...argv], {
      env: { ...process.env, DETENTE_NO_PROGRESS: "1", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => {
      const last = stderr.trim().split("\n").pop() ?? "";
      const [seconds, kb] = last.split(" ").map(Number);
      if (code !== 0) reject(new Error(`${argv.join(" ")} exited ${code}:\n${stderr.slice(-2000)}`));
      else resolve({ seconds, maxRssKb: kb });
    });
  });
}

function record(what, seconds, count, maxRssKb) {
  const r = {
    what,
    seconds: Number(seconds.toFixed(2)),
    findingsPerSecond: Math.round(count / seconds),
    mbPerSecond: Number((results.report.bytes / 1e6 / seconds).toFixed(1)),
    peakRssMb: maxRssKb === null ? null : Math.round(maxRssKb / 1024),
  };
  results.runs.push(r);
  console.error(
    `${what}: ${r.seconds} s, ${r.findingsPerSecond.toLocaleString("en-US")} findings/s${r.peakRssMb ? `, peak RSS ${r.peakRssMb} MB` : ""}`,
  );
}

function markdown(res) {
  const rows = res.runs.map(
    (r) =>
      `| ${r.what} | ${r.seconds} | ${r.findingsPerSecond.toLocaleString("en-US")} | ${r.mbPerSecond} | ${r.peakRssMb ?? "—"} | ${r.ofLimit ?? "—"} |`,
  );
  return [
    `Machine: ${res.machine.cpu} x${res.machine.cores}, ${res.machine.memGb} GB RAM, Node ${res.machine.node}, ${res.machine.platform}`,
    `Report: ${(res.report.bytes / 1e9).toFixed(2)} GB Trivy k8s JSON, ${res.findings.toLocaleString("en-US")} findings over ${res.assets.toLocaleString("en-US")} assets`,
    "",
    "| run | seconds | findings/s | MB/s | peak RSS (MB) | speed vs JSON.parse |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

function machine() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

function parseArgs(list) {
  const out = {};
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (a.startsWith("--"))
      out[a.slice(2)] = list[i + 1] && !list[i + 1].startsWith("--") ? list[++i] : "true";
  }
  return out;
}
