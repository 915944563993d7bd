import { Server, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import type { GatewayDispatch } from "./routes.js";

/**
 * A `node:http` server that answers the gateway's own routes itself and hands every other request to
 * the framework behind it, for Fastify's `serverFactory`: both `detente gateway` and `detente serve`
 * proxy model requests without Fastify's routing, hooks and reply on their path. The framework still
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
      const server = new FrontServer((req, res) => {
        if (dispatch?.handle(req, res) !== true) handler(req, res);
      });
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

/**
 * A server whose `closeIdleConnections` (which `close()` calls) also cuts connections that never sent a
 * byte. Node's own leaves those open until its headers timeout, a minute or more, and clients open
 * them ahead of need (undici, under the official SDKs, opened one after a request was aborted), so
 * stopping would wait that long with nothing in flight, the audit trail's last events unwritten.
 */
class FrontServer extends Server {
  readonly #sockets = new Set<Socket>();

  constructor(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    super(handler);
    this.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
  }

  override closeIdleConnections(): void {
    super.closeIdleConnections();
    for (const socket of this.#sockets) if (socket.bytesRead === 0) socket.destroy();
  }
}
