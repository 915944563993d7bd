// The gateway's HTTP/1.1 client for model requests: a pool of keep-alive connections per upstream origin
// (plain TCP or TLS), each carrying one request at a time. It does what the gateway needs of undici's
// `Pool.dispatch` (measured: a third of the CPU a proxied 16 KB request cost in its HTTP layers) and no
// more: POST with a known length (GET and DELETE without a body, for stored responses), the answer's
// status, headers and body as they arrive, backpressure, cancellation, and timeouts for the head and
// between pieces of the body. An answer it cannot frame without doubt is an error (a 502 for the
// client), never a guess; a connection is reused only after an answer that ended cleanly and said
// nothing against it.
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import {
  DEFAULT_KEEP_ALIVE_MS,
  framing,
  keepAliveMs,
  parseResponseHead,
  UpstreamConnectionError,
  UpstreamTimeout,
  type H1Controller,
  type H1Handler,
  type H1Request,
} from "./upstream-h1-head.js";

const MAX_HEAD = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
const CRLF = Buffer.from("\r\n", "latin1");
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const EMPTY = Buffer.alloc(0);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const PATH = /^\/[\x21-\x7e]*$/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})[\t ]*(?:;[^\r\n]*)?$/;
/** Headers the pool writes itself; a configured one of these names is left out. */
const OWN_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive"]);

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
    const method = req.method ?? "POST";
    let head = `${method} ${req.path} HTTP/1.1\r\nhost: ${this.pool.host}\r\nconnection: keep-alive\r\n`;
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
    // A GET or DELETE without a body says nothing of one (RFC 9110 8.6).
    head += length > 0 || method === "POST" ? `content-length: ${length}\r\n\r\n` : "\r\n";
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
