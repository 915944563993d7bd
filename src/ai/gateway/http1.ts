// The gateway's own HTTP/1.1 front for model requests. `node:http` builds a readable stream for every
// request and a writable one for every response, with their events, timers and header bookkeeping:
// measured on a 2-core machine, a proxy that answers 16 KB POSTs spent a third of its CPU there. This
// front reads a request head itself and answers on the socket directly, but only for requests it can
// frame without doubt: `POST`, HTTP/1.1, one Content-Length, no Transfer-Encoding, no Expect or Upgrade,
// no repeated header, the whole head (at most 16 KB) in hand. Anything else (and any request a gateway
// does not claim) is handed with its connection, bytes already read included, to `node:http`, which
// keeps its own limits and checks for all of it. A request that both would frame differently (request
// smuggling) is therefore never answered here.
import { EventEmitter } from "node:events";
import { STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import type { GatewayRequest, GatewayResponse } from "./http-shapes.js";

/** The most bytes of a request head read here: `node:http`'s default `maxHeaderSize` too. */
const MAX_HEAD = 16 * 1024;
/** More header lines than this go to `node:http`. */
const MAX_HEADERS = 100;
/** Bytes a connection takes in while its last request is answered (pipelining) before it stops reading. */
const HOLD = 64 * 1024;
const END_OF_HEAD = Buffer.from("\r\n\r\n", "latin1");
const EMPTY = Buffer.alloc(0);

/** A request head this front can answer: its body is exactly `contentLength` bytes after `size`. */
export interface RequestHead {
  readonly method: string;
  readonly url: string;
  /** Lower-case names, no repeats, values trimmed (as `node:http` gives them). */
  readonly headers: IncomingHttpHeaders;
  readonly contentLength: number;
  /** Bytes of the head, the blank line that ends it included. */
  readonly size: number;
}

// RFC 9110: token characters (methods, header names) and a header value's (tab, visible ASCII, space,
// obs-text; no control characters). Each regular expression is linear: no two of its branches can
// match the same character, so nothing is ever tried twice.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \/[\x21-\x7e]* HTTP\/1\.1\r\n/;
/** Header lines to the end of the head, each `name:value` CRLF (obs-fold, a bare CR or LF: no match). */
const HEADER_LINES = /(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*\r\n)*$/y;

/**
 * Read a request head at the start of `buf`: the head when this front can answer it, "more" when the
 * head has not all arrived, "other" when it is one for `node:http` (see the top of this file).
 *
 * @example parseRequestHead(Buffer.from("POST /v1/x HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n{}"))
 */
export function parseRequestHead(buf: Buffer): RequestHead | "more" | "other" {
  const window = buf.length > MAX_HEAD + 4 ? buf.subarray(0, MAX_HEAD + 4) : buf;
  const end = window.indexOf(END_OF_HEAD);
  if (end < 0) return buf.length > MAX_HEAD + 4 ? "other" : "more";
  // The head with the CRLF that ends its last line.
  const s = buf.toString("latin1", 0, end + 2);
  if (!REQUEST_LINE.test(s)) return "other";
  const sp1 = s.indexOf(" ");
  const sp2 = s.indexOf(" ", sp1 + 1);
  let pos = s.indexOf("\r\n") + 2;
  HEADER_LINES.lastIndex = pos;
  if (!HEADER_LINES.test(s)) return "other";
  const headers: Record<string, string> = {};
  let count = 0;
  let contentLength = -1;
  while (pos < s.length) {
    const next = s.indexOf("\r\n", pos);
    if (++count > MAX_HEADERS) return "other";
    const colon = s.indexOf(":", pos);
    let from = colon + 1;
    let to = next;
    while (from < to && (s.charCodeAt(from) === 0x20 || s.charCodeAt(from) === 9)) from++;
    while (to > from && (s.charCodeAt(to - 1) === 0x20 || s.charCodeAt(to - 1) === 9)) to--;
    const name = s.slice(pos, colon).toLowerCase();
    const value = s.slice(from, to);
    // A repeat (node:http joins some, drops others), or a name that is not an own property's.
    if (headers[name] !== undefined || name === "__proto__") return "other";
    switch (name) {
      case "content-length":
        if (value.length === 0 || value.length > 15) return "other";
        for (let i = 0; i < value.length; i++) {
          const c = value.charCodeAt(i);
          if (c < 0x30 || c > 0x39) return "other";
        }
        contentLength = Number(value);
        break;
      case "transfer-encoding":
      case "expect":
      case "upgrade":
        return "other";
      case "connection":
        if (value.toLowerCase() !== "keep-alive") return "other";
        break;
    }
    headers[name] = value;
    pos = next + 2;
  }
  if (contentLength < 0 || headers.host === undefined) return "other";
  return { method: s.slice(0, sp1), url: s.slice(sp1 + 1, sp2), headers, contentLength, size: end + 4 };
}

let dateSecond = -1;
let dateText = "";
/** The Date header's value, made once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function checkedValue(name: string, value: string): string {
  if (BAD_VALUE_CHAR.test(value)) throw new TypeError(`Invalid character in header content ["${name}"]`);
  return value;
}

function byteLength(chunk: string | Buffer): number {
  return typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
}

/** What a connection tells the responses it serves. */
interface ResponseOwner {
  /** The Connection header a response should send: keep-alive with its timeout, or close. */
  connectionHeader(): string;
  responded(res: Http1Response): void;
}

/**
 * One response written straight to the connection's socket, with `node:http`'s meaning: a head built by
 * `writeHead` goes out with the first write (`flushHeaders` sends it alone); a body given whole to `end`
 * gets a Content-Length, anything written in pieces without one is chunked. 'close' is emitted once,
 * after the last byte was handed to the kernel ('finish' first) or when the client went away.
 */
export class Http1Response extends EventEmitter implements GatewayResponse {
  statusCode = 200;
  destroyed = false;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  /** True when the connection closes after this response (`Connection: close` was sent). */
  closes = false;
  private head = "";
  private length = -1;
  private sent = false;
  private chunked = false;
  private closed = false;

  constructor(
    private readonly owner: ResponseOwner,
    private readonly socket: Socket,
  ) {
    super();
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): this {
    if (this.headersSent) throw new Error("The response's head was already written.");
    if (!Number.isInteger(status) || status < 100 || status > 999)
      throw new RangeError(`Invalid status code: ${status}`);
    this.statusCode = status;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
    let connection = "";
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      if (!TOKEN.test(name)) throw new TypeError(`Header name must be a valid HTTP token ["${name}"]`);
      const lower = name.toLowerCase();
      // Framing is this front's: a body's length is given by the gateway or counted here.
      if (lower === "transfer-encoding") throw new TypeError("The front frames response bodies itself.");
      if (lower === "content-length") this.length = Number(value);
      if (lower === "connection") connection = String(value);
      if (Array.isArray(value)) for (const v of value) head += `${name}: ${checkedValue(name, v)}\r\n`;
      else head += `${name}: ${checkedValue(name, String(value))}\r\n`;
    }
    head += `Date: ${httpDate()}\r\n`;
    if (connection === "") {
      const own = this.owner.connectionHeader();
      head += own;
      this.closes = own.startsWith("Connection: close");
    } else this.closes = connection.toLowerCase() === "close";
    this.head = head;
    this.headersSent = true;
    return this;
  }

  flushHeaders(): void {
    if (!this.headersSent) this.writeHead(this.statusCode, {});
    if (this.sent || this.destroyed) return;
    this.socket.write(this.framedHead(), "latin1");
  }

  write(chunk: string | Buffer): boolean {
    if (this.writableEnded || this.destroyed) return false;
    if (!this.headersSent) this.writeHead(this.statusCode, {});
    const s = this.socket;
    const n = byteLength(chunk);
    if (n === 0 && this.sent) return s.writableLength < s.writableHighWaterMark;
    s.cork();
    if (!this.sent) s.write(this.framedHead(), "latin1");
    let ok = true;
    if (n > 0) {
      if (this.chunked) {
        s.write(`${n.toString(16)}\r\n`, "latin1");
        s.write(chunk);
        ok = s.write("\r\n", "latin1");
      } else ok = s.write(chunk);
    }
    s.uncork();
    return ok;
  }

  end(chunk?: string | Buffer): this {
    if (this.writableEnded) return this;
    if (!this.headersSent) this.writeHead(this.statusCode, {});
    this.writableEnded = true;
    if (this.destroyed) return this;
    const s = this.socket;
    const n = chunk === undefined ? 0 : byteLength(chunk);
    s.cork();
    if (!this.sent && this.length < 0) {
      this.head += `Content-Length: ${n}\r\n`;
      this.length = n;
    }
    if (!this.sent) s.write(this.framedHead(), "latin1");
    if (this.chunked) {
      if (n > 0) {
        s.write(`${n.toString(16)}\r\n`, "latin1");
        s.write(chunk!);
        s.write("\r\n", "latin1");
      }
      s.write("0\r\n\r\n", "latin1", this.onFlushed);
    } else s.write(n > 0 ? chunk! : EMPTY, this.onFlushed);
    s.uncork();
    this.owner.responded(this);
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    this.socket.destroy();
    return this;
  }

  /** The client went away (or the connection was cut) before this response was done. */
  gone(): void {
    this.destroyed = true;
    this.close();
  }

  private readonly onFlushed = (err?: Error | null): void => {
    if (!err) {
      this.writableFinished = true;
      this.emit("finish");
    } else this.destroyed = true;
    this.close();
  };

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("close");
  }

  /** The head with its framing: chunked when no length is known by now. */
  private framedHead(): string {
    this.sent = true;
    if (this.length < 0) {
      this.chunked = true;
      return `${this.head}Transfer-Encoding: chunked\r\n\r\n`;
    }
    return `${this.head}\r\n`;
  }
}

/** What a connection needs from its server. */
export interface Http1Options {
  /** The handler of a request this front answers, or undefined to leave it (and its connection) to `node:http`. */
  claim(head: RequestHead): ((req: GatewayRequest, res: Http1Response, body: Buffer) => void) | undefined;
  /** Give the socket to `node:http`; what was read of it is back in its readable buffer. */
  handOff(socket: Socket): void;
  /** How long an idle connection (or one whose request body stalls) stays open. */
  keepAliveMs(): number;
  /** True once the server is closing: connections close after the response in flight. */
  closing(): boolean;
}

/**
 * One client connection served by this front: requests are read one at a time (pipelined ones wait
 * their turn), each answered by its claim's handler, until one is not this front's, when the
 * connection goes to `node:http` as it is.
 *
 * @example server.on("connection", (socket) => new Http1Connection(socket, options));
 */
export class Http1Connection {
  private parts: Buffer[] = [];
  private size = 0;
  private pending: { head: RequestHead; handler: NonNullable<ReturnType<Http1Options["claim"]>> } | null =
    null;
  private res: Http1Response | null = null;
  private ended = false;
  /** Waiting for the client to read what was written before reading its next request. */
  private draining = false;
  /** Closed, or handed to `node:http`: nothing more is done here. */
  private done = false;

  constructor(
    readonly socket: Socket,
    private readonly options: Http1Options,
  ) {
    socket.setNoDelay(true);
    for (const [event, listener] of this.listeners()) socket.on(event, listener);
    socket.setTimeout(options.keepAliveMs());
  }

  /** No request read, waiting or being answered: the connection can be cut without losing anything. */
  get idle(): boolean {
    return !this.done && !this.draining && this.res === null && this.pending === null && this.size === 0;
  }

  connectionHeader(): string {
    if (this.ended || this.options.closing()) return "Connection: close\r\n";
    const seconds = Math.floor(this.options.keepAliveMs() / 1000);
    return seconds > 0
      ? `Connection: keep-alive\r\nKeep-Alive: timeout=${seconds}\r\n`
      : "Connection: keep-alive\r\n";
  }

  responded(res: Http1Response): void {
    if (res !== this.res) return;
    this.res = null;
    if (this.done) return;
    if (res.closes) {
      this.close();
      return;
    }
    // As node:http: a client that sends requests without reading the answers is not read any further
    // until it has taken what was written (otherwise the answers pile up in memory).
    if (this.socket.writableNeedDrain) {
      this.draining = true;
      this.socket.pause();
      return;
    }
    this.goOn();
  }

  /** Read on: the next request waiting, or wait idle. */
  private goOn(): void {
    if (this.socket.isPaused()) this.socket.resume();
    if (this.size > 0 || this.ended)
      process.nextTick(() => {
        this.next();
      });
    else this.socket.setTimeout(this.options.keepAliveMs());
  }

  /** Close once what was written has gone out (node:http's `destroySoon`: the socket allows half-open). */
  private close(): void {
    this.done = true;
    this.socket.end(() => this.socket.destroy());
  }

  private readonly onData = (chunk: Buffer): void => {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.res !== null || this.draining) {
      if (this.size > HOLD) this.socket.pause();
      return;
    }
    this.next();
  };

  /** Read and answer what has arrived, while nothing is being answered. */
  private next(): void {
    while (this.res === null && !this.done) {
      if (this.pending === null) {
        if (this.size === 0) {
          if (this.ended) this.close();
          else this.socket.setTimeout(this.options.keepAliveMs());
          return;
        }
        const buf = this.joined();
        const head = parseRequestHead(buf);
        const handler = typeof head === "object" ? this.options.claim(head) : undefined;
        if (typeof head !== "object" || handler === undefined) {
          this.handOff();
          return;
        }
        this.take(head.size);
        this.pending = { head, handler };
      }
      const { head, handler } = this.pending;
      if (this.size < head.contentLength) {
        if (this.ended)
          this.socket.destroy(); // the body was cut short
        else this.socket.setTimeout(this.options.keepAliveMs()); // a body that stalls is cut
        return;
      }
      const body = this.take(head.contentLength);
      this.pending = null;
      this.socket.setTimeout(0);
      const res = new Http1Response(this, this.socket);
      this.res = res;
      handler({ method: head.method, url: head.url, headers: head.headers }, res, body);
    }
  }

  private readonly onEnd = (): void => {
    this.ended = true;
    if (this.done) return;
    // As node:http (without `httpAllowHalfOpen`): a client that stops sending while its request is read
    // or answered has gone away, and the upstream request is cancelled.
    if (this.res !== null || this.pending !== null) this.socket.destroy();
    else this.next();
  };

  private readonly onClose = (): void => {
    this.done = true;
    const res = this.res;
    this.res = null;
    res?.gone();
  };

  private readonly onError = (): void => {
    // 'close' follows; a reset client is nothing to report.
  };

  private readonly onDrain = (): void => {
    if (this.draining) {
      this.draining = false;
      if (!this.done) this.goOn();
    } else this.res?.emit("drain");
  };

  private readonly onTimeout = (): void => {
    if (this.res === null) this.socket.destroy();
  };

  /** Everything read so far, as one buffer. */
  private joined(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.size)];
    return this.parts[0]!;
  }

  /** The first `n` bytes read, taken out. */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.parts[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.parts, this.size);
      out = all.subarray(0, n);
      this.parts = this.size > n ? [all.subarray(n)] : [];
    }
    this.size -= n;
    return out;
  }

  /** The socket events this connection listens to (and stops listening to when it hands the socket over). */
  private listeners(): [string, (chunk: Buffer) => void][] {
    return [
      ["data", this.onData],
      ["end", this.onEnd],
      ["close", this.onClose],
      ["error", this.onError],
      ["drain", this.onDrain],
      ["timeout", this.onTimeout],
    ];
  }

  private handOff(): void {
    this.done = true;
    const s = this.socket;
    for (const [event, listener] of this.listeners()) s.off(event, listener);
    s.setTimeout(0);
    s.pause();
    if (this.size > 0) s.unshift(this.joined());
    this.parts = [];
    this.size = 0;
    this.options.handOff(s);
    // node:http reads the paused socket once it flows again: what was put back first, then the rest.
    s.resume();
  }
}
