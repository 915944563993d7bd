// Benchmark of detente's AI inspection engine (`npm run build` first):
//
//   node bench/inspect.mjs [--mb 4] [--runs 7] [--warmup 5] [--skip secretlint]
//
// 1. Precision and recall per detector on the labelled corpus in test/fixtures/inspect/, and the same
//    for secretlint with its recommended preset (`@secretlint/core` lintSource) for the secret class.
// 2. Class-level precision and recall on the independent held-out corpus in test/fixtures/inspect-holdout/
//    (written without looking at the detector): a case is detected by detente when it reports any
//    detection of data class "secret" (role "user", default options), by secretlint when its recommended
//    preset reports any message. Lists detente's misses and false positives by id.
// 3. Throughput in MB/s on one core over a generated mixed code-and-prose text, with every detector on
//    (confidential labels, domains, dictionaries and patterns configured as in the corpus options):
//    every role warmed up `--warmup` times, then `--runs` rounds of one run per role, median per role.
//
// Prints Markdown tables, with the machine (CPU model, cores, load) so figures can be compared honestly.
import { readFileSync } from "node:fs";
import { cpus, loadavg, availableParallelism } from "node:os";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) => (a.startsWith("--") ? [a.slice(2), all[i + 1] ?? "true"] : undefined))
    .filter(Boolean),
);
const MB = Number(args.mb ?? 4);
const RUNS = Number(args.runs ?? 7);
const WARMUP = Number(args.warmup ?? 5);
const skip = new Set(String(args.skip ?? "").split(","));

const { createInspector } = await import("../dist/ai/inspect/index.js");
const fixtures = new URL("../test/fixtures/inspect/", import.meta.url);
const cases = readFileSync(new URL("corpus.jsonl", fixtures), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l));
const options = JSON.parse(readFileSync(new URL("options.json", fixtures), "utf8"));
const inspector = createInspector({ ...options, hashKey: "bench" });

const load0 = loadavg();
console.log("## Machine\n");
console.log(`- CPU: ${cpus()[0]?.model ?? "unknown"}, ${availableParallelism()} cores (nproc)`);
console.log(
  `- Node.js ${process.version}; load average at start ${load0.map((x) => x.toFixed(2)).join(" ")}`,
);
console.log(
  `- Corpus: ${cases.length} cases (${cases.filter((c) => c.expect.length > 0).length} positives)\n`,
);

// ---- 1. Precision and recall --------------------------------------------------------------------------
const rows = new Map();
const row = (name) => {
  if (!rows.has(name)) rows.set(name, { tp: 0, fp: 0, fn: 0 });
  return rows.get(name);
};
const DETECTORS = [
  ["secrets", (e) => e.dataClass === "secret", (d) => d.dataClass === "secret"],
  ...["email", "phone", "payment-card", "iban", "us-ssn", "ipv4", "ipv6"].map((t) => [
    `pii: ${t}`,
    (e) => e.type === t,
    (d) => d.type === t,
  ]),
  ["confidential", (e) => e.dataClass === "confidential", (d) => d.dataClass === "confidential"],
  ["injection", (e) => e.dataClass === "injection", (d) => d.dataClass === "injection"],
  ["unsafe-code", (e) => e.dataClass === "unsafe-code", (d) => d.dataClass === "unsafe-code"],
  ["source-code", (e) => e.dataClass === "source-code", (d) => d.dataClass === "source-code"],
];
for (const c of cases) {
  const found = inspector.inspect(c.text, c.role ?? "user");
  const types = new Set(found.map((d) => d.type));
  for (const [name, expects, detects] of DETECTORS) {
    const wanted = c.expect.filter(expects);
    const r = row(name);
    if (wanted.length === 0) {
      if (found.some(detects)) r.fp++;
      continue;
    }
    for (const e of wanted) types.has(e.type) ? r.tp++ : r.fn++;
  }
}
let secretlint;
if (!skip.has("secretlint")) {
  const { lintSource } = await import("@secretlint/core");
  const { creator } = await import("@secretlint/secretlint-rule-preset-recommend");
  const config = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: creator }] };
  secretlint = { tp: 0, fp: 0, fn: 0 };
  for (const c of cases) {
    // Prompts have no file name; JSON is given a .json name so secretlint's JSON-only checks can run.
    const ext = isJson(c.text) ? "json" : "txt";
    const result = await lintSource({
      source: { filePath: `/corpus/${c.id}.${ext}`, content: c.text, contentType: "text" },
      options: { config, maskSecrets: true },
    });
    const flagged = result.messages.length > 0;
    const wanted = c.expect.some((e) => e.dataClass === "secret");
    if (wanted) flagged ? secretlint.tp++ : secretlint.fn++;
    else if (flagged) secretlint.fp++;
  }
}
const ratio = (a, b) => (b === 0 ? "n/a" : (a / b).toFixed(3));
console.log("## Precision and recall on the corpus\n");
console.log("| detector | TP | FP | FN | precision | recall |\n| --- | ---: | ---: | ---: | ---: | ---: |");
for (const [name, r] of rows) {
  console.log(
    `| detente ${name} | ${r.tp} | ${r.fp} | ${r.fn} | ${ratio(r.tp, r.tp + r.fp)} | ${ratio(r.tp, r.tp + r.fn)} |`,
  );
}
if (secretlint !== undefined) {
  const r = secretlint;
  console.log(
    `| secretlint (preset-recommend) secrets | ${r.tp} | ${r.fp} | ${r.fn} | ${ratio(r.tp, r.tp + r.fp)} | ${ratio(r.tp, r.tp + r.fn)} |`,
  );
}
console.log(
  "\ndetente secrets count a positive only when the labelled type is found; secretlint counts any finding " +
    "on a case labelled with a secret (it has its own rule names).\n",
);

// ---- 2. Held-out corpus, class level ----------------------------------------------------------------------
const holdout = readFileSync(
  new URL("../test/fixtures/inspect-holdout/holdout.jsonl", import.meta.url),
  "utf8",
)
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l));
// Default options: the held-out corpus was not written for any configuration.
const holdoutInspector = createInspector({ hashKey: "bench" });
const confusion = () => ({ tp: 0, fp: 0, fn: 0, tn: 0, misses: [], falsePositives: [] });
const tally = (r, c, flagged) => {
  if (c.secret && flagged) r.tp++;
  else if (c.secret) {
    r.fn++;
    r.misses.push(c.id);
  } else if (flagged) {
    r.fp++;
    r.falsePositives.push(c.id);
  } else r.tn++;
};
const heldDetente = confusion();
for (const c of holdout) {
  const found = holdoutInspector.inspect(c.text, "user");
  tally(
    heldDetente,
    c,
    found.some((d) => d.dataClass === "secret"),
  );
}
let heldSecretlint;
if (!skip.has("secretlint")) {
  const { lintSource } = await import("@secretlint/core");
  const { creator } = await import("@secretlint/secretlint-rule-preset-recommend");
  const config = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: creator }] };
  heldSecretlint = confusion();
  for (const [i, c] of holdout.entries()) {
    // Neutral file names (the ids carry the labels); JSON gets .json so secretlint's JSON-only rules run.
    const ext = isJson(c.text) ? "json" : "txt";
    const result = await lintSource({
      source: { filePath: `/holdout/case-${i}.${ext}`, content: c.text, contentType: "text" },
      options: { config, maskSecrets: true },
    });
    tally(heldSecretlint, c, result.messages.length > 0);
  }
}
const heldPositives = holdout.filter((c) => c.secret).length;
console.log(
  `## Held-out corpus, class level (${holdout.length} cases: ${heldPositives} with a credential, ${holdout.length - heldPositives} hard negatives)\n`,
);
console.log(
  "| tool | TP | FP | FN | TN | precision | recall |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
);
for (const [name, r] of [
  ["detente (default options, any `secret` detection)", heldDetente],
  ["secretlint (preset-recommend, any message)", heldSecretlint],
]) {
  if (r === undefined) continue;
  console.log(
    `| ${name} | ${r.tp} | ${r.fp} | ${r.fn} | ${r.tn} | ${ratio(r.tp, r.tp + r.fp)} | ${ratio(r.tp, r.tp + r.fn)} |`,
  );
}
console.log(`\ndetente misses (${heldDetente.misses.length}): ${heldDetente.misses.join(", ") || "none"}`);
console.log(
  `\ndetente false positives (${heldDetente.falsePositives.length}): ${heldDetente.falsePositives.join(", ") || "none"}\n`,
);

// ---- 3. Throughput --------------------------------------------------------------------------------------
const text = mixedText(MB * 1_000_000);
console.log(
  `## Throughput (one core, ${(text.length / 1e6).toFixed(1)} MB of mixed code and prose, ${WARMUP} warm-up runs per role, then median of ${RUNS} runs in rounds)\n`,
);
console.log(
  "| role | detectors | detections | wall ms | wall MB/s | CPU ms | CPU MB/s |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |",
);
const ROLES = [
  ["user", "secrets, PII, confidential, injection, source code"],
  ["assistant", "secrets, PII, confidential, unsafe code, source code"],
  ["response", "secrets, PII, confidential, unsafe code"],
];
// Warm every role up before measuring any (the first calls on a 4 MB text pay for V8's compilation on
// background threads, which process.cpuUsage counts), then measure in rounds, one run of each role per
// round, so that a change in the machine's load or a late recompilation lands on all roles alike instead
// of on whichever role would be measured first.
for (let i = 0; i < WARMUP; i++) for (const [role] of ROLES) inspector.inspect(text, role);
const samples = new Map(ROLES.map(([role]) => [role, { wall: [], cpu: [], detections: 0 }]));
for (let i = 0; i < RUNS; i++) {
  for (const [role] of ROLES) {
    const s = samples.get(role);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    s.detections = inspector.inspect(text, role).length;
    s.wall.push(performance.now() - t0);
    const u = process.cpuUsage(c0);
    s.cpu.push((u.user + u.system) / 1000);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (ms) => (text.length / 1e6 / (ms / 1000)).toFixed(0);
for (const [role, what] of ROLES) {
  const s = samples.get(role);
  const w = median(s.wall);
  const c = median(s.cpu);
  console.log(
    `| ${role} | ${what} | ${s.detections} | ${w.toFixed(1)} | ${mbps(w)} | ${c.toFixed(1)} | ${mbps(c)} |`,
  );
}
console.log(
  `\nLoad average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);

function isJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Deterministic mixed text: prose, fenced and bare code, logs, configs, stack traces, some secrets and PII. */
function mixedText(bytes) {
  let seed = 7;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const rnd = (n, alpha = B62) =>
    Array.from({ length: n }, () => alpha[Math.floor(rand() * alpha.length)]).join("");
  const nouns = [
    "service",
    "database",
    "cache",
    "queue",
    "worker",
    "endpoint",
    "schema",
    "migration",
    "request",
    "handler",
    "config",
    "pipeline",
    "cluster",
    "deployment",
    "build",
    "module",
  ];
  const verbs = [
    "fails",
    "times out",
    "returns early",
    "retries",
    "blocks",
    "leaks memory",
    "crashes",
    "hangs",
    "drops messages",
    "rejects input",
  ];
  const adj = [
    "staging",
    "production",
    "legacy",
    "new",
    "flaky",
    "slow",
    "async",
    "shared",
    "internal",
    "external",
  ];
  const sentence = () =>
    `The ${pick(adj)} ${pick(nouns)} ${pick(verbs)} when the ${pick(nouns)} ${pick(verbs)} under load, so we need to ${pick(["refactor", "fix", "rewrite", "profile", "review", "document"])} the ${pick(nouns)} before ${pick(["Friday", "the release", "the demo", "next sprint"])}.`;
  const para = () => Array.from({ length: int(2, 6) }, sentence).join(" ") + "\n\n";
  const js = () =>
    `async function ${pick(nouns)}Handler(req, res) {\n  const id = req.params.id;\n  const row = await db.query("SELECT * FROM ${pick(nouns)}s WHERE id = $1", [id]);\n  if (!row) {\n    return res.status(404).json({ error: "not found" });\n  }\n  let total = 0;\n  for (let i = 0; i < row.items.length; i++) {\n    total += row.items[i].price * ${int(1, 9)};\n  }\n  return res.json({ id, total });\n}\n`;
  const py = () =>
    `def process_${pick(nouns)}(items, retries=${int(1, 5)}):\n    results = []\n    for item in items:\n        try:\n            results.append(transform(item))\n        except ValueError as err:\n            logger.warning("skipping %s: %s", item.id, err)\n    return results\n`;
  const go = () =>
    `func (s *Server) ${pick(["Get", "Put", "Delete"])}${pick(nouns)}(ctx context.Context, id string) (*Item, error) {\n\titem, err := s.store.Load(ctx, id)\n\tif err != nil {\n\t\treturn nil, fmt.Errorf("load %s: %w", id, err)\n\t}\n\treturn item, nil\n}\n`;
  const yaml = () =>
    `${pick(nouns)}:\n  host: ${pick(nouns)}.internal\n  port: ${int(1000, 9999)}\n  timeout: ${int(1, 60)}s\n  replicas: ${int(1, 9)}\n  image: registry.example.com/${pick(nouns)}:${int(1, 3)}.${int(0, 20)}.${int(0, 9)}\n`;
  const log = () =>
    Array.from(
      { length: int(3, 10) },
      () =>
        `2024-0${int(1, 9)}-1${int(0, 9)}T1${int(0, 9)}:${int(10, 59)}:${int(10, 59)}.${int(100, 999)}Z ${pick(["INFO", "WARN", "ERROR"])} ${pick(nouns)} request_id=${rnd(8, "0123456789abcdef")}-${rnd(4, "0123456789abcdef")} status=${pick([200, 201, 404, 500])} duration_ms=${int(1, 900)}`,
    ).join("\n") + "\n";
  const trace = () =>
    `Traceback (most recent call last):\n  File "/app/${pick(nouns)}.py", line ${int(10, 400)}, in run\n    result = handler(payload)\n  File "/app/handlers.py", line ${int(10, 400)}, in handler\n    raise TimeoutError("upstream timed out after ${int(1, 30)}s")\nTimeoutError: upstream timed out\n`;
  const sensitive = () =>
    pick([
      () => `export OPENAI_API_KEY=sk-proj-${rnd(40)}T3BlbkFJ${rnd(40)}\n`,
      () => `GITHUB_TOKEN=ghp_${rnd(36)}\n`,
      () => `DATABASE_URL=postgres://app:${rnd(16)}@db.internal:5432/app\n`,
      () =>
        `Reach me at ${pick(["alice", "bob", "carol"])}.${pick(["smith", "jones"])}@gmail.com or +1 415 555 ${int(2000, 9999)}.\n`,
      () => `aws_access_key_id = AKIA${rnd(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}\n`,
      () => `See SEC-${int(1000, 9999)} on wiki.corp.acme-internal.net about Project Falcon.\n`,
    ])();
  const fence = (lang, body) => "```" + lang + "\n" + body + "```\n\n";
  const parts = [];
  let size = 0;
  while (size < bytes) {
    const r = rand();
    let p;
    if (r < 0.45) p = para();
    else if (r < 0.6) p = fence("javascript", js());
    else if (r < 0.7) p = fence("python", py());
    else if (r < 0.75) p = go() + "\n";
    else if (r < 0.82) p = fence("yaml", yaml());
    else if (r < 0.9) p = log() + "\n";
    else if (r < 0.96) p = trace() + "\n";
    else p = sensitive() + "\n";
    parts.push(p);
    size += p.length;
  }
  return parts.join("");
}
