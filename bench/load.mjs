// A closed-loop HTTP/1.1 load generator, run as its own process so that its CPU is not the measured
// server's: `connections` keep-alive connections each send the same POST again as soon as the previous
// answer has been read, for `seconds` (after `warmup` seconds that are not counted). Prints one JSON line:
// { requests, errors, statuses, rps, p50Ms, p90Ms, p99Ms, loadCpuPerRequestMs }; `requests` and the
// latencies count 2xx answers only, any other status is also an error.
//
// It writes each request as one prepared buffer on a plain socket and reads only the status line, the
// framing headers and the body's length (Content-Length or chunked), in the way wrk and autocannon do:
// on a 2-core machine every process shares the same two cores with the servers measured, so the load
// generator has to be as cheap as it can be (an HTTP client library cost three times as much CPU per
// request). `loadCpuPerRequestMs` is this process's own CPU per counted request, for the record.
// `"unique": true` numbers every request in the body (see NONCE), so that no two send the same text.
//
//   node bench/load.mjs '{"url":"http://127.0.0.1:8787/v1/chat/completions","headers":{...},"bodyFile":"/tmp/b.json","connections":50,"seconds":10,"warmup":2,"unique":false}'
import { readFileSync } from "node:fs";
import { connect } from "node:net";

const spec = JSON.parse(process.argv[2]);
const url = new URL(spec.url);
const body = readFileSync(spec.bodyFile);
const head = [
  `POST ${url.pathname}${url.search} HTTP/1.1`,
  `host: ${url.host}`,
  "content-type: application/json",
  `content-length: ${body.length}`,
  ...Object.entries(spec.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  "",
  "",
].join("\r\n");
const request = Buffer.concat([Buffer.from(head, "latin1"), body]);
// With `"unique": true`, the body's first `NONCE` (12 bytes) becomes the request's number, so that no two
// requests carry the same text. The numbers start at a random point, so that runs against the same server
// do not repeat one another's. Each connection numbers its own copy of the request: it writes the next one
// only once the last one's answer came, when no byte of it is still waiting to be sent.
const NONCE = "#nonce######";
const nonceAt = spec.unique ? request.indexOf(NONCE) : -1;
if (spec.unique && nonceAt < 0) throw new Error(`"unique" needs ${NONCE} in the body`);
let sent = Math.floor(Math.random() * 9e11);
function numbered(own) {
  if (nonceAt >= 0) own.write(String(sent++).padStart(NONCE.length, "0"), nonceAt, "latin1");
  return own;
}
const port = Number(url.port || 80);

const latencies = [];
const statuses = {};
let errors = 0;
let counting = false;
let running = true;

const CRLFCRLF = Buffer.from("\r\n\r\n");

/**
 * The length of the first complete response in `buf` and its status, or null while it is incomplete.
 * Throws on a response it cannot frame.
 */
function frame(buf) {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return null;
  const headText = buf.toString("latin1", 0, end).toLowerCase();
  const status = Number(headText.slice(9, 12));
  const start = end + 4;
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(headText);
  if (cl) {
    const total = start + Number(cl[1]);
    return buf.length >= total ? { status, length: total } : null;
  }
  if (!headText.includes("\r\ntransfer-encoding: chunked")) throw new Error("response without a length");
  let at = start;
  for (;;) {
    const lineEnd = buf.indexOf("\r\n", at);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.toString("latin1", at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error("bad chunk size");
    at = lineEnd + 2 + size + 2;
    if (buf.length < at) return null;
    if (size === 0) return { status, length: at };
  }
}

function client() {
  return new Promise((resolve) => {
    let socket;
    let pending = null;
    const own = nonceAt < 0 ? request : Buffer.from(request);
    let t0 = 0;
    const send = () => {
      if (!running) {
        socket.end();
        return resolve();
      }
      pending = Buffer.alloc(0);
      t0 = performance.now();
      socket.write(numbered(own));
    };
    const open = () => {
      socket = connect({ host: url.hostname, port, noDelay: true });
      socket.on("connect", send);
      socket.on("data", (chunk) => {
        if (pending === null) return;
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let f;
        try {
          f = frame(pending);
        } catch {
          if (counting) errors++;
          pending = null;
          socket.destroy();
          return;
        }
        if (!f) return;
        if (counting) {
          statuses[f.status] = (statuses[f.status] ?? 0) + 1;
          // Only successes count as served: a target that answers 401 or 502 fast is not fast.
          if (f.status >= 200 && f.status < 300) latencies.push(performance.now() - t0);
          else errors++;
        }
        pending = null;
        send();
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        if (pending !== null && counting) errors++;
        pending = null;
        if (running) setTimeout(open, 10);
        else resolve();
      });
    };
    open();
  });
}

const clients = Array.from({ length: spec.connections }, () => client());
await new Promise((r) => setTimeout(r, (spec.warmup ?? 2) * 1000));
counting = true;
const cpu0 = process.cpuUsage();
const start = performance.now();
await new Promise((r) => setTimeout(r, spec.seconds * 1000));
counting = false;
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
running = false;
// Connections finish their last request; one that never gets an answer does not hold the result back.
await Promise.race([Promise.all(clients), new Promise((r) => setTimeout(r, 5000).unref())]);

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
    loadCpuPerRequestMs: latencies.length
      ? Number(((cpu.user + cpu.system) / 1000 / latencies.length).toFixed(3))
      : null,
  }),
);
process.exit(0);
