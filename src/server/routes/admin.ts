import type { FastifyInstance, FastifyRequest } from "fastify";
import { DetenteError } from "../../errors.js";
import type { Principal } from "../../services/auth/sessions.js";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { createKey, createKeyInput, listKeys, revokeKey } from "../../services/ai/keys.js";
import { KEY_SCHEME, PREFIX_LENGTH, looksLikeKey } from "../../services/ai/key-material.js";
import { audit, listAudit } from "../../services/auth/audit.js";
import { ROLES, SCOPES } from "../../services/auth/roles.js";
import { createToken, listTokens, revokeToken } from "../../services/auth/tokens.js";
import { createUser, listUsers, updateUser } from "../../services/auth/users.js";
import { principalOf } from "../auth.js";
import type { ServerDeps } from "../deps.js";

/**
 * Users and roles (admin), API tokens (everyone, their own; admins, anyone's), the AI gateway's keys
 * (admin), the audit log (admin).
 */
export function adminRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { scope: "admin" as const };

  r.get(
    "/api/users",
    { config: admin, schema: { tags: ["users"], summary: "Users and their roles" } },
    async () => ({
      users: await listUsers(deps.store),
    }),
  );
  r.post(
    "/api/users",
    {
      config: admin,
      schema: {
        tags: ["users"],
        summary: "Create a user",
        body: z.object({
          username: z.string().min(1).max(64),
          role: z.enum(ROLES),
          password: z.string().min(1).max(256),
          displayName: z.string().max(200).optional(),
        }),
      },
    },
    async (request, reply) => {
      const user = await createUser({
        ctx: { store: deps.store, now: deps.now(), actor: principalOf(request).username, ip: request.ip },
        input: request.body,
      });
      return reply.code(201).send({ user });
    },
  );
  r.patch(
    "/api/users/:username",
    {
      config: admin,
      schema: {
        tags: ["users"],
        summary: "Change a user's role, name or password, or disable them (ends their sessions)",
        params: z.object({ username: z.string().min(1).max(64) }),
        body: z.object({
          role: z.enum(ROLES).optional(),
          disabled: z.boolean().optional(),
          password: z.string().min(1).max(256).optional(),
          displayName: z.string().max(200).optional(),
        }),
      },
    },
    async (request) => ({
      user: await updateUser({
        ctx: { store: deps.store, now: deps.now(), actor: principalOf(request).username, ip: request.ip },
        input: { username: request.params.username, changes: request.body },
      }),
    }),
  );

  r.get(
    "/api/tokens",
    { schema: { tags: ["tokens"], summary: "Your API tokens (an admin's list has everyone's)" } },
    async (request) => {
      const p = principalOf(request);
      return { tokens: await listTokens(deps.store, p.scopes.includes("admin") ? null : p.userId) };
    },
  );
  r.post(
    "/api/tokens",
    {
      schema: {
        tags: ["tokens"],
        summary: "Create an API token (shown once) with scopes your role has",
        body: z.object({
          name: z.string().min(1).max(100),
          scopes: z.array(z.enum(SCOPES)).min(1),
          expiresInDays: z.number().int().min(1).max(366).optional(),
        }),
      },
    },
    async (request, reply) => {
      const p = sessionOnly(request);
      const owner = { id: p.userId, username: p.username, role: p.role };
      const created = await createToken({
        ctx: { store: deps.store, now: deps.now(), owner, ip: request.ip },
        input: request.body,
      });
      return reply.code(201).send({ token: created.token, info: created.info });
    },
  );
  r.delete(
    "/api/tokens/:id",
    {
      schema: {
        tags: ["tokens"],
        summary: "Revoke an API token",
        params: z.object({ id: z.string().min(1).max(64) }),
      },
    },
    async (request, reply) => {
      await revokeToken({
        ctx: { store: deps.store, now: deps.now(), actor: sessionOnly(request), ip: request.ip },
        input: { id: request.params.id },
      });
      return reply.code(204).send();
    },
  );

  // The AI gateway's keys, as `detente keys` manages them: with the embedded database the CLI cannot
  // open the store while the server holds it, so a leaked key is revoked here without a restart.
  r.get(
    "/api/ai/keys",
    {
      config: admin,
      schema: {
        tags: ["ai keys"],
        summary:
          "The AI gateway's keys, newest first (never a key itself); all=true adds revoked and expired ones",
        querystring: z.object({ all: z.enum(["true", "false"]).optional() }),
      },
    },
    async (request) => ({
      keys: await listKeys({
        ctx: { store: deps.store, now: deps.now() },
        input: { includeRevoked: request.query.all === "true" },
      }),
    }),
  );
  r.post(
    "/api/ai/keys",
    {
      config: admin,
      schema: {
        tags: ["ai keys"],
        summary:
          "Create an AI gateway key (dtk_..., shown once) for a user in a team, optionally for one tool only (signed in, not with a token)",
        body: createKeyInput,
      },
    },
    async (request, reply) => {
      // Signed in only, as for API tokens: a leaked admin token must not mint gateway keys that outlive
      // its revocation.
      const actor = sessionOnly(request, "create gateway keys signed in to the dashboard, not with a token");
      const now = deps.now();
      const { key, ...info } = await createKey({ ctx: { store: deps.store, now }, input: request.body });
      await audit(deps.store, now, {
        action: "ai_key.created",
        actor: actor.username,
        target: info.id,
        ip: request.ip,
        details: { user: info.user, team: info.team, tool: info.tool, expiresAt: info.expiresAt },
      });
      return reply.code(201).send({ key, info });
    },
  );
  r.delete(
    "/api/ai/keys/:id",
    {
      config: admin,
      schema: {
        tags: ["ai keys"],
        summary:
          "Revoke an AI gateway key by its id (key_...) or prefix (its first 12 characters); this server's gateway refuses it at once, others within 5 seconds",
        params: z.object({ id: z.string().min(1).max(100) }),
      },
    },
    async (request) => {
      const id = request.params.id.trim();
      // The whole key in a URL would end up in proxies' and browsers' logs: more than a prefix of one
      // (`dtk_` and 8 characters) is refused, wherever it starts.
      const at = id.indexOf(KEY_SCHEME);
      if (looksLikeKey(id) || (at !== -1 && id.length - at > PREFIX_LENGTH))
        throw new DetenteError(
          "INVALID_INPUT",
          "name the key by its id (key_...) or its prefix (its first 12 characters, dtk_...), not the whole key: a URL ends up in logs",
        );
      const now = deps.now();
      const info = await revokeKey({ ctx: { store: deps.store, now }, input: { id } });
      // This server's gateway refuses it at once; other instances within their 5-second cache.
      deps.keyRevoked(info.id);
      // Revoked now, not before (revoking a revoked key changes nothing and is not audited again).
      if (info.revokedAt?.getTime() === now.getTime())
        await audit(deps.store, now, {
          action: "ai_key.revoked",
          actor: principalOf(request).username,
          target: info.id,
          ip: request.ip,
          details: { user: info.user, team: info.team },
        });
      return { info };
    },
  );

  r.get(
    "/api/audit",
    {
      config: admin,
      schema: {
        tags: ["audit"],
        summary: "The audit log: sign-ins, role changes, tokens, uploads; newest first",
        querystring: z.object({
          action: z.string().max(50).optional(),
          before: z.coerce.number().int().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
      },
    },
    async (request) => ({
      entries: await listAudit(deps.store, { ...request.query, limit: request.query.limit ?? 100 }),
    }),
  );
}

/**
 * Tokens are managed by people signed in, never by tokens: a leaked token must not be able to mint a
 * successor that outlives its revocation.
 */
function sessionOnly(
  request: FastifyRequest,
  message = "create and revoke API tokens signed in to the dashboard, not with a token",
): Principal {
  const p = principalOf(request);
  if (p.via !== "session") throw new DetenteError("FORBIDDEN", message);
  return p;
}
