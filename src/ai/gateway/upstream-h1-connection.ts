// One keep-alive connection of the upstream HTTP/1.1 client (upstream-h1.ts) to its origin, plain TCP or
// TLS, carrying one request at a time: it writes the request, hands what arrives to the answer's reader
// (upstream-h1-answer.ts), and keeps the timeouts, backpressure and cancellation. It is reused only
// after an answer that ended cleanly and said nothing against it.
import type { Socket } from "node:net";
import { BAD_VALUE_CHAR, TOKEN } from "./http1-head.js";
import { readAnswer, type AnswerState } from "./upstream-h1-answer.js";
import {
  DEFAULT_KEEP_ALIVE_MS,
  UpstreamConnectionError,
  UpstreamTimeout,
  type H1Controller,
  type H1Handler,
  type H1Request,
} from "./upstream-h1-head.js";
import type { H1Pool } from "./upstream-h1.js";

const EMPTY = Buffer.alloc(0);

const PATH = /^\/[\x21-\x7e]*$/;
/** Headers the pool writes itself; a configured one of these names is left out. */
const OWN_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive"]);

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
 * One connection to an upstream, carrying one request at a time. The answer's reader (`readAnswer`)
 * reads and writes the fields from `handler` to `paused`, and ends the answer with `finish` or `fail`:
 * nothing else outside this class touches them.
 *
 * @example new H1Connection(pool).send(request, handler) // what `H1Pool.dispatch` does
 */
export class H1Connection {
  readonly socket: Socket;
  handler: H1Handler | null = null;
  request: H1Request | null = null;
  state: AnswerState = "idle";
  /** Bytes read but not yet delivered: a part of the answer too short to read, or read while paused. */
  pending: Buffer | null = null;
  /** What is left of the body's length, or of the current chunk. */
  remaining = 0;
  /** Whether the answer's head allows the connection to be reused. */
  reusable = false;
  keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  paused = false;
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
    if (this.pending !== null) readAnswer(this, EMPTY);
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
    readAnswer(this, chunk);
  };

  /** The answer ended; `extra` when bytes followed it (the connection cannot be trusted again). */
  finish(extra: boolean): void {
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

  /** The request failed: its handler is told, and the connection closed. */
  fail(err: Error): void {
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

  /** The answer's head arrived (or the request ended): its timeout no longer runs. */
  clearHeadTimer(): void {
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
