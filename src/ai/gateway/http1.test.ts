import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, startTestGateway, type TestGateway } from "../../../test/helpers/gateway.js";
import { parseRequestHead } from "./http1-head.js";

/** A head as an SDK sends it, with `lines` instead of the usual headers when given. */
function head(lines?: string[], requestLine = "POST /v1/chat/completions?beta=true HTTP/1.1"): Buffer {
  const headers = lines ?? ["Host: 127.0.0.1:8787", "Content-Type: application/json", "Content-Length: 2"];
  return Buffer.from(`${requestLine}\r\n${headers.join("\r\n")}\r\n\r\n{}`, "latin1");
}

describe("reading a request head", () => {
  it("reads what the front answers: method, target with its query, lower-case names, trimmed values", () => {
    const h = parseRequestHead(
      head(["Host: a", "User-Agent:  OpenAI/JS 6.1.0\t", "content-length: 2", "Connection: keep-alive"]),
    );
    expect(h).toEqual({
      method: "POST",
      url: "/v1/chat/completions?beta=true",
      headers: {
        host: "a",
        "user-agent": "OpenAI/JS 6.1.0",
        "content-length": "2",
        connection: "keep-alive",
      },
      contentLength: 2,
      size:
        head(["Host: a", "User-Agent:  OpenAI/JS 6.1.0\t", "content-length: 2", "Connection: keep-alive"])
          .length - 2,
    });
  });

  it("waits for the rest of a head that has not all arrived", () => {
    expect(parseRequestHead(Buffer.from("POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\n"))).toBe("more");
  });

  // Each of these goes to node:http, whose own checks answer it (or refuse it): the front never frames a
  // request another HTTP parser could frame differently.
  const other: [string, Buffer][] = [
    [
      "Transfer-Encoding beside Content-Length",
      head(["Host: a", "Content-Length: 2", "Transfer-Encoding: chunked"]),
    ],
    ["a chunked body", head(["Host: a", "Transfer-Encoding: chunked"])],
    ["two Content-Lengths", head(["Host: a", "Content-Length: 2", "Content-Length: 2"])],
    ["a signed Content-Length", head(["Host: a", "Content-Length: +2"])],
    ["a listed Content-Length", head(["Host: a", "Content-Length: 2, 2"])],
    ["no Content-Length", head(["Host: a"])],
    ["no Host", head(["Content-Length: 2"])],
    [
      "a repeated header",
      head(["Host: a", "Content-Length: 2", "Authorization: Bearer x", "authorization: Bearer y"]),
    ],
    ["a folded header line", head(["Host: a", "Content-Length: 2", "X-A: one", " two"])],
    ["a space before the colon", head(["Host: a", "Content-Length : 2"])],
    ["a bare LF", head(["Host: a\nContent-Length: 2"])],
    ["a bare CR in a value", head(["Host: a", "Content-Length: 2", "X-A: b\rc"])],
    ["a NUL in a value", head(["Host: a", "Content-Length: 2", "X-A: b\u0000c"])],
    ["Expect", head(["Host: a", "Content-Length: 2", "Expect: 100-continue"])],
    ["Upgrade", head(["Host: a", "Content-Length: 2", "Upgrade: websocket"])],
    ["Connection: close", head(["Host: a", "Content-Length: 2", "Connection: close"])],
    ["a __proto__ header", head(["Host: a", "Content-Length: 2", "__proto__: x"])],
    ["HTTP/1.0", head(undefined, "POST /v1/chat/completions HTTP/1.0")],
    ["an absolute target", head(undefined, "POST http://a/v1/chat/completions HTTP/1.1")],
    ["a space in the target", head(undefined, "POST /v1/chat completions HTTP/1.1")],
    [
      "more than 100 headers",
      head(["Host: a", "Content-Length: 2", ...Array.from({ length: 100 }, (_, i) => `X-${i}: v`)]),
    ],
    ["a head over 16 KB", head(["Host: a", "Content-Length: 2", `X-Big: ${"v".repeat(17_000)}`])],
  ];
  it.each(other)("leaves %s to node:http", (_, bytes) => {
    expect(parseRequestHead(bytes)).toBe("other");
  });
});

/** One HTTP/1.1 response read off a socket. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A raw connection to the gateway: what it wrote, read as responses; whether it closed. */
class Raw {
  readonly socket: Socket;
  #parts: Buffer[] = [];
  closed = false;
  constructor(url: string, options: { allowHalfOpen?: boolean } = {}) {
    this.socket = connect({ port: Number(new URL(url).port), host: "127.0.0.1", ...options });
    this.socket.on("data", (d: Buffer) => this.#parts.push(d));
    this.socket.on("close", () => (this.closed = true));
    this.socket.on("error", () => undefined);
  }
  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }
  /** The next `n` responses, in order (Content-Length or chunked bodies). */
  async responses(n: number, timeoutMs?: number): Promise<Answer[]> {
    return eventually(
      () => {
        if (this.#parts.length > 1) this.#parts = [Buffer.concat(this.#parts)];
        const data = this.#parts[0] ?? Buffer.alloc(0);
        const out: Answer[] = [];
        let at = 0;
        while (out.length < n) {
          const end = data.indexOf("\r\n\r\n", at);
          if (end < 0) return undefined;
          const lines = data.toString("latin1", at, end).split("\r\n");
          const headers: Record<string, string> = {};
          for (const l of lines.slice(1))
            headers[l.slice(0, l.indexOf(":")).toLowerCase()] = l.slice(l.indexOf(":") + 1).trim();
          let p = end + 4;
          let body = "";
          if (headers["content-length"] !== undefined) {
            const len = Number(headers["content-length"]);
            if (data.length < p + len) return undefined;
            body = data.toString("utf8", p, p + len);
            p += len;
          } else if (headers["transfer-encoding"] === "chunked") {
            for (;;) {
              const e = data.indexOf("\r\n", p);
              if (e < 0) return undefined;
              const size = parseInt(data.toString("latin1", p, e), 16);
              if (data.length < e + 2 + size + 2) return undefined;
              body += data.toString("utf8", e + 2, e + 2 + size);
              p = e + 2 + size + 2;
              if (size === 0) break;
            }
          }
          out.push({ status: Number(lines[0]!.split(" ")[1]), headers, body });
          at = p;
        }
        return out;
      },
      `${n} responses`,
      timeoutMs,
    );
  }
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.fake.reset();
});

function chat(content: string, extra = "", stream = false, model = "gpt-4o"): string {
  const body = JSON.stringify({ model, stream, messages: [{ role: "user", content }] });
  return (
    `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${gw.key}\r\n` +
    `Content-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

const said = (a: Answer) =>
  (JSON.parse(a.body) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;

describe("the gateway's HTTP/1.1 front", () => {
  it("answers requests one after another on a kept-alive connection, and pipelined ones in order", async () => {
    const c = new Raw(gw.url);
    c.send(chat("first"));
    const [a] = await c.responses(1);
    c.send(chat("second") + chat("third"));
    const all = await c.responses(3);
    expect(all.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(all.map(said)).toEqual(["You said: first", "You said: second", "You said: third"]);
    expect(a!.headers["x-detente-decision"]).toBe("allow");
    expect(a!.headers.connection).toBe("keep-alive");
    expect(a!.headers.date).toMatch(/GMT$/);
    expect(c.closed).toBe(false);
    c.socket.destroy();
  });

  it("streams an answer in chunks and goes on with the next request on the same connection", async () => {
    gw.fake.respondWith({ kind: "text", text: "one two three", chunkSize: 4 });
    const c = new Raw(gw.url);
    c.send(chat("a story", "", true) + chat("after the story"));
    const [stream, next] = await c.responses(2);
    expect(stream!.headers["transfer-encoding"]).toBe("chunked");
    expect(stream!.headers["content-type"]).toMatch(/^text\/event-stream/);
    const text = stream!.body
      .split("\n")
      .filter((l) => l.startsWith("data: {"))
      .map(
        (l) =>
          (JSON.parse(l.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta
            .content ?? "",
      )
      .join("");
    expect(text).toBe("one two three");
    expect(stream!.body).toContain("data: [DONE]");
    expect(said(next!)).toBe("You said: after the story");
    c.socket.destroy();
  });

  it("hands a connection to node:http, bytes read included, when a request is not its own", async () => {
    const c = new Raw(gw.url);
    c.send(chat("fast"));
    await c.responses(1);
    c.send("GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n");
    c.send(chat("after"));
    const [, health, after] = await c.responses(3);
    expect(health!.status).toBe(200);
    expect(JSON.parse(health!.body)).toEqual({ status: "ok" });
    expect(said(after!)).toBe("You said: after");
    c.socket.destroy();
  });

  it("leaves a chunked body and a head that arrives in pieces to node:http, which answers them", async () => {
    const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "chunked" }] });
    const c = new Raw(gw.url);
    c.send(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${gw.key}\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    const [a] = await c.responses(1);
    expect(said(a!)).toBe("You said: chunked");
    const d = new Raw(gw.url);
    const split = chat("in pieces");
    d.send(split.slice(0, 25));
    await new Promise((r) => setTimeout(r, 50));
    d.send(split.slice(25));
    const [b] = await d.responses(1);
    expect(said(b!)).toBe("You said: in pieces");
    c.socket.destroy();
    d.socket.destroy();
  });

  it("never answers a request hidden in another's body (Content-Length beside Transfer-Encoding)", async () => {
    const hidden = chat("smuggled");
    const c = new Raw(gw.url);
    c.send(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${gw.key}\r\n` +
        `Content-Length: ${5 + hidden.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${hidden}`,
    );
    const [a] = await c.responses(1);
    expect(a!.status).toBe(400);
    await eventually(() => (c.closed ? true : undefined), "the connection to be closed");
    expect(gw.fake.requests).toHaveLength(0);
  });

  it("refuses two Content-Lengths that disagree (node:http's 400), forwarding nothing", async () => {
    const c = new Raw(gw.url);
    c.send(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${gw.key}\r\n` +
        `Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}`,
    );
    const [a] = await c.responses(1);
    expect(a!.status).toBe(400);
    expect(gw.fake.requests).toHaveLength(0);
  });

  it("cancels the upstream request when the client stops sending while its answer is awaited", async () => {
    gw.fake.respondWith({ kind: "hang" });
    const c = new Raw(gw.url);
    c.send(chat("wait for it"));
    await eventually(() => (gw.fake.requests.length > 0 ? true : undefined), "the upstream request");
    c.socket.end();
    await eventually(() => (gw.fake.aborted > 0 ? true : undefined), "the upstream request to be cancelled");
    await eventually(() => (c.closed ? true : undefined), "the connection to be closed");
    const event = await eventually(() => gw.events.find((e) => e.error === "client_closed"), "the event");
    expect(event.status).toBe(499);
  });

  it(
    "stops reading a client that pipelines requests without reading the answers, until it reads them",
    { timeout: 180_000 },
    async () => {
      const n = 400;
      const big = "x".repeat(60_000); // each answer echoes it: 24 MB in all, more than the sockets hold
      const c = new Raw(gw.url);
      c.socket.pause();
      c.send(Array.from({ length: n }, () => chat(big)).join(""));
      // The number of requests forwarded stops growing (the same for a second) short of all of them.
      let last = -1;
      let same = 0;
      const whileUnread = await eventually(
        () => {
          const now = gw.fake.requests.length;
          same = now === last ? same + 1 : 0;
          last = now;
          return same >= 100 ? now : undefined;
        },
        "the gateway to stop reading",
        60_000,
      );
      expect(whileUnread).toBeLessThan(n);
      c.socket.resume();
      const all = await c.responses(n, 60_000);
      expect(all.every((a) => a.status === 200)).toBe(true);
      expect(gw.fake.requests).toHaveLength(n);
      c.socket.destroy();
    },
  );

  it("stops without waiting for a client that keeps its side open after the last answer", async () => {
    const own = await startTestGateway();
    own.fake.respondWith({ kind: "hang" });
    const c = new Raw(own.url, { allowHalfOpen: true });
    // The "slow" upstream times out after 500 ms: the 504 is written while the gateway stops, with
    // Connection: close, and this client never closes its side.
    c.send(chat("wait", "", false, "slow-model").replace(gw.key, own.key));
    await eventually(() => (own.fake.requests.length > 0 ? true : undefined), "the upstream request");
    const stopped = own.close().then(() => "stopped");
    const [a] = await c.responses(1);
    expect(a!.status).toBe(504);
    expect(a!.headers.connection).toBe("close");
    const outcome = await Promise.race([
      stopped,
      new Promise((r) => {
        setTimeout(() => {
          r("still open");
        }, 10_000);
      }),
    ]);
    expect(outcome).toBe("stopped");
    c.socket.destroy();
  });

  it("closes its kept-alive connections when the gateway stops", async () => {
    const own = await startTestGateway();
    const c = new Raw(own.url);
    c.send(chat("one").replace(gw.key, own.key));
    const [a] = await c.responses(1);
    expect(a!.status).toBe(200);
    const closed = once(c.socket, "close");
    await own.close();
    await closed;
    expect(c.closed).toBe(true);
  });
});
