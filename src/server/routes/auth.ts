import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { csrfTokenFor, login, logout, sessionPrincipal } from "../../services/auth/sessions.js";
import { checkCsrf, principalOf, CSRF_COOKIE, SESSION_COOKIE } from "../auth.js";
import type { ServerDeps } from "../deps.js";

export function authRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    "/api/auth/login",
    {
      config: { public: true },
      schema: {
        tags: ["auth"],
        summary: "Sign in: sets the session cookie and returns the CSRF token for writes",
        body: z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1000) }),
      },
    },
    async (request, reply) => {
      const result = await login({
        ctx: { store: deps.store, now: deps.now(), ip: request.ip },
        input: request.body,
      });
      const secure = request.protocol === "https";
      // A lifetime, not a date: a browser whose clock differs from the server's keeps it as long.
      const cookie = {
        path: "/",
        secure,
        maxAge: Math.round((result.expiresAt.getTime() - deps.now().getTime()) / 1000),
      };
      void reply.setCookie(SESSION_COOKIE, result.token, { ...cookie, httpOnly: true, sameSite: "lax" });
      void reply.setCookie(CSRF_COOKIE, result.csrfToken, { ...cookie, httpOnly: false, sameSite: "strict" });
      const u = result.principal;
      const [user] = await deps.store.query<{ display_name: string }>(
        `SELECT display_name FROM users WHERE id = $1`,
        [u.userId],
      );
      return {
        user: { username: u.username, role: u.role, displayName: user?.display_name ?? "" },
        csrfToken: result.csrfToken,
        expiresAt: result.expiresAt.toISOString(),
      };
    },
  );
  // Public, so that an expired session can still clear its cookies; a live one needs its CSRF token.
  r.post(
    "/api/auth/logout",
    { config: { public: true }, schema: { tags: ["auth"], summary: "Sign out" } },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token && (await sessionPrincipal(deps.store, token, deps.now()))) {
        checkCsrf(request, token);
        await logout(deps.store, token);
      }
      void reply.clearCookie(SESSION_COOKIE, { path: "/" }).clearCookie(CSRF_COOKIE, { path: "/" });
      return reply.code(204).send();
    },
  );
  r.get("/api/auth/me", { schema: { tags: ["auth"], summary: "Who is signed in" } }, async (request) => {
    const p = principalOf(request);
    const [user] = await deps.store.query<{ display_name: string }>(
      `SELECT display_name FROM users WHERE id = $1`,
      [p.userId],
    );
    const session = request.cookies[SESSION_COOKIE];
    return {
      username: p.username,
      role: p.role,
      displayName: user?.display_name ?? "",
      scopes: p.scopes,
      via: p.via,
      csrfToken: p.via === "session" && session ? csrfTokenFor(session) : null,
    };
  });
}
