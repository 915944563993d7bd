// A closed-loop HTTP load generator, run as its own process so that its CPU is not the measured
// server's: `connections` clients each send the same POST again as soon as the previous answer has
// been read, for `seconds` (after `warmup` seconds that are not counted). Prints one JSON line:
// { requests, errors, statuses, rps, p50Ms, p90Ms, p99Ms }.
//
//   node bench/load.mjs '{"url":"http://127.0.0.1:8787/v1/chat/completions","headers":{...},"bodyFile":"/tmp/b.json","connections":50,"seconds":10,"warmup":2}'
import { readFileSync } from "node:fs";
import { Pool } from "undici";

const spec = JSON.parse(process.argv[2]);
const url = new URL(spec.url);
const body = readFileSync(spec.bodyFile);
const pool = new Pool(url.origin, { connections: spec.connections, pipelining: 1 });
const headers = { "content-type": "application/json", ...spec.headers };
const path = url.pathname + url.search;

const latencies = [];
const statuses = {};
let errors = 0;
let counting = false;
let running = true;

async function client() {
  while (running) {
    const t0 = performance.now();
    try {
      const res = await pool.request({ path, method: "POST", headers, body });
      await res.body.arrayBuffer();
      if (counting) {
        latencies.push(performance.now() - t0);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      }
    } catch {
      if (counting) errors++;
    }
  }
}

const clients = Array.from({ length: spec.connections }, () => client());
await new Promise((r) => setTimeout(r, (spec.warmup ?? 2) * 1000));
counting = true;
const start = performance.now();
await new Promise((r) => setTimeout(r, spec.seconds * 1000));
counting = false;
const elapsed = (performance.now() - start) / 1000;
running = false;
await Promise.all(clients);
await pool.close();

latencies.sort((a, b) => a - b);
const q = (p) =>
  latencies.length ? Number(latencies[Math.floor((latencies.length - 1) * p)].toFixed(3)) : null;
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    statuses,
    rps: Math.round(latencies.length / elapsed),
    p50Ms: q(0.5),
    p90Ms: q(0.9),
    p99Ms: q(0.99),
  }),
);
