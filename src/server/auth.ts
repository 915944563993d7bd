import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DetenteError } from "../errors.js";
import type { Scope } from "../services/auth/roles.js";
import { csrfTokenFor, sessionPrincipal, type Principal } from "../services/auth/sessions.js";
import { tokenPrincipal } from "../services/auth/tokens.js";
import type { Store } from "../store/open.js";

export const SESSION_COOKIE = "detente_session";
export const CSRF_COOKIE = "detente_csrf";

/**
 * How a route is reached. Every route requires a signed-in user or an API token unless its config says
 * otherwise: `public` (health checks, the dashboard's static files, the sign-in itself, the API's
 * description) or `gateway` (the `/v1` routes, which authenticate with gateway keys themselves). A
 * route may also require a scope.
 */
export interface RouteAccess {
  readonly public?: boolean;
  readonly gateway?: boolean;
  readonly scope?: Scope;
}

declare module "fastify" {
  interface FastifyContextConfig {
    public?: boolean;
    gateway?: boolean;
    scope?: Scope;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Authenticate every request that reaches a non-public route: `Authorization: Bearer dtt_...` (an API
 * token) or the session cookie. Cookie-authenticated writes must carry the session's CSRF token in
 * `x-csrf-token` (and, when the browser sends an Origin, come from this server's own origin).
 */
export function installAuth(app: FastifyInstance, options: { store: Store; now: () => Date }): void {
  app.decorateRequest("principal", null);
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    if (config.public === true || config.gateway === true) return;
    // Unknown routes fall through to the not-found handler, which says nothing about what exists.
    if (request.routeOptions.url === undefined) return;
    const principal = await authenticate(request, options);
    if (!principal) {
      throw new DetenteError(
        "UNAUTHENTICATED",
        "sign in, or send an API token as Authorization: Bearer dtt_...",
      );
    }
    request.principal = principal;
    if (config.scope && !principal.scopes.includes(config.scope)) {
      throw new DetenteError(
        "FORBIDDEN",
        `this needs the "${config.scope}" permission, which ${principal.via === "token" ? "this token" : `the ${principal.role} role`} does not have`,
      );
    }
    void reply;
  });
}

async function authenticate(
  request: FastifyRequest,
  options: { store: Store; now: () => Date },
): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer ([\x21-\x7e]{1,200})$/i.exec(header);
    return m ? tokenPrincipal(options.store, m[1]!, options.now()) : null;
  }
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return null;
  const principal = await sessionPrincipal(options.store, token, options.now());
  if (principal && UNSAFE.has(request.method)) checkCsrf(request, token);
  return principal;
}

export function checkCsrf(request: FastifyRequest, sessionToken: string): void {
  const sent = request.headers["x-csrf-token"];
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  if (
    typeof sent !== "string" ||
    sent.length !== expected.length ||
    !timingSafeEqual(Buffer.from(sent), expected)
  ) {
    throw new DetenteError(
      "FORBIDDEN",
      "missing or wrong x-csrf-token header (cookie-authenticated writes need it)",
    );
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== "null") {
    let from: URL;
    try {
      from = new URL(origin);
    } catch {
      throw new DetenteError("FORBIDDEN", "cross-site request refused");
    }
    // request.host and request.protocol follow X-Forwarded-* from trusted proxies only.
    if (from.host !== request.host || from.protocol !== `${request.protocol}:`)
      throw new DetenteError("FORBIDDEN", "cross-site request refused");
  }
}

/** The principal of an authenticated route's request (the auth hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new DetenteError("UNAUTHENTICATED", "not signed in");
  return request.principal;
}
