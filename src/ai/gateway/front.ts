import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
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
      const server = createServer((req, res) => {
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
