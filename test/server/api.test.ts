import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  policyAssetDefaults,
  replaceAssets,
  storedAssetMatcher,
} from "../../src/services/assets/store-assets.js";
import { loadAssets } from "../../src/vuln/assets/load.js";
import { createDecider } from "../../src/services/findings/create-decider.js";
import { importReport } from "../../src/services/findings/import-report.js";
import { storeIntel } from "../../src/services/intel/store-lookup.js";
import { parseTriagePolicy } from "../../src/vuln/triage/policy.js";
import { openReport } from "../../src/vuln/formats/read.js";
import { client, startApiServer, type ApiClient, type ApiServer } from "../helpers/api-server.js";
import { STORE_BACKENDS } from "../helpers/stores.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");

/**
 * The routes that answer without sign-in, and nothing else: the sign-in, the API's description, health
 * and metrics, and the dashboard's static files (the test server's stand-in has index.html and one
 * asset) with the fallback that serves index.html for the dashboard's own paths.
 */
const PUBLIC = [
  "GET /",
  "GET /*",
  "GET /api/openapi.json",
  "GET /assets/app.js",
  "GET /healthz",
  "GET /index.html",
  "GET /readyz",
  "POST /api/auth/login",
  "POST /api/auth/logout",
].sort();

describe.each(STORE_BACKENDS)("the API on $name", (backend) => {
  let server: ApiServer;
  let admin: ApiClient;
  let viewerLogin: { username: string; password: string };

  beforeAll(async () => {
    server = await startApiServer(backend);
    const a = await server.addUser("ana", "admin");
    viewerLogin = await server.addUser("vic", "viewer");
    admin = await server.signIn(a.username, a.password);
    // The company's inventory, and findings from two scanners' sample reports.
    const triage = parseTriagePolicy({ budget: "5%" }, "detente.yaml");
    const inventory = await loadAssets(join(FIXTURES, "assets", "company.yaml"), {
      defaults: policyAssetDefaults(triage),
    });
    await replaceAssets({ ctx: { store: server.store, now: new Date() }, input: inventory });
    const decider = createDecider({
      intel: storeIntel(server.store),
      assets: await storedAssetMatcher(server.store, policyAssetDefaults(triage)),
      policy: triage,
      now: new Date(),
    });
    for (const f of ["grype/billing-worker-dir.json", "grype/payments-api-image.json"]) {
      await importReport({
        ctx: { store: server.store, now: new Date() },
        input: { report: await openReport(join(FIXTURES, f)), fullScan: false, decider },
      });
    }
  });
  afterAll(async () => {
    await server.close();
  });

  it("requires authentication on every route except the few marked public", async () => {
    // Give the deferred route notifications a tick.
    await new Promise((r) => setImmediate(r));
    expect(server.routes.length).toBeGreaterThan(30);
    const publicRoutes = server.routes
      .filter((r) => r.public && !r.url.startsWith("/api/docs") && r.method !== "HEAD")
      .map((r) => `${r.method} ${r.url}`);
    expect([...new Set(publicRoutes)].sort()).toEqual(PUBLIC);
    const checked: string[] = [];
    for (const route of server.routes) {
      if (route.public || route.method === "HEAD" || route.method === "OPTIONS") continue;
      const path = route.url.replace(/:[a-zA-Z]+/g, "x").replace("*", "x");
      const res = await fetch(`${server.url}${path}`, {
        method: route.method,
        headers: route.method === "GET" ? {} : { "content-type": "application/json" },
        body: route.method === "GET" ? undefined : "{}",
      });
      expect(res.status, `${route.method} ${route.url}`).toBe(401);
      // The gateway's answers (served on plain node:http in front of Fastify) carry them too.
      expect(res.headers.get("x-content-type-options"), `${route.method} ${route.url}`).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), `${route.method} ${route.url}`).toBe("DENY");
      checked.push(`${route.method} ${route.url}`);
    }
    expect(checked).toContain("GET /api/findings");
    expect(checked).toContain("POST /api/imports");
    expect(checked).toContain("POST /v1/chat/completions");
    expect(checked).toContain("POST /v1/messages");
    expect(checked).toContain("GET /metrics");
    // The dashboard's fallback serves the app, never data, and leaves unknown API paths to the 404.
    const app = await fetch(`${server.url}/queue`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('<div id="root">');
    expect((await fetch(`${server.url}/api/not-a-route`)).status).toBe(404);
  });

  it("answers errors in one shape without stack traces or SQL", async () => {
    const unknown = await admin.request("GET", "/api/nothing-here");
    expect(unknown.status).toBe(404);
    const body = (await unknown.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["code", "message", "requestId"]);
    const bad = await admin.request("GET", "/api/findings?limit=-3");
    expect(bad.status).toBe(400);
    const b = (await bad.json()) as { code: string; message: string };
    expect(b.code).toBe("INVALID_INPUT");
    expect(b.message).toMatch(/limit/);
    const forged = (sort: string, ...key: unknown[]) =>
      Buffer.from(JSON.stringify([sort, ...key])).toString("base64url");
    for (const [sort, cursorText] of [
      ["queue", "not-a-cursor"],
      ["queue", forged("queue", 99999, 10, 1)],
      ["queue", forged("queue", 1, 10, 1e300)],
      ["due", forged("due", "2024-13-45", 1)],
      ["newest", forged("newest", "1", 1)],
      ["due", forged("queue", 1, 10, 1)],
    ]) {
      const res = await admin.request("GET", `/api/findings?sort=${sort}&cursor=${cursorText}`);
      expect(res.status, `${sort} ${cursorText}`).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/^cursor:/);
    }
    const missing = await admin.request("GET", "/api/findings/ffffffffffff");
    expect(missing.status).toBe(404);
    const text = await missing.text();
    expect(text).not.toMatch(/SELECT|at .*\.js|stack/i);
  });

  it("signs in with a session cookie that is HttpOnly and SameSite, and refuses wrong passwords alike", async () => {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(viewerLogin),
    });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith("detente_session="));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    const csrf = cookies.find((c) => c.startsWith("detente_csrf="));
    expect(csrf).not.toMatch(/HttpOnly/i);

    const wrong = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: viewerLogin.username, password: "not the password at all" }),
    });
    const nobody = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "nobody-here", password: "not the password at all" }),
    });
    expect(wrong.status).toBe(401);
    expect(nobody.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toBe(
      ((await nobody.json()) as { message: string }).message,
    );
    const audit = await admin.json<{
      entries: { action: string; target: string | null; details: { reason: string } }[];
    }>("GET", "/api/audit?action=login.failed");
    expect(audit.entries.map((e) => [e.target, e.details.reason])).toEqual(
      expect.arrayContaining([
        [viewerLogin.username, "wrong password"],
        // A name that is no user's is not kept: people type passwords into that field.
        [null, "unknown user"],
      ]),
    );
    expect(JSON.stringify(audit)).not.toContain("nobody-here");
    // The password itself is nowhere in the audit log.
    const all = await admin.json<{ entries: unknown[] }>("GET", "/api/audit?limit=500");
    expect(JSON.stringify(all)).not.toContain("not the password at all");
  });

  it("rate-limits sign-in per user name after repeated failures, even with the right password", async () => {
    const target = await server.addUser("rita", "viewer");
    const attempt = (password: string) =>
      fetch(`${server.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: target.username, password }),
      });
    // Guesses sent all at once are counted one by one: five are checked, the rest refused unchecked.
    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) => attempt(`wrong password number ${i}`)),
    );
    expect(burst.map((r) => r.status).sort()).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await attempt(target.password);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("900");
    expect(((await limited.json()) as { code: string }).code).toBe("RATE_LIMITED");
  });

  it("needs the CSRF token for cookie-authenticated writes, and refuses other origins", async () => {
    const noToken = await fetch(`${server.url}/api/tokens`, {
      method: "POST",
      headers: { cookie: admin.cookie, "content-type": "application/json" },
      body: JSON.stringify({ name: "ci", scopes: ["read"] }),
    });
    expect(noToken.status).toBe(403);
    const otherSite = await admin.request(
      "POST",
      "/api/tokens",
      { name: "ci", scopes: ["read"] },
      { origin: "https://evil.example" },
    );
    expect(otherSite.status).toBe(403);
    const ok = await admin.request("POST", "/api/tokens", { name: "ci", scopes: ["read"] });
    expect(ok.status).toBe(201);
  });

  it("gives each role only what it may do, and API tokens only their scopes", async () => {
    const viewer = await server.signIn(viewerLogin.username, viewerLogin.password);
    expect((await viewer.request("GET", "/api/findings")).status).toBe(200);
    expect((await viewer.request("GET", "/api/users")).status).toBe(403);
    expect((await viewer.request("GET", "/api/audit")).status).toBe(403);
    const form = new FormData();
    form.set(
      "file",
      new Blob([await readFile(join(FIXTURES, "trivy/payments-api-image.json"))]),
      "trivy.json",
    );
    const upload = await viewer.request("POST", "/api/imports", form);
    expect(upload.status).toBe(403);
    expect(((await upload.json()) as { message: string }).message).toMatch(/import/);
    // A viewer cannot mint a token that imports.
    expect((await viewer.request("POST", "/api/tokens", { name: "x", scopes: ["import"] })).status).toBe(403);

    const { token } = await admin.json<{ token: string }>("POST", "/api/tokens", {
      name: "reader",
      scopes: ["read"],
    });
    expect(token).toMatch(/^dtt_/);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await fetch(`${server.url}/api/findings`, { headers: bearer })).status).toBe(200);
    // Prometheus scrapes with a token.
    const metrics = await fetch(`${server.url}/metrics`, { headers: bearer });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("# TYPE");
    // A token cannot mint a successor that would outlive its revocation.
    const minted = await fetch(`${server.url}/api/tokens`, {
      method: "POST",
      headers: { ...bearer, "content-type": "application/json" },
      body: JSON.stringify({ name: "successor", scopes: ["read"], expiresInDays: 366 }),
    });
    expect(minted.status).toBe(403);
    // The admin's token has only "read": no admin routes, no uploads, even though its owner could.
    expect((await fetch(`${server.url}/api/users`, { headers: bearer })).status).toBe(403);
    // Only the hash is stored.
    const stored = await server.store.query<{ hash: string }>(`SELECT hash FROM api_tokens`);
    expect(JSON.stringify(stored)).not.toContain(token);
    // Revoked tokens stop working at once.
    const list = await admin.json<{ tokens: { id: string; name: string }[] }>("GET", "/api/tokens");
    const id = list.tokens.find((t) => t.name === "reader")!.id;
    expect((await admin.request("DELETE", `/api/tokens/${id}`)).status).toBe(204);
    expect((await fetch(`${server.url}/api/findings`, { headers: bearer })).status).toBe(401);
  });

  it("manages the AI gateway's keys (admins only): created once, listed without the key, revoked, audited", async () => {
    const viewer = await server.signIn(viewerLogin.username, viewerLogin.password);
    expect((await viewer.request("GET", "/api/ai/keys")).status).toBe(403);
    expect((await viewer.request("POST", "/api/ai/keys", { user: "vic", team: "ops" })).status).toBe(403);

    const created = await admin.request("POST", "/api/ai/keys", {
      user: "dana@example.com",
      team: "payments",
      tool: "Claude-Code",
      name: "dana's laptop",
      expiresInDays: 90,
    });
    expect(created.status).toBe(201);
    const { key, info } = (await created.json()) as {
      key: string;
      info: { id: string; prefix: string; user: string; team: string; tool: string; status: string };
    };
    expect(key).toMatch(/^dtk_/);
    expect(info).toMatchObject({
      user: "dana@example.com",
      team: "payments",
      tool: "claude-code",
      status: "active",
    });
    expect(key.startsWith(info.prefix)).toBe(true);
    // The key works on the server's own gateway (its model list: none configured here).
    const models = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(200);

    // Listed without the key or its hash.
    const listed = await admin.request("GET", "/api/ai/keys");
    const listedText = await listed.text();
    expect(listedText).toContain(info.id);
    expect(listedText).not.toContain(key);
    const stored = await server.store.query<{ hash: string }>(`SELECT hash FROM ai_keys WHERE id = $1`, [
      info.id,
    ]);
    expect(stored).toHaveLength(1);
    expect(listedText).not.toContain(stored[0]!.hash);

    // Bad input names the field.
    const bad = await admin.request("POST", "/api/ai/keys", { user: "x", team: "y", tool: "Not a tool!" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^body\.tool: /);

    // Not minted with an API token, even an admin's: it would outlive the token's revocation.
    const { token } = await admin.json<{ token: string }>("POST", "/api/tokens", {
      name: "key-admin",
      scopes: ["admin"],
    });
    const bearer = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const minted = await fetch(`${server.url}/api/ai/keys`, {
      method: "POST",
      headers: bearer,
      body: JSON.stringify({ user: "mallory", team: "payments" }),
    });
    expect(minted.status).toBe(403);

    // Revoked by id or prefix, never by the whole key in a URL, however it is wrapped; an error
    // message echoes no more than a prefix.
    for (const wrapped of [key, ` ${key}`, `Bearer ${key}`, `"${key}"`]) {
      const res = await admin.request("DELETE", `/api/ai/keys/${encodeURIComponent(wrapped)}`);
      expect(res.status, wrapped).toBe(400);
      const text = await res.text();
      expect(text).toMatch(/not the whole key/);
      expect(text).not.toContain(key.slice(12));
    }
    const missing = await admin.request("DELETE", `/api/ai/keys/${encodeURIComponent(`x${key.slice(4)}`)}`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain(key.slice(16));
    expect((await admin.request("DELETE", "/api/ai/keys/key_00000000")).status).toBe(404);
    const spare = await admin.json<{ key: string; info: { id: string } }>("POST", "/api/ai/keys", {
      user: "eve@example.com",
      team: "payments",
    });
    // An admin token may revoke (cleaning up after a leak from a script).
    const revoked = await fetch(`${server.url}/api/ai/keys/${spare.key.slice(0, 12)}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { info: { id: string; status: string } }).info).toMatchObject({
      id: spare.info.id,
      status: "revoked",
    });
    const refused = await fetch(`${server.url}/v1/models`, {
      headers: { authorization: `Bearer ${spare.key}` },
    });
    expect(refused.status).toBe(401);
    // A key in use is refused by the server's own gateway at once, not after its 5-second cache.
    expect((await admin.request("DELETE", `/api/ai/keys/${info.id}`)).status).toBe(200);
    expect(
      (await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(401);
    // Revoking it again changes nothing, and is not audited twice.
    expect((await admin.request("DELETE", `/api/ai/keys/${info.id}`)).status).toBe(200);
    expect(
      (await admin.json<{ keys: { id: string }[] }>("GET", "/api/ai/keys")).keys.map((k) => k.id),
    ).not.toContain(spare.info.id);
    const all = await admin.json<{ keys: { id: string; status: string }[] }>("GET", "/api/ai/keys?all=true");
    expect(all.keys.find((k) => k.id === spare.info.id)?.status).toBe("revoked");

    // Audited by name and id, never with the key.
    const entries = await admin.json<{ entries: { action: string; actor: string; target: string }[] }>(
      "GET",
      "/api/audit?limit=500",
    );
    const mine = entries.entries.filter((e) => e.action.startsWith("ai_key."));
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "ai_key.created", actor: "ana", target: info.id }),
        expect.objectContaining({ action: "ai_key.revoked", actor: "ana", target: spare.info.id }),
      ]),
    );
    expect(mine.filter((e) => e.action === "ai_key.revoked" && e.target === info.id)).toHaveLength(1);
    const audited = JSON.stringify(await server.store.query(`SELECT * FROM audit_log`));
    for (const k of [key, spare.key]) expect(audited).not.toContain(k);
  });

  it("audits role changes and ends the sessions of a user whose role changes", async () => {
    const u = await server.addUser("ron", "security");
    const ron = await server.signIn(u.username, u.password);
    expect((await ron.request("GET", "/api/auth/me")).status).toBe(200);
    const changed = await admin.json<{ user: { role: string } }>("PATCH", "/api/users/ron", {
      role: "viewer",
    });
    expect(changed.user.role).toBe("viewer");
    expect((await ron.request("GET", "/api/auth/me")).status).toBe(401);
    const audit = await admin.json<{
      entries: { action: string; actor: string; target: string; details: unknown }[];
    }>("GET", "/api/audit?action=user.role_changed");
    expect(audit.entries[0]).toMatchObject({
      actor: "ana",
      target: "ron",
      details: { from: "security", to: "viewer" },
    });
    // The last admin cannot be demoted.
    const last = await admin.request("PATCH", "/api/users/ana", { role: "viewer" });
    expect(last.status).toBe(409);
  });

  it("pages through every open finding with cursors, each exactly once, in queue order", async () => {
    const all = await admin.json<{ rows: { id: number }[]; open: number }>("GET", "/api/findings?limit=500");
    expect(all.rows.length).toBe(all.open);
    expect(all.open).toBeGreaterThan(5);
    for (const sort of ["queue", "due", "newest"]) {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { rows: { id: number }[]; nextCursor: string | null } = await admin.json(
          "GET",
          `/api/findings?limit=2&sort=${sort}${cursor ? `&cursor=${cursor}` : ""}`,
        );
        seen.push(...page.rows.map((r) => r.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 1000);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((a, b) => a - b)).toEqual(all.rows.map((r) => r.id).sort((a, b) => a - b));
      if (sort === "queue") expect(seen).toEqual(all.rows.map((r) => r.id));
    }
  });

  it("filters findings, marks the escalated ones and agrees with the scorecard", async () => {
    const overview = await admin.json<{
      findings: { open: number; escalated: number; byOutcome: Record<string, number> };
    }>("GET", "/api/overview");
    const escalated = await admin.json<{ rows: { escalated: boolean; sla: string | null }[] }>(
      "GET",
      "/api/findings?escalated=true&limit=500",
    );
    expect(escalated.rows.length).toBe(overview.findings.escalated);
    expect(escalated.rows.every((r) => r.escalated && r.sla !== null)).toBe(true);
    for (const outcome of ["act", "attend", "track*", "track"]) {
      const page = await admin.json<{ rows: { outcome: string }[] }>(
        "GET",
        `/api/findings?outcome=${encodeURIComponent(outcome)}&limit=500`,
      );
      expect(page.rows.length, outcome).toBe(overview.findings.byOutcome[outcome]);
      expect(page.rows.every((r) => r.outcome === outcome)).toBe(true);
    }
    const one = await admin.json<{ rows: { fingerprint: string }[] }>("GET", "/api/findings?limit=1");
    const detail = await admin.json<{
      decision: { reasons: unknown[] };
      explanation: string;
      sources: unknown[];
    }>("GET", `/api/findings/${one.rows[0]!.fingerprint.slice(0, 12)}`);
    expect(detail.decision.reasons.length).toBeGreaterThan(0);
    expect(detail.explanation.length).toBeGreaterThan(20);
    expect(detail.sources.length).toBeGreaterThan(0);
    // A finding's page says what the listing says about it: escalated or not, and its SLA state.
    const page = await admin.json<{
      rows: { fingerprint: string; escalated: boolean; sla: string | null }[];
    }>("GET", "/api/findings?limit=500");
    for (const row of [page.rows[0]!, page.rows[page.rows.length - 1]!]) {
      const d = await admin.json<{ escalated: boolean; sla: string | null }>(
        "GET",
        `/api/findings/${row.fingerprint.slice(0, 12)}`,
      );
      expect([d.escalated, d.sla]).toEqual([row.escalated, row.sla]);
    }
    expect(page.rows[0]!.escalated).toBe(true);
    expect(page.rows[page.rows.length - 1]!.escalated).toBe(false);
  });

  it("counts and filters an inventory asset's findings under every name its matchers give it", async () => {
    const assets = await admin.json<{ assets: { key: string; openFindings: number }[] }>(
      "GET",
      "/api/assets",
    );
    const payments = assets.assets.find((a) => a.key === "payments-api")!;
    expect(payments.openFindings).toBeGreaterThan(0);
    const page = await admin.json<{ rows: { assetKey: string }[] }>(
      "GET",
      "/api/findings?asset=payments-api&limit=500",
    );
    expect(page.rows.length).toBe(payments.openFindings);
    // The scanner named the image, not the inventory key.
    expect(page.rows.some((r) => r.assetKey.startsWith("registry.example.com/shop/payments-api"))).toBe(true);
  });

  it("imports an uploaded report through the CLI's path, and a broken one leaves nothing", async () => {
    const before = await admin.json<{ imports: unknown[] }>("GET", "/api/imports");
    const form = new FormData();
    form.set(
      "file",
      new Blob([await readFile(join(FIXTURES, "trivy/payments-api-image.json"))]),
      "payments.json",
    );
    const res = await admin.request("POST", "/api/imports", form);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { import: { source: string; format: string; findings: number } };
    expect(body.import).toMatchObject({ source: "payments.json", format: "trivy" });
    expect(body.import.findings).toBeGreaterThan(0);

    const broken = new FormData();
    broken.set(
      "file",
      new Blob(['{"SchemaVersion": 2, "Results": [ {"Target": "x", "Vulnerabilities": [ {']),
      "cut.json",
    );
    const bad = await admin.request("POST", "/api/imports", broken);
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { message: string };
    expect(err.message).toMatch(/^cut\.json/);
    expect(err.message).not.toContain("upload-");
    const after = await admin.json<{ imports: unknown[] }>("GET", "/api/imports");
    expect(after.imports.length).toBe(before.imports.length + 1);
    const audit = await admin.json<{ entries: { target: string }[] }>(
      "GET",
      "/api/audit?action=report.uploaded",
    );
    expect(audit.entries.map((e) => e.target)).toContain("payments.json");
  });

  it("takes the asset of a report that does not name it from the upload's asset field, for a full scan", async () => {
    const osv = async (fields: Record<string, string>): Promise<Response> => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      form.set(
        "file",
        new Blob([await readFile(join(FIXTURES, "osv-scanner/storefront-v2.json"))]),
        "osv.json",
      );
      return admin.request("POST", "/api/imports", form);
    };
    const refused = await osv({ fullScan: "true" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/^osv\.json: .*asset field/);
    const named = await osv({ fullScan: "true", asset: "storefront-upload" });
    expect(named.status).toBe(201);
    const page = await admin.json<{ rows: { assetKey: string }[] }>(
      "GET",
      "/api/findings?asset=storefront-upload&limit=5",
    );
    expect(page.rows.length).toBeGreaterThan(0);
    expect(new Set(page.rows.map((r) => r.assetKey))).toEqual(new Set(["storefront-upload"]));
  });

  it("describes the API in OpenAPI, without the gateway's routes", async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/findings",
        "/api/findings/{id}",
        "/api/imports",
        "/api/ai/keys",
        "/api/ai/keys/{id}",
      ]),
    );
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/v1"))).toBe(false);
  });

  it("signs out: the session stops working", async () => {
    const s = await server.signIn(viewerLogin.username, viewerLogin.password);
    expect((await s.request("POST", "/api/auth/logout")).status).toBe(204);
    expect((await client(server.url, s.cookie, s.csrfToken).request("GET", "/api/auth/me")).status).toBe(401);
  });
});
