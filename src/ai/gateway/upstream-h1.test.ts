import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import type { Upstream as UpstreamConfig } from "./upstream.js";
import { createUpstreamClient } from "./upstream-client.js";
import { H1Pool } from "./upstream-h1.js";
import {
  parseResponseHead,
  UpstreamConnectionError,
  UpstreamTimeout,
  type H1Controller,
  type H1Handler,
  type H1Request,
} from "./upstream-h1-head.js";

/** What a handler saw of one answer. */
interface Seen {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  error: Error | null;
  controller: H1Controller | null;
}

/** Dispatch `req` and wait for its end or error; `onData` may steer the request as data comes. */
function send(
  pool: H1Pool,
  req: Partial<H1Request> = {},
  onData?: (c: H1Controller, chunk: Buffer, seen: Seen) => void,
): Promise<Seen> {
  return new Promise((resolve) => {
    const seen: Seen = { status: 0, headers: {}, body: "", error: null, controller: null };
    const chunks: Buffer[] = [];
    const handler: H1Handler = {
      onRequestStart(c) {
        seen.controller = c;
      },
      onResponseStart(_c, status, headers) {
        seen.status = status;
        seen.headers = headers;
      },
      onResponseData(c, chunk) {
        // Decoded whole each time: a character can be split between pieces.
        chunks.push(chunk);
        seen.body = Buffer.concat(chunks).toString("utf8");
        onData?.(c, chunk, seen);
      },
      onResponseEnd() {
        resolve(seen);
      },
      onResponseError(_c, err) {
        seen.error = err;
        resolve(seen);
      },
    };
    pool.dispatch(
      {
        path: "/v1/chat/completions",
        headers: { "content-type": "application/json" },
        body: "{}",
        headersTimeout: 2000,
        bodyTimeout: 2000,
        ...req,
      },
      handler,
    );
  });
}

/**
 * A TCP server that answers each request it reads (a head, then the body of its Content-Length) with
 * what `answer` writes; it counts connections and keeps the requests' raw text.
 */
interface Upstream {
  url: string;
  connections: number;
  requests: string[];
  server: Server;
}
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.close();
    await new Promise((r) => setImmediate(r));
  }
});

function upstream(answer: (socket: Socket, n: number) => void): Promise<Upstream> {
  const up: Upstream = { url: "", connections: 0, requests: [], server: null as unknown as Server };
  const server = createServer((socket) => {
    up.connections++;
    socket.on("error", () => undefined);
    let data = "";
    socket.on("data", (d) => {
      data += d.toString("latin1");
      for (;;) {
        const end = data.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(data.slice(0, end))?.[1] ?? 0);
        if (data.length < end + 4 + length) return;
        up.requests.push(data.slice(0, end + 4 + length));
        data = data.slice(end + 4 + length);
        answer(socket, up.requests.length);
      }
    });
  });
  servers.push(server);
  up.server = server;
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve(up);
    }),
  );
}

/**
 * A TCP listener that never accepts: it listens on a worker thread whose event loop is then blocked, and
 * connections fill its small queue until the kernel leaves the next connect waiting.
 */
async function neverAccepting(): Promise<{ url: string; close(): Promise<void> }> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const server = require("node:net").createServer();
     server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0);
     });`,
    { eval: true, workerData: gate },
  );
  const port = await new Promise<number>((resolve) => worker.once("message", resolve));
  const fillers: Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const s = netConnect({ host: "127.0.0.1", port });
    s.on("error", () => undefined);
    fillers.push(s);
    const connected = await new Promise<boolean>((resolve) => {
      // Long enough that a busy machine's late "connect" is not taken for a full queue.
      const timer = setTimeout(() => {
        resolve(false);
      }, 1000);
      s.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break; // the queue is full: connects wait from now on
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of fillers) s.destroy();
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    },
  };
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}';

describe("the upstream HTTP/1.1 client", () => {
  it("sends a POST with its length and reuses the connection for the next request", async () => {
    const up = await upstream((s) => s.write(OK));
    const pool = new H1Pool(up.url, { connections: 8 });
    const a = await send(pool, { path: "/v1/x?beta=true", headers: { "x-api-key": "k" }, body: '{"a":1}' });
    const b = await send(pool);
    expect([a.status, a.body, b.body]).toEqual([200, '{"ok":true}', '{"ok":true}']);
    expect(a.headers["content-type"]).toBe("application/json");
    expect(up.connections).toBe(1);
    const host = new URL(up.url).host;
    expect(up.requests[0]).toBe(
      `POST /v1/x?beta=true HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\nx-api-key: k\r\ncontent-length: 7\r\n\r\n{"a":1}`,
    );
    pool.close();
  });

  it("reads a chunked answer with extensions and trailers, however its bytes are split", async () => {
    const wire =
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n" +
      "6;ext=1\r\ndata: \r\n" +
      'E\r\n{"n":"äö"}\n\n\r\n' +
      "0\r\nx-trailer: t\r\n\r\n";
    const bytes = Buffer.from(wire, "utf8");
    for (const step of [1, 2, 3, 7, bytes.length]) {
      const up = await upstream((s) => {
        void (async () => {
          for (let i = 0; i < bytes.length; i += step) {
            s.write(bytes.subarray(i, i + step));
            await new Promise((r) => setImmediate(r));
          }
        })();
      });
      const pool = new H1Pool(up.url, { connections: 1 });
      const seen = await send(pool);
      expect(seen.error).toBeNull();
      expect(seen.body).toBe('data: {"n":"äö"}\n\n');
      const again = await send(pool);
      expect(again.body).toBe(seen.body);
      expect(up.connections).toBe(1);
      pool.close();
    }
  });

  it("skips informational answers and reads an answer that ends with its connection", async () => {
    const up = await upstream((s) => {
      s.write(
        "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\n",
      );
      s.end("to the end");
    });
    const pool = new H1Pool(up.url, { connections: 1 });
    const seen = await send(pool);
    expect([seen.status, seen.body, seen.error]).toEqual([200, "to the end", null]);
    await send(pool);
    expect(up.connections).toBe(2);
    pool.close();
  });

  const malformed: [string, string][] = [
    ["a status line that is not HTTP's", "HTTP/2 200 OK\r\ncontent-length: 0\r\n\r\n"],
    ["a header without a colon", "HTTP/1.1 200 OK\r\nno colon\r\ncontent-length: 0\r\n\r\n"],
    [
      "two Content-Lengths that disagree",
      "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab",
    ],
    [
      "a chunk size that is not hex",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
    ],
    ["a chunk without its CRLF", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabXY0\r\n\r\n"],
    ["a switch of protocols", "HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\n\r\n"],
    ["a head over 64 KB", `HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(70_000)}\r\n\r\n`],
  ];
  it.each(malformed)(
    "fails an answer with %s as an invalid response, and serves the next",
    async (_, answer) => {
      let n = 0;
      const up = await upstream((s) => (++n === 1 ? s.write(answer) : s.write(OK)));
      const pool = new H1Pool(up.url, { connections: 1 });
      const seen = await send(pool);
      expect(seen.error).toBeInstanceOf(UpstreamConnectionError);
      expect((seen.error as UpstreamConnectionError).code).toBe("invalid response");
      expect((await send(pool)).body).toBe('{"ok":true}');
      expect(up.connections).toBe(2);
      pool.close();
    },
  );

  it("fails an answer the upstream breaks off, and does not reuse a connection with bytes after an answer", async () => {
    const up = await upstream((s, n) => {
      if (n === 1) s.end("HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nonly part");
      else s.write(OK + "HTTP/1.1 200 OK\r\n");
    });
    const pool = new H1Pool(up.url, { connections: 1 });
    const broken = await send(pool);
    expect([broken.status, broken.body]).toEqual([200, "only part"]);
    expect((broken.error as UpstreamConnectionError).code).toBe("closed early");
    expect((await send(pool)).body).toBe('{"ok":true}');
    expect((await send(pool)).body).toBe('{"ok":true}');
    expect(up.connections).toBe(3);
    pool.close();
  });

  it("keeps an idle connection as long as the upstream's Keep-Alive allows, less a second", async () => {
    const up = await upstream((s) =>
      s.write("HTTP/1.1 200 OK\r\nkeep-alive: timeout=1\r\ncontent-length: 2\r\n\r\n{}"),
    );
    const pool = new H1Pool(up.url, { connections: 1 });
    await send(pool);
    await send(pool);
    expect(up.connections).toBe(2);
    pool.close();
  });

  it("closes an idle connection when its keep-alive time is up, though the upstream never does", async () => {
    let closedAt = 0;
    const up = await upstream((s) => {
      s.once("close", () => (closedAt = Date.now()));
      s.write("HTTP/1.1 200 OK\r\nkeep-alive: timeout=2\r\ncontent-length: 2\r\n\r\n{}");
    });
    const pool = new H1Pool(up.url, { connections: 4 });
    const sent = Date.now();
    expect((await send(pool)).status).toBe(200);
    // Kept for timeout=2 less a second, then closed by the gateway's side.
    await new Promise((r) => setTimeout(r, 600));
    expect(closedAt).toBe(0);
    for (let i = 0; i < 40 && closedAt === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(closedAt - sent).toBeGreaterThanOrEqual(1000);
    // The next request opens a new connection.
    expect((await send(pool)).status).toBe(200);
    expect(up.connections).toBe(2);
    pool.close();
  });

  it("closes each idle connection at its own time when keep-alive times differ", async () => {
    const closed: string[] = [];
    const up = await upstream((s, n) => {
      const timeout = n === 1 ? 30 : 2;
      s.once("close", () => closed.push(`timeout=${timeout}`));
      s.write(`HTTP/1.1 200 OK\r\nkeep-alive: timeout=${timeout}\r\ncontent-length: 2\r\n\r\n{}`);
    });
    const pool = new H1Pool(up.url, { connections: 2 });
    // Two at once: two connections, the first answer keeps its connection for 29 s, the second for 1 s.
    const [a, b] = await Promise.all([send(pool), send(pool)]);
    expect([a.status, b.status, up.connections]).toEqual([200, 200, 2]);
    for (let i = 0; i < 60 && closed.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(closed).toEqual(["timeout=2"]);
    pool.close();
  });

  it("gives up on an upstream that never accepts the connection: within the time to the head, or the connect timeout", async () => {
    const silent = await neverAccepting();
    try {
      // Opening counts in the time to the answer's head.
      const pool = new H1Pool(silent.url, { connections: 2 });
      const t0 = Date.now();
      const seen = await send(pool, { headersTimeout: 300, bodyTimeout: 300 });
      expect(seen.error).toBeInstanceOf(UpstreamTimeout);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
      pool.close();
      // With a longer time to the head, the connect timeout ends it.
      const quick = new H1Pool(silent.url, { connections: 2, connectTimeoutMs: 200 });
      const failed = await send(quick, { headersTimeout: 30_000, bodyTimeout: 30_000 });
      expect(failed.error).toBeInstanceOf(UpstreamConnectionError);
      expect((failed.error as UpstreamConnectionError).code).toBe("connect timeout");
      quick.close();
    } finally {
      await silent.close();
    }
  });

  it("times out an upstream that does not answer, and one that stops mid-answer", async () => {
    const up = await upstream((s, n) => {
      if (n === 2) s.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
    });
    const pool = new H1Pool(up.url, { connections: 4 });
    const silent = await send(pool, { headersTimeout: 100, bodyTimeout: 100 });
    expect(silent.error).toBeInstanceOf(UpstreamTimeout);
    expect((silent.error as UpstreamTimeout).phase).toBe("headers");
    const stalled = await send(pool, { headersTimeout: 100, bodyTimeout: 100 });
    expect((stalled.error as UpstreamTimeout).phase).toBe("body");
    expect(stalled.body).toBe("abc");
    pool.close();
  });

  it("delivers nothing while paused, without timing out, and all of it in order once resumed", async () => {
    const up = await upstream((s) => {
      void (async () => {
        s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
        for (const piece of ["one ", "two ", "three"]) {
          s.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
          await new Promise((r) => setTimeout(r, 20));
        }
        s.write("0\r\n\r\n");
      })();
    });
    const pool = new H1Pool(up.url, { connections: 1 });
    const pieces: string[] = [];
    const seen = await send(pool, { bodyTimeout: 100 }, (c, chunk, s) => {
      pieces.push(chunk.toString());
      if (pieces.length === 1) {
        c.pause();
        const before = s.body;
        setTimeout(() => {
          expect(s.body).toBe(before);
          c.resume();
        }, 300);
      }
    });
    expect(seen.error).toBeNull();
    expect(seen.body).toBe("one two three");
    pool.close();
  });

  it("closes the connection of a request aborted mid-answer and tells the handler why", async () => {
    let closed = false;
    const up = await upstream((s) => {
      s.on("close", () => (closed = true));
      s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n");
    });
    const pool = new H1Pool(up.url, { connections: 1 });
    const why = new Error("the client went away");
    const seen = await send(pool, {}, (c) => {
      c.abort(why);
    });
    expect(seen.error).toBe(why);
    await expect.poll(() => closed).toBe(true);
    pool.close();
  });

  it("does not reuse a connection whose reader paused on the answer's last bytes", async () => {
    const up = await upstream((s) => s.write(OK));
    const pool = new H1Pool(up.url, { connections: 1 });
    const first = await send(pool, {}, (c) => {
      c.pause(); // and never resumes: the answer is whole anyway
    });
    expect(first.body).toBe('{"ok":true}');
    const second = await send(pool, { headersTimeout: 1000 });
    expect([second.error, second.body]).toEqual([null, '{"ok":true}']);
    expect(up.connections).toBe(2);
    pool.close();
  });

  it("delivers all of an answer the upstream closed while its reader was paused", async () => {
    const pieces = Array.from({ length: 40 }, (_, i) => `event ${i}\n`);
    for (const framed of [true, false]) {
      const up = await upstream((s) => {
        const head = framed
          ? "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
          : "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n";
        const body = pieces.map((p) => (framed ? `${p.length.toString(16)}\r\n${p}\r\n` : p)).join("");
        s.end(head + body + (framed ? "0\r\n\r\n" : ""));
      });
      const pool = new H1Pool(up.url, { connections: 1 });
      let n = 0;
      const seen = await send(pool, { bodyTimeout: 200 }, (c) => {
        // A slow reader: paused after every piece, resumed a little later, while the upstream is gone.
        if (++n % 3 === 0) {
          c.pause();
          setTimeout(() => {
            c.resume();
          }, 30);
        }
      });
      expect(seen.error).toBeNull();
      expect(seen.body).toBe(pieces.join(""));
      pool.close();
    }
  });

  it("keeps a finished request's controller from touching the request that takes its connection", async () => {
    const up = await upstream((s, n) => setTimeout(() => s.write(OK), n === 2 ? 50 : 0));
    const pool = new H1Pool(up.url, { connections: 1 });
    const first = await send(pool);
    const second = send(pool);
    first.controller!.abort(new Error("late"));
    first.controller!.pause();
    expect((await second).body).toBe('{"ok":true}');
    expect((await second).error).toBeNull();
    pool.close();
  });

  it("times out a head that trickles in, counting from the request", async () => {
    const up = await upstream((s) => {
      const bytes = Buffer.from(OK);
      let i = 0;
      const t = setInterval(() => {
        if (i >= bytes.length || s.destroyed) clearInterval(t);
        else s.write(bytes.subarray(i, ++i));
      }, 20);
    });
    const pool = new H1Pool(up.url, { connections: 1 });
    const seen = await send(pool, { headersTimeout: 300 });
    expect((seen.error as UpstreamTimeout).phase).toBe("headers");
    pool.close();
  });

  it("queues requests beyond its connections and runs them as connections free up", async () => {
    const up = await upstream((s) => setTimeout(() => s.write(OK), 20));
    const pool = new H1Pool(up.url, { connections: 2 });
    const all = await Promise.all(Array.from({ length: 6 }, () => send(pool)));
    expect(all.every((s) => s.body === '{"ok":true}')).toBe(true);
    expect(up.connections).toBe(2);
    pool.close();
  });

  it("takes a request out of its queue when it is withdrawn, and sends it nowhere", async () => {
    const up = await upstream((s) => setTimeout(() => s.write(OK), 50));
    const pool = new H1Pool(up.url, { connections: 1 });
    const first = send(pool);
    let called = false;
    const queued: H1Handler = {
      onRequestStart: () => (called = true),
      onResponseStart: () => (called = true),
      onResponseData: () => (called = true),
      onResponseEnd: () => (called = true),
      onResponseError: () => (called = true),
    };
    pool.dispatch({ path: "/q", headers: {}, body: "{}", headersTimeout: 1000, bodyTimeout: 1000 }, queued);
    expect(pool.withdraw(queued)).toBe(true);
    expect(pool.withdraw(queued)).toBe(false);
    expect((await first).body).toBe('{"ok":true}');
    expect((await send(pool)).body).toBe('{"ok":true}');
    expect(called).toBe(false);
    expect(up.requests.map((r) => r.split(" ")[1])).toEqual(["/v1/chat/completions", "/v1/chat/completions"]);
    expect(up.connections).toBe(1);
    pool.close();
  });

  it("fails a call cancelled while it waits for a connection at once, without costing a connection", async () => {
    const up = await upstream((s) => setTimeout(() => s.write(OK), 100));
    const client = createUpstreamClient({ connections: 1 });
    const u: UpstreamConfig = {
      name: "u",
      type: "openai",
      baseUrl: `${up.url}/v1`,
      apiKey: undefined,
      formats: ["openai"],
      timeoutMs: 2000,
      headers: {},
    };
    const req = { url: `${up.url}/v1/chat/completions`, headers: {}, body: "{}" };
    const busy = client.send(u, req);
    const queued = client.send(u, req);
    queued.cancel();
    await expect(queued.response).rejects.toMatchObject({ name: "AbortError" });
    expect(await (await busy.response).body.text(1000)).toBe('{"ok":true}');
    const after = client.send(u, req);
    expect(await (await after.response).body.text(1000)).toBe('{"ok":true}');
    expect(up.requests).toHaveLength(2);
    expect(up.connections).toBe(1);
    await client.close();
  });

  it("sends nothing when a header would break the request's framing", async () => {
    const up = await upstream((s) => s.write(OK));
    const pool = new H1Pool(up.url, { connections: 1 });
    const seen = await send(pool, { headers: { "x-a": "b\r\nx-injected: 1" } });
    expect((seen.error as UpstreamConnectionError).code).toBe("invalid request");
    expect(up.requests).toEqual([]);
    pool.close();
  });

  it("speaks TLS, checking the upstream's certificate", async () => {
    const dir = new URL("../../../test/fixtures/tls/", import.meta.url);
    const cert = readFileSync(new URL("localhost-cert.pem", dir));
    const key = readFileSync(new URL("localhost-key.pem", dir));
    const https = createHttpsServer({ cert, key }, (req, res) => {
      req.resume();
      req.on("end", () => res.end('{"tls":true}'));
    });
    servers.push(https);
    await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
    const url = `https://localhost:${(https.address() as AddressInfo).port}`;
    const trusted = new H1Pool(url, { connections: 1, tls: { ca: cert } });
    const seen = await send(trusted);
    expect([seen.status, seen.body]).toEqual([200, '{"tls":true}']);
    trusted.close();
    const untrusted = new H1Pool(url, { connections: 1 });
    const refused = await send(untrusted);
    expect((refused.error as { code?: string }).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    untrusted.close();
  });
});

describe("reading a response head", () => {
  it("keeps repeated headers, lower-cases names and trims values", () => {
    expect(
      parseResponseHead(
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After:  3 \r\nset-cookie: a\r\nSet-Cookie: b",
      ),
    ).toEqual({
      status: 429,
      http11: true,
      headers: { "retry-after": "3", "set-cookie": ["a", "b"] },
    });
  });
});
