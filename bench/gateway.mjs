// The AI gateway benchmark (`npm run bench:gateway`, or `node bench/gateway.mjs` after a build):
// a fake upstream that speaks OpenAI's wire format, the real `detente gateway` (every detector on,
// auditing to its embedded store) and Portkey's open-source gateway (`@portkey-ai/gateway` from npm, no
// guardrails) in front of it, each a process of its own, driven by a closed-loop load generator in
// another process (bench/load.mjs), all on this machine. CPU per request counts a process and its
// children (detente's workers and the process that keeps their store).
//   - overhead: p50 latency at 1 connection and throughput at 50 connections with a 16 KB prompt, for the
//     fake upstream called directly, through detente (one process, and with `--workers N` for each N of
//     `--workers`, 1,2 by default) and through Portkey; detente three times: with the 16 KB system
//     prompt resent and a new question on every request (as assistants resend their system prompt, which
//     it inspects twice per key, then remembers), with every prompt new (each request's system prompt
//     numbered, so all of its 16 KB is inspected; `--skip unique` drops it), and with the 16 KB numbered
//     as the user's message, where the source-code and injection detectors read it too (they do not run
//     on system prompts; `--skip user` drops it). No two request bodies are ever alike;
//   - streaming: time to first token through detente against calling the fake upstream directly.
//
// Each target is first primed for `--prime` seconds at 50 connections (not counted), so that every process
// is measured warm (JIT-compiled code, the embedded store's WebAssembly tiered up), not in its first seconds.
//
// With `--repeat N`, every measurement is taken N times, the targets taking turns, and the table shows
// each target's median run (by CPU per request; every run is in gateway.json): on a machine busy with other
// work one run can be off by a factor of two. CPU is split into user and system (kernel) time.
//
//   node bench/gateway.mjs [--seconds 10] [--prime 5] [--repeat 1] [--workers 1,2] [--skip portkey,unique,user] [--out bench/out]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  UPSTREAM_KEY,
  chatBody,
  cpuMs,
  load as loadWith,
  machine,
  parseArgs,
  pastedBody,
  sixteenKb,
  startDetente as startDetenteIn,
  startFakeUpstream,
  writeConfig,
} from "./gateway-parts.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = parseArgs(process.argv.slice(2));
const seconds = Number(args.seconds ?? 10);
const prime = Number(args.prime ?? 5);
const repeat = Math.max(1, Number(args.repeat ?? 1));
const skip = new Set((args.skip ?? "").split(",").filter(Boolean));
const outDir = args.out ?? join(root, "bench", "out");
const children = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

await mkdir(outDir, { recursive: true });
const work = await mkdtemp(join(tmpdir(), "detente-gw-bench-"));
const results = { machine: machine(), seconds, prime, repeat, promptBytes: 0, runs: [], all: [], ttft: [] };

// 1. The fake upstream, with nothing recorded.
const fake = await startFakeUpstream(children, root);

// 2. detente: a key, then the gateway with every detector on.
const config = join(work, "detente.yaml");
await writeConfig(config, fake.url);
/** `detente gateway` in a home of its own (the embedded store is one process's), with a key made there. */
function startDetente(name, home, extraArgs) {
  return startDetenteIn(children, { root, home: join(work, home), config, name, extraArgs });
}
const detente = await startDetente("detente gateway", "home", []);
// The same with worker processes (`--workers N`): the process started keeps the store.
const withWorkers = [];
for (const n of (args.workers ?? "1,2").split(",").filter((w) => /^\d+$/.test(w)))
  withWorkers.push({
    n,
    ...(await startDetente(`detente gateway --workers ${n}`, `home-workers-${n}`, ["--workers", n])),
  });

// 3. Portkey's gateway, headless, pointed at the same fake upstream per request.
let portkey = null;
if (!skip.has("portkey")) {
  const port = await freePort();
  const bin = join(root, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");
  const child = spawn(process.execPath, [bin, `--port=${port}`, "--headless"], {
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "ignore", "ignore"],
  });
  children.push(child);
  portkey = { url: `http://127.0.0.1:${port}`, pid: child.pid };
  await waitFor(async () => (await fetch(portkey.url)).ok, "Portkey to start");
}

// A 16 KB prompt of code and prose with nothing to redact. As a system prompt it is read by the secret,
// PII and confidential detectors; as the user's message by the source-code and injection detectors too
// (they do not run on system prompts: see ROLE_GATES in src/ai/inspect/engine.ts).
const prompt = sixteenKb();
results.promptBytes = Buffer.byteLength(prompt);
const bodyFile = join(work, "body.json");
const chat = chatBody;
// Every request is numbered where `#nonce######` first appears (bench/load.mjs's "unique"), so no two
// bodies are alike. Here the question is: the 16 KB system prompt is resent unchanged with every new
// question, as an assistant does (the gateway inspects it twice per key and then remembers it).
await writeFile(bodyFile, chat(prompt, "Question #nonce######: review the module above and list its risks."));
// The same size, but the number is in the system prompt, so the gateway cannot have seen it before:
// what a request costs when all of its 16 KB is inspected.
const NONCE_LINE = "Session #nonce######.\n";
const uniqueBodyFile = join(work, "body-unique.json");
await writeFile(
  uniqueBodyFile,
  chat(NONCE_LINE + prompt.slice(NONCE_LINE.length), "Review the module above and list its risks."),
);
// The same 16 KB numbered again, as a user's message after a one-line system prompt, with the question
// in a second one (the fake upstream echoes the last): every detector reads all of the 16 KB (what a
// request costs when a user pastes 16 KB of new code).
const userBodyFile = join(work, "body-user.json");
await writeFile(
  userBodyFile,
  pastedBody(NONCE_LINE + prompt.slice(NONCE_LINE.length), "Review the module above and list its risks."),
);
const VARIANTS = [
  { variant: "resent", label: ", system prompt resent", bodyFile },
  { variant: "new", label: ", every prompt new", bodyFile: uniqueBodyFile },
  { variant: "user", label: ", every prompt new as the user's message", bodyFile: userBodyFile },
].filter((v) => v.variant === "resent" || !skip.has(v.variant === "new" ? "unique" : "user"));
// Each detente target once per variant: the system prompt resent with a new question (what assistants
// send), every prompt new, and every prompt new in the user's message (`--skip unique,user` drops them).
const targets = [
  {
    name: "fake upstream, direct",
    kind: "direct",
    url: `${fake.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
    pid: fake.child.pid,
  },
];
for (const { variant, label: fresh, bodyFile: file } of VARIANTS) {
  const unique = variant !== "resent";
  targets.push({
    name: `detente${fresh} (every detector, audit on)`,
    kind: "detente",
    unique,
    variant,
    bodyFile: file,
    url: `${detente.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${detente.key}` },
    pid: detente.child.pid,
  });
  for (const w of withWorkers)
    targets.push({
      name: `detente, ${w.n} worker${w.n === "1" ? "" : "s"}${fresh} (every detector, audit on)`,
      kind: "workers",
      unique,
      variant,
      bodyFile: file,
      url: `${w.url}/v1/chat/completions`,
      headers: { authorization: `Bearer ${w.key}` },
      pid: w.child.pid,
    });
}
if (portkey)
  targets.push({
    name: "Portkey gateway (no guardrails)",
    kind: "portkey",
    url: `${portkey.url}/v1/chat/completions`,
    headers: {
      authorization: `Bearer ${UPSTREAM_KEY}`,
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": `${fake.url}/v1`,
    },
    pid: portkey.pid,
  });

for (const t of prime > 0 ? targets : []) {
  await load({ ...spec(t), connections: 50, seconds: prime, warmup: 0 });
}

for (const connections of [1, 50]) {
  const byTarget = new Map(targets.map((t) => [t.name, []]));
  for (let round = 0; round < repeat; round++) {
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
      const cpu0 = cpuMs(t.pid);
      const r = await load({ ...spec(t), connections, seconds, warmup: 2 });
      // CPU the target process spent per request (warm-up included in both), robust to a busy machine.
      const cpu = cpuMs(t.pid);
      const perRequest = (ms) => Number((ms / (r.requests * (1 + 2 / seconds))).toFixed(3));
      const run = {
        target: t.name,
        kind: t.kind,
        unique: t.unique === true,
        variant: t.variant ?? null,
        connections,
        ...r,
        cpuPerRequestMs: perRequest(cpu.total - cpu0.total),
        systemCpuPerRequestMs: perRequest(cpu.system - cpu0.system),
        loadAverage: Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]),
      };
      byTarget.get(t.name).push(run);
      results.all.push(run);
      console.error(
        `${t.name}, ${connections} connection(s): ${r.rps} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, CPU ${run.cpuPerRequestMs} ms/request (system ${run.systemCpuPerRequestMs}), errors ${r.errors}, statuses ${JSON.stringify(r.statuses)}, load average ${run.loadAverage}`,
      );
    }
  }
  for (const t of targets) {
    const runs = byTarget.get(t.name).sort((a, b) => a.cpuPerRequestMs - b.cpuPerRequestMs);
    results.runs.push(runs[Math.floor((runs.length - 1) / 2)]);
  }
}

// 4. Time to first token, streamed: direct against through detente, one request at a time.
for (const t of targets.slice(0, 2)) {
  const ttft = [];
  for (let i = 0; i < 220; i++) {
    const ms = await firstToken(t);
    if (i >= 20) ttft.push(ms);
  }
  ttft.sort((a, b) => a - b);
  const p50 = ttft[Math.floor(ttft.length / 2)];
  const p90 = ttft[Math.floor(ttft.length * 0.9)];
  results.ttft.push({ target: t.name, p50Ms: Number(p50.toFixed(3)), p90Ms: Number(p90.toFixed(3)) });
  console.error(`time to first token, ${t.name}: p50 ${p50.toFixed(3)} ms, p90 ${p90.toFixed(3)} ms`);
}

await writeFile(join(outDir, "gateway.json"), JSON.stringify(results, null, 2) + "\n");
console.log(markdown(results));
// The gateway flushes its audit trail and closes its store on SIGTERM: let it finish before removing
// its directory.
await Promise.all(children.map((c) => stopped(c)));
await rm(work, { recursive: true, force: true });
process.exit(0);

/** Send SIGTERM and wait (at most 10 s) for the process to exit. */
function stopped(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Time from sending a streamed request to the first content delta, in ms. */
async function firstToken(t) {
  const t0 = performance.now();
  const res = await fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...t.headers },
    body: JSON.stringify({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "Say something long enough to stream." }],
    }),
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let first = null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (first === null && text.includes('"content":"')) first = performance.now() - t0;
  }
  return first ?? Number.NaN;
}

/** What the load generator needs to drive a target. */
function spec(t) {
  return { url: t.url, headers: t.headers, bodyFile: t.bodyFile ?? bodyFile, unique: true };
}

function load(spec) {
  return loadWith(root, spec);
}

async function waitFor(check, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function markdown(res) {
  const rows = res.runs.map(
    (r) =>
      `| ${r.target} | ${r.connections} | ${r.rps.toLocaleString("en-US")} | ${r.p50Ms} | ${r.p99Ms} | ${r.cpuPerRequestMs} | ${r.systemCpuPerRequestMs} | ${r.errors} |`,
  );
  const direct1 = res.runs.find((r) => r.connections === 1 && r.kind === "direct");
  const one = (c, variant) =>
    res.runs.find((r) => r.connections === c && r.kind === "detente" && r.variant === variant);
  const pk50 = res.runs.find((r) => r.connections === 50 && r.kind === "portkey");
  const against = (r) =>
    pk50
      ? `${r.target.split(" (")[0]} at 50 connections against Portkey's: ${(r.rps / pk50.rps).toFixed(2)}x`
      : "";
  const [dt, gt] = res.ttft;
  return [
    `Machine: ${res.machine.cpu} x${res.machine.cores}, ${res.machine.memGb} GB RAM, Node ${res.machine.node}`,
    `Prompt: ${res.promptBytes} bytes of code and prose; ${res.seconds} s per run after 2 s of warm-up; each target primed for ${res.prime} s at 50 connections first${res.repeat > 1 ? `; each row the median of ${res.repeat} runs (by CPU per request)` : ""}`,
    "",
    "| target | connections | requests/s | p50 ms | p99 ms | CPU ms per request | of which system | errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    ...["resent", "new", "user"].map((variant) => {
      const d = one(1, variant);
      return direct1 && d
        ? `${d.target.split(" (")[0]}: added p50 latency at 1 connection ${(d.p50Ms - direct1.p50Ms).toFixed(3)} ms`
        : "";
    }),
    ...res.runs
      .filter((r) => r.connections === 50 && (r.kind === "detente" || r.kind === "workers"))
      .map(against),
    dt && gt
      ? `time to first token (p50): direct ${dt.p50Ms} ms, through detente ${gt.p50Ms} ms (+${(gt.p50Ms - dt.p50Ms).toFixed(3)} ms)`
      : "",
  ]
    .filter((line, i, all) => line !== "" || all[i - 1] !== "")
    .join("\n");
}
