import { Server, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { Http1Connection, type Http1Options } from "./http1.js";
import type { GatewayDispatch } from "./routes.js";

/**
 * A `node:http` server that answers the gateway's own routes itself and hands every other request to
 * the framework behind it, for Fastify's `serverFactory`: both `detente gateway` and `detente serve`
 * proxy model requests without Fastify's routing, hooks and reply on their path. Model requests that
 * its own HTTP/1.1 front can frame without doubt skip `node:http` too (see `http1.ts`); everything
 * else, and every connection once it sent anything else, goes through `node:http`. The framework still
 * has the same routes registered (for `inject()`, HEAD and route listings) and answers everything
 * while it closes, so its drain (503 to new requests, in-flight ones finish) is unchanged.
 *
 * @example
 * const front = gatewayFront();
 * const app = Fastify({ serverFactory: front.serverFactory });
 * front.mount(app, createGatewayDispatch(deps));
 */
export interface GatewayFront {
  readonly serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server;
  /** Answer the gateway's routes in front of `app` until `app` starts closing. */
  mount(app: FastifyInstance, dispatch: GatewayDispatch): void;
}

/** See `GatewayFront`. */
export function gatewayFront(): GatewayFront {
  let dispatch: GatewayDispatch | null = null;
  return {
    serverFactory(handler) {
      const server = new FrontServer(
        (req, res) => {
          if (dispatch?.handle(req, res) !== true) handler(req, res);
        },
        (head) => dispatch?.claim(head),
      );
      // What Fastify sets on the servers it creates itself.
      server.keepAliveTimeout = 72_000;
      server.requestTimeout = 0;
      return server;
    },
    mount(app, d) {
      dispatch = d;
      // Closing, Fastify answers every request: new ones get its 503 while those in flight finish.
      app.addHook("preClose", (done) => {
        dispatch = null;
        done();
      });
    },
  };
}

/** How long requests in flight may take to finish once the server closes (a streamed answer can be long). */
const DRAIN_MS = 30_000;

/**
 * A server that, once closing, lets requests in flight finish and then lets nothing else hold it open:
 *
 * - `closeIdleConnections` (which `close()` calls) also cuts connections that never sent a byte. Node's
 *   own treats those as busy, and clients open them ahead of need (undici, under the official SDKs,
 *   opened one after a request was aborted), so stopping waited until the client closed it: about 70 s
 *   for undici, which reads the keep-alive timeout this server announces (72 s); forever for others.
 * - A request in flight leaves its connection idle when it ends, which Node does not reap once closing
 *   (it arms the keep-alive timer): idle connections are cut every 100 ms until the server has closed.
 * - After `DRAIN_MS`, every connection left is cut (a request still running, or one half sent).
 *
 * The audit trail's last events are written after the server has closed, so this is also how soon
 * they are.
 */
class FrontServer extends Server {
  readonly #sockets = new Set<Socket>();
  /** Connections the HTTP/1.1 front still serves (not handed to `node:http`). */
  readonly #fast = new Map<Socket, Http1Connection>();
  #draining: NodeJS.Timeout[] = [];
  #closing = false;

  constructor(handler: (req: IncomingMessage, res: ServerResponse) => void, claim: Http1Options["claim"]) {
    super(handler);
    // node:http's own 'connection' listener: called for the connections the front hands over.
    const nodeListeners = this.listeners("connection") as ((socket: Socket) => void)[];
    this.removeAllListeners("connection");
    const options: Http1Options = {
      claim,
      handOff: (socket) => {
        this.#fast.delete(socket);
        for (const listener of nodeListeners) listener.call(this, socket);
      },
      keepAliveMs: () => this.keepAliveTimeout,
      closing: () => this.#closing,
    };
    this.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => {
        this.#sockets.delete(socket);
        this.#fast.delete(socket);
      });
      this.#fast.set(socket, new Http1Connection(socket, options));
    });
    this.once("close", () => {
      for (const t of this.#draining) clearTimeout(t);
    });
  }

  override close(callback?: (err?: Error) => void): this {
    this.#closing = true;
    if (this.#draining.length === 0 && this.listening)
      this.#draining = [
        setInterval(() => {
          this.closeIdleConnections();
        }, 100).unref(),
        setTimeout(() => {
          this.closeAllConnections();
        }, DRAIN_MS).unref(),
      ];
    return super.close(callback);
  }

  override closeIdleConnections(): void {
    super.closeIdleConnections();
    for (const socket of this.#sockets) if (socket.bytesRead === 0) socket.destroy();
    for (const [socket, connection] of this.#fast) if (connection.idle) socket.destroy();
  }

  override closeAllConnections(): void {
    super.closeAllConnections();
    for (const socket of this.#fast.keys()) socket.destroy();
  }
}
