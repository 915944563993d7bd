// The gateway's own HTTP/1.1 front for model requests. `node:http` builds a readable stream for every
// request and a writable one for every response, with their events, timers and header bookkeeping:
// measured on a 2-core machine, a proxy that answers 16 KB POSTs spent a third of its CPU there. This
// front reads a request head itself and answers on the socket directly, but only for requests it can
// frame without doubt: `POST`, HTTP/1.1, one Content-Length, no Transfer-Encoding, no Expect or Upgrade,
// no repeated header, the whole head (at most 16 KB) in hand. Anything else (and any request a gateway
// does not claim) is handed with its connection, bytes already read included, to `node:http`, which
// keeps its own limits and checks for all of it. A request that both would frame differently (request
// smuggling) is therefore never answered here.
import type { Socket } from "node:net";
import type { GatewayRequest } from "./http-shapes.js";
import { parseRequestHead, type RequestHead } from "./http1-head.js";
import { Http1Response } from "./http1-response.js";

/** Bytes a connection takes in while its last request is answered (pipelining) before it stops reading. */
const HOLD = 64 * 1024;
const EMPTY = Buffer.alloc(0);

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
