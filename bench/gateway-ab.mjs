// Two builds of detente's gateway under the same load, taking turns (`node bench/gateway-ab.mjs --a
// /path/to/other/checkout`; `--b` is this checkout by default). Each build is a checkout with `dist/`
// built and `node_modules/` installed (a git worktree with a link to this one's node_modules will do).
//
// On a shared 2-core VM the host's speed moves by 20-40% from minute to minute, more than most changes
// are worth, so one run of each build tells nothing. Here the two gateways run at once (one process each,
// every detector on, audit on, the same fake upstream), and are measured in alternating runs at 50
// connections with the 16 KB prompt, so that each pair of runs shares the host's mood. Per run: requests/s
// and CPU per request of the whole process, its main thread, the store's thread and V8's helper threads
// (read from /proc/PID/task). The summary gives each build's mean and in how many pairs B did better.
//
//   node bench/gateway-ab.mjs --a /tmp/base [--b .] [--pairs 8] [--seconds 6] [--prime 5] [--unique | --user]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  chatBody,
  load,
  machine,
  parseArgs,
  pastedBody,
  sixteenKb,
  startDetente,
  startFakeUpstream,
  threadCpuMs,
  writeConfig,
} from "./gateway-parts.mjs";

const here = fileURLToPath(new URL("..", import.meta.url));
const args = parseArgs(process.argv.slice(2));
if (!args.a) {
  console.error("usage: node bench/gateway-ab.mjs --a <checkout> [--b <checkout>] [--pairs 8] [--seconds 6]");
  process.exit(2);
}
const builds = [
  { name: "A", root: resolve(args.a) },
  { name: "B", root: resolve(args.b ?? here) },
];
const pairs = Number(args.pairs ?? 8);
const seconds = Number(args.seconds ?? 6);
const prime = Number(args.prime ?? 5);
const unique = args.unique === "true";
// `--user`: every prompt new, the 16 KB numbered as the user's message (every detector reads it).
const user = args.user === "true";
const children = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

const work = await mkdtemp(join(tmpdir(), "detente-gw-ab-"));
const fake = await startFakeUpstream(children, here);
const config = join(work, "detente.yaml");
await writeConfig(config, fake.url);
const bodyFile = join(work, "body.json");
const prompt = sixteenKb();
const NONCE_LINE = "Session #nonce######.\n";
await writeFile(
  bodyFile,
  user
    ? pastedBody(NONCE_LINE + prompt.slice(NONCE_LINE.length), "Review the module above and list its risks.")
    : unique
      ? chatBody(NONCE_LINE + prompt.slice(NONCE_LINE.length), "Review the module above and list its risks.")
      : chatBody(prompt, "Question #nonce######: review the module above and list its risks."),
);
for (const b of builds) {
  Object.assign(
    b,
    await startDetente(children, {
      root: b.root,
      home: join(work, `home-${b.name}`),
      config,
      name: `detente gateway (${b.name})`,
    }),
  );
  b.runs = [];
}
const spec = (b) => ({
  url: `${b.url}/v1/chat/completions`,
  headers: { authorization: `Bearer ${b.key}` },
  bodyFile,
  unique: true,
  connections: 50,
});
for (const b of builds) await load(here, { ...spec(b), seconds: prime, warmup: 0 });

console.error(
  `${machine().cpu} x${machine().cores}, ${user ? "every prompt new, as the user's message" : unique ? "every prompt new" : "system prompt resent"}, ${pairs} pairs of ${seconds} s runs`,
);
for (let i = 0; i < pairs; i++) {
  for (const b of i % 2 === 0 ? builds : [...builds].reverse()) {
    const pid = b.child.pid;
    const before = threadCpuMs(pid);
    const r = await load(here, { ...spec(b), seconds, warmup: 0 });
    const after = threadCpuMs(pid);
    const perRequest = (ms) => Number(((ms * 1000) / r.requests).toFixed(1));
    let main = 0;
    const others = [];
    for (const [tid, ms] of after) {
      const used = ms - (before.get(tid) ?? 0);
      if (tid === pid) main = used;
      else others.push(used);
    }
    // The busiest of the other threads is, as a rule, the store's; the rest are V8's helpers (and libuv's).
    others.sort((x, y) => y - x);
    const run = {
      rps: r.rps,
      cpuUs: perRequest(main + others.reduce((x, y) => x + y, 0)),
      mainUs: perRequest(main),
      storeUs: perRequest(others[0] ?? 0),
      helpersUs: perRequest(others.slice(1).reduce((x, y) => x + y, 0)),
      errors: r.errors,
    };
    b.runs.push(run);
    console.error(`${b.name} ${JSON.stringify(run)}`);
  }
}

const mean = (runs, k) => runs.reduce((s, r) => s + r[k], 0) / runs.length;
const [a, b] = builds;
let better = 0;
for (let i = 0; i < pairs; i++) if (b.runs[i].rps > a.runs[i].rps) better++;
console.log(`| build | requests/s (mean) | CPU µs per request | main thread | store thread | V8 helpers |`);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
for (const x of builds)
  console.log(
    `| ${x.name} ${x.root} | ${Math.round(mean(x.runs, "rps")).toLocaleString("en-US")} | ${mean(x.runs, "cpuUs").toFixed(0)} | ${mean(x.runs, "mainUs").toFixed(0)} | ${mean(x.runs, "storeUs").toFixed(0)} | ${mean(x.runs, "helpersUs").toFixed(0)} |`,
  );
console.log(
  `\nB served more requests/s than A in ${better} of ${pairs} pairs; B/A mean requests/s ${(mean(b.runs, "rps") / mean(a.runs, "rps")).toFixed(3)}.`,
);
for (const c of children) c.kill("SIGTERM");
await new Promise((r) => setTimeout(r, 2000));
await rm(work, { recursive: true, force: true });
process.exit(0);
