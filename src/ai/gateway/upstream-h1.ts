// The gateway's HTTP/1.1 client for model requests: a pool of keep-alive connections per upstream origin
// (plain TCP or TLS), each carrying one request at a time. It does what the gateway needs of undici's
// `Pool.dispatch` (measured: a third of the CPU a proxied 16 KB request cost in its HTTP layers) and no
// more: POST with a known length, the answer's status, headers and body as they arrive, backpressure,
// cancellation, and timeouts for the head and between pieces of the body. An answer it cannot frame
// without doubt is an error (a 502 for the client), never a guess; a connection is reused only after an
// answer that ended cleanly and said nothing against it.
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";

/** Steers a request in flight (undici calls it a dispatch controller). */
export interface H1Controller {
  /** Stop: the connection is closed and the handler gets `onResponseError(reason)`. */
  abort(reason: Error): void;
  /** Deliver no more of the body until `resume` (the reader is behind). */
  pause(): void;
  resume(): void;
}

/** What a request's answer is delivered to, in this order: start, data..., then end or error. */
export interface H1Handler {
  onRequestStart(controller: H1Controller): void;
  onResponseStart(controller: H1Controller, status: number, headers: Record<string, string | string[]>): void;
  onResponseData(controller: H1Controller, chunk: Buffer): void;
  onResponseEnd(controller: H1Controller): void;
  onResponseError(controller: H1Controller | null, err: Error): void;
}

/** One POST: the path with its query, headers (lower-case names), the body, and the two timeouts in ms. */
export interface H1Request {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
}

/** The upstream sent no head within `headersTimeout`, or nothing more of the body within `bodyTimeout`. */
export class UpstreamTimeout extends Error {
  override readonly name = "UpstreamTimeout";
  constructor(readonly phase: "headers" | "body") {
    super(`no ${phase === "headers" ? "answer" : "more of the answer"} in time`);
  }
}

/** The connection failed in a way that has a short name for messages (`code`, as Node's errors have). */
export class UpstreamConnectionError extends Error {
  override readonly name = "UpstreamConnectionError";
  constructor(readonly code: "invalid response" | "closed early" | "invalid request" | "connect timeout") {
    super(code);
  }
}

const MAX_HEAD = 64 * 1024;
const MAX_HEADERS = 200;
const MAX_CHUNK_LINE = 4096;
/** How long an idle connection is kept when the upstream gives no `Keep-Alive: timeout` (undici's too). */
const DEFAULT_KEEP_ALIVE_MS = 4000;
const MAX_KEEP_ALIVE_MS = 600_000;
const CRLF = Buffer.from("\r\n", "latin1");
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const EMPTY = Buffer.alloc(0);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const PATH = /^\/[\x21-\x7e]*$/;
/** Header lines, each `name:value` and a CRLF but the last (a bare CR or LF, a folded line: no match). */
const HEADER_LINES = /(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*(?:\r\n|$))*$/y;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})[\t ]*(?:;[^\r\n]*)?$/;
/** Headers the pool writes itself; a configured one of these names is left out. */
const OWN_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive"]);

/** A response head as read: status, HTTP/1.1 or not, lower-case names (repeats as arrays). */
export interface ResponseHead {
  readonly status: number;
  readonly http11: boolean;
  readonly headers: Record<string, string | string[]>;
}

/**
 * Read a response head (without the blank line that ends it), or null when it is not a well-formed one.
 *
 * @example parseResponseHead("HTTP/1.1 200 OK\r\ncontent-length: 2") // { status: 200, http11: true, ... }
 */
export function parseResponseHead(text: string): ResponseHead | null {
  let line = text.indexOf("\r\n");
  if (line < 0) line = text.length;
  const m = STATUS_LINE.exec(text.slice(0, line));
  if (!m) return null;
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  if (line < text.length) {
    HEADER_LINES.lastIndex = line + 2;
    if (!HEADER_LINES.test(text)) return null;
  }
  let count = 0;
  for (let pos = line + 2; pos < text.length;) {
    let next = text.indexOf("\r\n", pos);
    if (next < 0) next = text.length;
    if (++count > MAX_HEADERS) return null;
    const colon = text.indexOf(":", pos);
    const key = text.slice(pos, colon).toLowerCase();
    const value = text.slice(colon + 1, next).trim();
    const had = headers[key];
    if (had === undefined) headers[key] = value;
    else if (Array.isArray(had)) had.push(value);
    else headers[key] = [had, value];
    pos = next + 2;
  }
  return { status: Number(m[2]), http11: m[1] === "1", headers };
}

/** How a response's body is framed, from its head: a length, chunks, or to the end of the connection. */
function framing(head: ResponseHead): { length: number; chunked: boolean; reusable: boolean } | null {
  const h = head.headers;
  const connection = String(h.connection ?? "").toLowerCase();
  let reusable = head.http11 && !connection.includes("close");
  if (head.status === 204 || head.status === 304) return { length: 0, chunked: false, reusable };
  const te = h["transfer-encoding"];
  if (te !== undefined) {
    const codings = (Array.isArray(te) ? te.join(",") : te).toLowerCase().split(",");
    // With a Content-Length beside it, the answer is read by its chunks and the connection not reused.
    if (h["content-length"] !== undefined) reusable = false;
    if (codings.at(-1)!.trim() === "chunked") return { length: -1, chunked: true, reusable };
    return { length: -1, chunked: false, reusable: false };
  }
  const cl = h["content-length"];
  if (cl !== undefined) {
    const values = (Array.isArray(cl) ? cl : [cl]).flatMap((v) => v.split(",").map((x) => x.trim()));
    if (!values.every((v) => /^\d{1,15}$/.test(v)) || new Set(values).size !== 1) return null;
    return { length: Number(values[0]), chunked: false, reusable };
  }
  return { length: -1, chunked: false, reusable: false };
}

/** The idle time an upstream allows (its `Keep-Alive: timeout=N`, less a second), or the default. */
function keepAliveMs(head: ResponseHead): number {
  const hint = head.headers["keep-alive"];
  const m = /(?:^|[\s,])timeout=(\d+)/i.exec(Array.isArray(hint) ? hint.join(",") : (hint ?? ""));
  if (!m) return DEFAULT_KEEP_ALIVE_MS;
  return Math.min(Number(m[1]) * 1000 - 1000, MAX_KEEP_ALIVE_MS);
}

type State = "idle" | "head" | "length" | "size" | "data" | "data-end" | "trailers" | "to-close";

/**
 * The controller of one request: inert once its answer ended or failed, so a late call from its
 * handler never touches the request that takes the connection next.
 */
class RequestControl implements H1Controller {
  constructor(
    private readonly conn: H1Connection,
    readonly handler: H1Handler,
  ) {}
  abort(reason: Error): void {
    if (this.conn.current === this) this.conn.abort(reason);
  }
  pause(): void {
    if (this.conn.current === this) this.conn.pause();
  }
  resume(): void {
    if (this.conn.current === this) this.conn.resume();
  }
}

/**
 * How long a connection may take to open (TCP and TLS), as undici's pool allows. Opening also counts in
 * the request's time to the answer's head, so an upstream with a shorter `timeoutMs` gives up sooner.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/** One connection to an upstream, carrying one request at a time. */
class H1Connection {
  readonly socket: Socket;
  private handler: H1Handler | null = null;
  private request: H1Request | null = null;
  private state: State = "idle";
  private pending: Buffer | null = null;
  private remaining = 0;
  private reusable = false;
  private keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  private paused = false;
  /** The upstream ended its side while the reader was paused: acted on once what was read is delivered. */
  private eof = false;
  private failure: Error | null = null;
  /** The request in flight's controller (null when idle). */
  current: RequestControl | null = null;
  /** Time to the answer's head: counted from the request, not restarted by each byte (undici's meaning). */
  private headTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null;
  /** When an idle connection may no longer be reused (ms since the epoch). */
  expires = 0;

  constructor(private readonly pool: H1Pool) {
    this.socket = pool.connect();
    this.socket.setNoDelay(true);
    this.socket.on("data", this.onData);
    this.socket.on("end", this.onEnd);
    this.socket.on("error", this.onError);
    this.socket.on("close", this.onClose);
    this.socket.on("timeout", this.onTimeout);
    this.socket.once(pool.secure ? "secureConnect" : "connect", this.onConnect);
    this.connectTimer = setTimeout(this.onConnectTimeout, pool.connectTimeoutMs);
  }

  send(req: H1Request, handler: H1Handler): void {
    this.reset();
    const control = new RequestControl(this, handler);
    this.current = control;
    this.handler = handler;
    this.request = req;
    this.state = "head";
    this.socket.ref();
    handler.onRequestStart(control);
    if (this.current !== control) return; // aborted at once
    let head = `POST ${req.path} HTTP/1.1\r\nhost: ${this.pool.host}\r\nconnection: keep-alive\r\n`;
    for (const name in req.headers) {
      if (OWN_HEADERS.has(name)) continue;
      const value = req.headers[name]!;
      if (!TOKEN.test(name) || BAD_VALUE_CHAR.test(value)) {
        this.fail(new UpstreamConnectionError("invalid request"));
        return;
      }
      head += `${name}: ${value}\r\n`;
    }
    if (!PATH.test(req.path)) {
      this.fail(new UpstreamConnectionError("invalid request"));
      return;
    }
    const length = typeof req.body === "string" ? Buffer.byteLength(req.body) : req.body.byteLength;
    head += `content-length: ${length}\r\n\r\n`;
    this.headTimer = setTimeout(this.onHeadTimeout, req.headersTimeout);
    this.socket.cork();
    this.socket.write(head, "latin1");
    this.socket.write(req.body);
    this.socket.uncork();
  }

  abort(reason: Error): void {
    if (this.handler !== null) this.fail(reason);
  }

  pause(): void {
    if (this.handler === null || this.paused) return;
    this.paused = true;
    this.socket.pause();
    this.socket.setTimeout(0); // the body timeout counts the upstream's silence, not the reader's
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.handler === null) return;
    // What arrived before the pause goes first (the reader may pause again on it), then the socket.
    if (this.pending !== null) this.read(EMPTY);
    if (this.paused || this.handler === null) return;
    if (this.eof) {
      this.ended();
      return;
    }
    this.socket.setTimeout(this.request!.bodyTimeout);
    this.socket.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.handler === null) {
      // Bytes nobody asked for (on an idle connection): it cannot be trusted with another request.
      this.socket.destroy();
      return;
    }
    this.read(chunk);
  };

  /** Read what arrived, in the state the answer is in, and deliver it. */
  private read(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending !== null) {
      buf = chunk.length === 0 ? this.pending : Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    while (this.handler !== null) {
      if (this.paused) {
        if (pos < buf.length) this.pending = buf.subarray(pos);
        return;
      }
      if (pos >= buf.length) return;
      switch (this.state) {
        case "head": {
          const end = buf.indexOf(CRLFCRLF, pos);
          if (end < 0) {
            if (buf.length - pos > MAX_HEAD) this.fail(new UpstreamConnectionError("invalid response"));
            else this.pending = buf.subarray(pos);
            return;
          }
          if (end - pos > MAX_HEAD) {
            this.fail(new UpstreamConnectionError("invalid response"));
            return;
          }
          const head = parseResponseHead(buf.toString("latin1", pos, end));
          pos = end + 4;
          if (head === null || head.status === 101) {
            this.fail(new UpstreamConnectionError("invalid response"));
            return;
          }
          if (head.status < 200) break; // 1xx: the answer's own head follows
          const frame = framing(head);
          if (frame === null) {
            this.fail(new UpstreamConnectionError("invalid response"));
            return;
          }
          this.reusable = frame.reusable;
          this.keepAliveMs = keepAliveMs(head);
          this.state = frame.chunked ? "size" : frame.length < 0 ? "to-close" : "length";
          this.remaining = frame.length;
          this.socket.setTimeout(this.request!.bodyTimeout);
          this.clearHeadTimer();
          this.handler.onResponseStart(this.current!, head.status, head.headers);
          if (this.handler !== null && this.state === "length" && this.remaining === 0)
            this.finish(pos < buf.length);
          break;
        }
        case "length":
        case "data": {
          const n = Math.min(this.remaining, buf.length - pos);
          const piece = pos === 0 && n === buf.length ? buf : buf.subarray(pos, pos + n);
          pos += n;
          this.remaining -= n;
          this.handler.onResponseData(this.current!, piece);
          if (this.remaining === 0 && this.handler !== null) {
            if (this.state === "length") this.finish(pos < buf.length);
            else this.state = "data-end";
          }
          break;
        }
        case "data-end": {
          if (buf.length - pos < 2) {
            if (pos < buf.length) this.pending = buf.subarray(pos);
            return;
          }
          if (buf[pos] !== 13 || buf[pos + 1] !== 10) {
            this.fail(new UpstreamConnectionError("invalid response"));
            return;
          }
          pos += 2;
          this.state = "size";
          break;
        }
        case "size": {
          const end = buf.indexOf(CRLF, pos);
          if (end < 0 || end - pos > MAX_CHUNK_LINE) {
            if (end >= 0 || buf.length - pos > MAX_CHUNK_LINE) {
              this.fail(new UpstreamConnectionError("invalid response"));
              return;
            }
            this.pending = buf.subarray(pos);
            return;
          }
          const m = CHUNK_SIZE.exec(buf.toString("latin1", pos, end));
          if (!m) {
            this.fail(new UpstreamConnectionError("invalid response"));
            return;
          }
          pos = end + 2;
          this.remaining = parseInt(m[1]!, 16);
          this.state = this.remaining === 0 ? "trailers" : "data";
          break;
        }
        case "trailers": {
          const end = buf.indexOf(CRLF, pos);
          if (end < 0) {
            if (buf.length - pos > MAX_HEAD) {
              this.fail(new UpstreamConnectionError("invalid response"));
              return;
            }
            this.pending = buf.subarray(pos);
            return;
          }
          // Trailer lines are read past; the blank line ends the answer.
          const blank = end === pos;
          pos = end + 2;
          if (blank) this.finish(pos < buf.length);
          break;
        }
        case "to-close": {
          const piece = pos === 0 ? buf : buf.subarray(pos);
          pos = buf.length;
          this.handler.onResponseData(this.current!, piece);
          break;
        }
        case "idle":
          return;
      }
    }
  }

  /** The answer ended; `extra` when bytes followed it (the connection cannot be trusted again). */
  private finish(extra: boolean): void {
    const handler = this.handler!;
    const control = this.current!;
    // Reused only when nothing is left of this exchange: no bytes after the answer, the request all
    // written, the reader not paused, the upstream's side still open.
    const reusable =
      this.reusable &&
      !extra &&
      this.keepAliveMs > 0 &&
      !this.paused &&
      !this.eof &&
      !this.socket.destroyed &&
      this.socket.writableLength === 0;
    this.reset();
    if (reusable) {
      this.expires = Date.now() + this.keepAliveMs;
      this.socket.unref();
    }
    handler.onResponseEnd(control);
    if (reusable) this.pool.release(this);
    else this.socket.destroy();
  }

  private fail(err: Error): void {
    const handler = this.handler;
    const control = this.current;
    this.reset();
    this.socket.destroy();
    handler?.onResponseError(control, err);
  }

  /** Back to no request: the controller made inert, timers cleared. */
  private reset(): void {
    this.handler = null;
    this.current = null;
    this.request = null;
    this.state = "idle";
    this.pending = null;
    this.paused = false;
    this.clearHeadTimer();
    this.socket.setTimeout(0);
  }

  private clearHeadTimer(): void {
    if (this.headTimer !== null) clearTimeout(this.headTimer);
    this.headTimer = null;
  }

  /** The upstream's side ended, and everything read before it has been delivered. */
  private ended(): void {
    if (this.handler !== null && this.state === "to-close") this.finish(false);
    else if (this.handler !== null) this.fail(new UpstreamConnectionError("closed early"));
    this.socket.destroy();
  }

  private readonly onEnd = (): void => {
    this.eof = true;
    if (this.handler !== null && this.paused) return; // the rest is delivered on resume
    this.ended();
  };

  private readonly onConnect = (): void => {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  };

  private readonly onConnectTimeout = (): void => {
    this.connectTimer = null;
    this.failure = new UpstreamConnectionError("connect timeout");
    this.socket.destroy();
  };

  private readonly onHeadTimeout = (): void => {
    this.headTimer = null;
    if (this.handler !== null) this.fail(new UpstreamTimeout("headers"));
  };

  private readonly onError = (err: Error): void => {
    this.failure = err;
  };

  private readonly onClose = (): void => {
    this.onConnect();
    this.pool.closed(this);
    // A paused reader still gets what was read before the upstream closed, on resume.
    if (this.handler !== null && !(this.eof && this.paused))
      this.fail(this.failure ?? new UpstreamConnectionError("closed early"));
  };

  private readonly onTimeout = (): void => {
    if (this.handler !== null && !this.paused && this.state !== "head")
      this.fail(new UpstreamTimeout("body"));
    else if (this.handler === null) this.socket.destroy();
  };
}

/**
 * Keep-alive connections to one upstream origin (`https://host:port`), at most `connections` at once;
 * requests beyond that wait their turn.
 *
 * @example new H1Pool("https://api.openai.com", { connections: 256 }).dispatch(request, handler)
 */
export class H1Pool {
  readonly host: string;
  private readonly hostname: string;
  private readonly port: number;
  readonly secure: boolean;
  private readonly idle: H1Connection[] = [];
  private readonly waiting: [H1Request, H1Handler][] = [];
  private open = 0;
  private shut = false;
  /** Closes idle connections once they expire (unref'd: it never keeps the process alive). */
  private sweepTimer: NodeJS.Timeout | null = null;
  /** When that timer is due (ms since the epoch). */
  private sweepDue = Infinity;

  /** How long a connection may take to open (10 s unless `options.connectTimeoutMs` says otherwise). */
  readonly connectTimeoutMs: number;

  constructor(
    origin: string,
    private readonly options: { connections: number; tls?: ConnectionOptions; connectTimeoutMs?: number },
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const url = new URL(origin);
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new TypeError(`unsupported upstream protocol ${url.protocol}`);
    this.secure = url.protocol === "https:";
    this.host = url.host;
    this.hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    this.port = url.port === "" ? (this.secure ? 443 : 80) : Number(url.port);
  }

  dispatch(req: H1Request, handler: H1Handler): void {
    if (this.shut) {
      handler.onResponseError(null, new UpstreamConnectionError("closed early"));
      return;
    }
    const now = Date.now();
    for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) {
      if (c.expires > now && !c.socket.destroyed) {
        c.send(req, handler);
        return;
      }
      c.socket.destroy();
    }
    if (this.open < this.options.connections) {
      let c: H1Connection;
      try {
        c = new H1Connection(this);
      } catch (e) {
        handler.onResponseError(null, e as Error);
        return;
      }
      this.open++;
      c.send(req, handler);
    } else this.waiting.push([req, handler]);
  }

  /** A new socket to the origin. */
  connect(): Socket {
    if (!this.secure) return netConnect({ host: this.hostname, port: this.port });
    const options: ConnectionOptions = { host: this.hostname, port: this.port, ALPNProtocols: ["http/1.1"] };
    if (isIP(this.hostname) === 0) options.servername = this.hostname;
    return tlsConnect({ ...options, ...this.options.tls });
  }

  /** Take a request that still waits for a connection out of the queue; false when it is not there. */
  withdraw(handler: H1Handler): boolean {
    const i = this.waiting.findIndex(([, h]) => h === handler);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** A connection whose answer ended cleanly: the next waiting request takes it, or it waits idle. */
  release(c: H1Connection): void {
    const next = this.waiting.shift();
    if (next !== undefined) c.send(next[0], next[1]);
    else if (this.shut) c.socket.destroy();
    else {
      this.idle.push(c);
      // One timer, due at the earliest expiry (keep-alive times differ between answers).
      if (c.expires < this.sweepDue) this.sweepAt(c.expires);
    }
  }

  /**
   * Close the idle connections that expired by `at` (ms since the epoch), and then those that expire
   * later, at their time: an upstream that never closes an idle connection itself does not keep it open.
   */
  private sweepAt(at: number): void {
    if (this.sweepTimer !== null) clearTimeout(this.sweepTimer);
    this.sweepDue = at;
    this.sweepTimer = setTimeout(
      () => {
        this.sweepTimer = null;
        this.sweepDue = Infinity;
        const now = Date.now();
        let next = Infinity;
        for (const c of this.idle.slice()) {
          if (c.expires <= now)
            c.socket.destroy(); // `closed` takes it out of `idle`
          else next = Math.min(next, c.expires);
        }
        if (next !== Infinity && !this.shut) this.sweepAt(next);
      },
      Math.max(0, at - Date.now()) + 5,
    );
    this.sweepTimer.unref();
  }

  /** A connection closed (by either side): a waiting request may open another. */
  closed(c: H1Connection): void {
    this.open--;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.waiting.shift();
    if (next !== undefined) this.dispatch(next[0], next[1]);
  }

  /** Close idle connections now and every other one after its answer; new requests fail. */
  close(): void {
    this.shut = true;
    if (this.sweepTimer !== null) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    this.sweepDue = Infinity;
    for (const c of this.idle.splice(0)) c.socket.destroy();
    for (const [, handler] of this.waiting.splice(0))
      handler.onResponseError(null, new UpstreamConnectionError("closed early"));
  }
}
