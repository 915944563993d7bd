// What the gateway benchmarks share (bench/gateway.mjs, bench/gateway-ab.mjs): the fake upstream and
// `detente gateway` as processes of their own, the 16 KB prompt, the load generator (bench/load.mjs) and
// CPU time read from /proc.
import { execFile, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const UPSTREAM_KEY = "sk-bench-upstream-0123456789abcdef";

/** Start a long-running process and wait for the line that says where it listens. */
export function startChild(children, name, command, argv, extraEnv, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env: { ...process.env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let seen = "";
    const onData = (b) => {
      seen += b.toString();
      const m = pattern.exec(seen);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${name} exited with ${code}:\n${seen.slice(-2000)}`)));
  });
}

/** The fake upstream of `root`'s build, with nothing recorded. */
export function startFakeUpstream(children, root) {
  return startChild(
    children,
    "fake upstream",
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { startFakeUpstream } = await import(${JSON.stringify(join(root, "dist", "ai", "fake-upstream", "index.js"))});
       const f = await startFakeUpstream({ recordRequests: false });
       console.log("listening on " + f.url);`,
    ],
    {},
    /listening on (http:\S+)/,
  );
}

/** A detente.yaml that routes gpt-* to the fake upstream with every detector on. */
export async function writeConfig(file, fakeUrl) {
  await writeFile(
    file,
    `ai:
  upstreams:
    openai: { type: openai, baseUrl: "${fakeUrl}/v1", apiKey: { env: BENCH_UPSTREAM_KEY } }
  models:
    - { name: "gpt-*", upstream: openai }
  detectors:
    pii: true
    sourceCode: true
    injection: true
    unsafeCode: true
    confidential:
      labels: ["CONFIDENTIAL", "INTERNAL ONLY"]
      domains: ["corp.example.com"]
      dictionaries: { codenames: ["Project Falcon", "Bluebird"] }
      patterns: [{ name: ticket, pattern: "FIN-####" }]
`,
  );
}

/**
 * `detente gateway` of `root`'s build in a home of its own (`home`; the embedded store is one process's),
 * with a key made there: { child, url, key }.
 */
export async function startDetente(children, { root, home, config, name, extraArgs = [] }) {
  const env = { DETENTE_HOME: home, DATABASE_URL: "", BENCH_UPSTREAM_KEY: UPSTREAM_KEY, NO_COLOR: "1" };
  const bin = join(root, "bin", "detente.js");
  const created = await promisify(execFile)(
    process.execPath,
    [bin, "keys", "create", "--user", "bench@example.com", "--team", "bench", "--json"],
    { env: { ...process.env, ...env } },
  );
  const started = await startChild(
    children,
    name,
    bin,
    ["gateway", "--port", "0", "--config", config, ...extraArgs],
    env,
    /listening on (http:\S+)/,
  );
  return { ...started, key: JSON.parse(created.stdout).key };
}

/** Run bench/load.mjs with `spec` and return what it measured. */
export function load(root, spec) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(root, "bench", "load.mjs"), JSON.stringify(spec)],
      { maxBuffer: 1 << 20 },
      (err, stdout) => {
        if (err) reject(err);
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

/** A chat request with the given system prompt and question. */
export function chatBody(system, question) {
  return JSON.stringify({
    model: "gpt-4o",
    messages: [
      { role: "system", content: system },
      { role: "user", content: question },
    ],
  });
}

/**
 * A chat request whose user pastes `pasted` and then asks `question`, as two user messages: the fake
 * upstream answers the last one (`You said: ...`), so the answer stays short as with `chatBody`.
 */
export function pastedBody(pasted, question) {
  return JSON.stringify({
    model: "gpt-4o",
    messages: [
      { role: "system", content: "You are a careful code reviewer." },
      { role: "user", content: pasted },
      { role: "user", content: question },
    ],
  });
}

/** 16 KB of code and prose with nothing to redact: every detector reads all of it. */
export function sixteenKb() {
  const prose =
    "The ledger service records every payment event once, reconciles the day's totals against the bank " +
    "statement at midnight, and raises an alert when the two disagree by more than a cent. ";
  const code = `export function reconcile(events, statement) {
  const totals = new Map();
  for (const e of events) totals.set(e.account, (totals.get(e.account) ?? 0) + e.cents);
  const diffs = [];
  for (const [account, cents] of totals) {
    const expected = statement.get(account) ?? 0;
    if (Math.abs(expected - cents) > 1) diffs.push({ account, expected, cents });
  }
  return diffs;
}
`;
  let out = "";
  while (out.length < 16 * 1024) out += prose + "\n\n" + code + "\n";
  return out.slice(0, 16 * 1024);
}

/**
 * User and system CPU time a process and its children (a gateway's workers) have used so far, in ms
 * (from /proc; clock ticks of 10 ms).
 */
export function cpuMs(pid) {
  let total = 0;
  let system = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fields;
    try {
      fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ");
    } catch {
      continue; // gone meanwhile
    }
    if (Number(entry) !== pid && Number(fields[1]) !== pid) continue;
    system += Number(fields[12]) * 10;
    total += (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return { total, system };
}

/**
 * CPU time (ms) of each thread of one process, by thread id: the main thread's id is the process's.
 */
export function threadCpuMs(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
      out.set(Number(tid), (Number(f[11]) + Number(f[12])) * 10);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function machine() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function parseArgs(list) {
  const out = {};
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (a.startsWith("--"))
      out[a.slice(2)] = list[i + 1] && !list[i + 1].startsWith("--") ? list[++i] : "true";
  }
  return out;
}
