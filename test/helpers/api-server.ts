import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Config } from "../../src/config/load.js";
import { parseConfig } from "../../src/config/load.js";
import { buildServer } from "../../src/server/app.js";
import type { Role } from "../../src/services/auth/roles.js";
import { createUser } from "../../src/services/auth/users.js";
import type { Store } from "../../src/store/open.js";
import type { StoreBackend } from "./stores.js";

/** A route as Fastify registered it, with the access its config declares. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly public: boolean;
  readonly gateway: boolean;
}

export interface ApiServer {
  readonly url: string;
  readonly store: Store;
  readonly app: FastifyInstance;
  readonly routes: readonly RegisteredRoute[];
  /** Create a user with a password and role. */
  addUser(username: string, role: Role): Promise<{ username: string; password: string }>;
  /** Sign in through the API: a client that keeps the session cookie and sends the CSRF token on writes. */
  signIn(username: string, password: string): Promise<ApiClient>;
  close(): Promise<void>;
}

export interface ApiClient {
  readonly csrfToken: string;
  readonly cookie: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

/**
 * The whole server (`buildServer`, as `detente serve` builds it) on a free port over a fresh store of
 * `backend`, reached over real HTTP with fetch. Records every registered route for the test that proves
 * each requires authentication unless public.
 */
export async function startApiServer(
  backend: StoreBackend,
  options: { config?: Config; now?: () => Date } = {},
): Promise<ApiServer> {
  const test = await backend.open();
  const home = await mkdtemp(join(tmpdir(), "detente-api-"));
  // A stand-in for the built dashboard, so that its static routes are registered (and enumerated) too.
  const webRoot = join(home, "web");
  await mkdir(join(webRoot, "assets"), { recursive: true });
  await writeFile(join(webRoot, "index.html"), '<!doctype html><div id="root"></div>');
  await writeFile(join(webRoot, "assets", "app.js"), "export {};");
  const config = options.config ?? parseConfig("triage:\n  budget: 5%\n", "detente.yaml");
  const routes: RegisteredRoute[] = [];
  const { app } = await buildServer({
    store: test.store,
    config,
    home,
    env: {},
    now: options.now,
    webRoot,
    onRoute: (r) => routes.push(r),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  let n = 0;
  return {
    url,
    store: test.store,
    app,
    routes,
    async addUser(username, role) {
      const password = `correct horse battery ${++n} ${username}`;
      await createUser({
        ctx: { store: test.store, now: new Date(), actor: "test" },
        input: { username, role, password },
      });
      return { username, password };
    },
    async signIn(username, password) {
      const res = await fetch(`${url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password }),
      });
      if (res.status !== 200)
        throw new Error(`sign-in of ${username} answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { csrfToken: string };
      const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      return client(url, cookie, body.csrfToken);
    },
    async close() {
      await app.close();
      await test.dispose();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export function client(url: string, cookie: string, csrfToken: string): ApiClient {
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        cookie,
        ...(method === "GET" ? {} : { "x-csrf-token": csrfToken }),
        ...(body === undefined || body instanceof FormData ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
    });
  return {
    csrfToken,
    cookie,
    request,
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await request(method, path, body);
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    },
  };
}
