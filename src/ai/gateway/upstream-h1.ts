// The gateway's HTTP/1.1 client for model requests: a pool of keep-alive connections per upstream origin
// (plain TCP or TLS), each carrying one request at a time. It does what the gateway needs of undici's
// `Pool.dispatch` (measured: a third of the CPU a proxied 16 KB request cost in its HTTP layers) and no
// more: POST with a known length (GET and DELETE without a body, for stored responses), the answer's
// status, headers and body as they arrive, backpressure, cancellation, and timeouts for the head and
// between pieces of the body. An answer it cannot frame without doubt is an error (a 502 for the
// client), never a guess; a connection is reused only after an answer that ended cleanly and said
// nothing against it. Here the pool: its queue and idle connections; a connection and the request it
// carries are upstream-h1-connection.ts's, the reading of the answer upstream-h1-answer.ts's.
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { H1Connection } from "./upstream-h1-connection.js";
import { UpstreamConnectionError, type H1Handler, type H1Request } from "./upstream-h1-head.js";

/**
 * How long a connection may take to open (TCP and TLS), as undici's pool allows. Opening also counts in
 * the request's time to the answer's head, so an upstream with a shorter `timeoutMs` gives up sooner.
 */
const CONNECT_TIMEOUT_MS = 10_000;

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
