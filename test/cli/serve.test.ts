import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "../helpers/api-server.js";
import { TEST_DATABASE_URL } from "../helpers/stores.js";
import { cliSandbox, runCli, type CliSandbox } from "./helpers.js";

const BIN = join(resolve(fileURLToPath(new URL("../..", import.meta.url))), "bin", "detente.js");

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
}

/** Start `detente <args>` and wait until it prints the URL it serves. */
async function start(args: string[], env: Record<string, string>, cwd: string): Promise<Running> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", DATABASE_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`did not start:\n${out}`));
    }, 120_000);
    child.stderr?.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /is running at (http:\/\/\S+)/.exec(out);
      if (m?.[1] && out.includes("Ctrl-C stops")) {
        clearTimeout(timer);
        done(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code}:\n${out}`));
    });
  });
  return { child, url, output: () => out };
}

async function stop(r: Running): Promise<number | null> {
  r.child.kill("SIGINT");
  const [code] = (await once(r.child, "exit")) as [number | null];
  return code;
}

async function signIn(url: string, username: string, password: string) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status, `sign-in of ${username}`).toBe(200);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return client(
    url,
    res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; "),
    csrfToken,
  );
}

describe("npm start (detente demo --serve)", { timeout: 300_000 }, () => {
  let cli: CliSandbox;
  beforeAll(async () => {
    cli = await cliSandbox();
  });
  afterAll(async () => {
    await cli.dispose();
  });

  it("serves the demo company with AI gateway activity, signs in the printed users, stops cleanly and reuses the data", async () => {
    const env = { DETENTE_HOME: cli.home };
    const first = await start(["demo", "--serve", "--port", "0"], env, cli.cwd);
    const out = first.output();
    const cio = /cio\s+(\S+)\s+viewer/.exec(out)?.[1];
    expect(cio, out).toBeDefined();
    const viewer = await signIn(first.url, "cio", cio!);
    const overview = await viewer.json<{
      findings: { open: number; escalated: number };
      ai: { requests: number; blocked: number; redacted: number };
    }>("GET", "/api/overview");
    expect(overview.findings.open).toBeGreaterThan(20);
    expect(overview.findings.escalated).toBeGreaterThan(0);
    // The demo's requests really went through the gateway: some were blocked and redacted.
    expect(overview.ai.requests).toBe(60);
    expect(overview.ai.blocked).toBeGreaterThan(0);
    expect(overview.ai.redacted).toBeGreaterThan(0);
    const imports = await viewer.json<{ imports: { format: string }[] }>("GET", "/api/imports");
    expect(new Set(imports.imports.map((i) => i.format))).toEqual(
      new Set(["cyclonedx", "sarif", "grype", "nessus", "osv-scanner", "csv", "trivy"]),
    );
    // A viewer cannot reach admin actions.
    expect((await viewer.request("GET", "/api/users")).status).toBe(403);
    // The dashboard is served at / and at its own client-side paths.
    const page = await fetch(`${first.url}/queue`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain("flushing the audit trail");

    const second = await start(["demo", "--serve", "--port", "0"], env, cli.cwd);
    expect(second.output()).toContain("Using the data already in");
    expect(/cio\s+(\S+)\s+viewer/.exec(second.output())?.[1]).toBe(cio);
    const again = await signIn(second.url, "cio", cio!);
    const overview2 = await again.json<{ ai: { requests: number } }>("GET", "/api/overview");
    expect(overview2.ai.requests).toBe(60);
    expect(await stop(second)).toBe(0);
  });
});

describe("two detente serve processes on one PostgreSQL", { timeout: 300_000 }, () => {
  let cli: CliSandbox;
  let url: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    cli = await cliSandbox();
    const name = `detente_serve_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(TEST_DATABASE_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    drop = async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  });
  afterAll(async () => {
    await drop();
    await cli.dispose();
  });

  it("work as one: a session from one is valid on the other, and data written through one is read through the other", async () => {
    const env = { DATABASE_URL: url, DETENTE_HOME: cli.home, DETENTE_PASSWORD: "a long enough password 1" };
    const added = await runCli(["users", "add", "ana", "--role", "admin"], {
      cwd: cli.cwd,
      home: cli.home,
      env,
    });
    expect(added.code, added.stderr).toBe(0);
    const [a, b] = await Promise.all([
      start(["serve", "--port", "0"], { DATABASE_URL: url, DETENTE_HOME: cli.home }, cli.cwd),
      start(["serve", "--port", "0"], { DATABASE_URL: url, DETENTE_HOME: cli.home }, cli.cwd),
    ]);
    try {
      expect(a.url).not.toBe(b.url);
      const onA = await signIn(a.url, "ana", "a long enough password 1");
      // The same cookie and CSRF token, sent to the other instance.
      const onB = client(b.url, onA.cookie, onA.csrfToken);
      expect((await onB.json<{ username: string }>("GET", "/api/auth/me")).username).toBe("ana");
      const form = new FormData();
      const { readFile } = await import("node:fs/promises");
      form.set(
        "file",
        new Blob([
          await readFile(join(import.meta.dirname, "..", "fixtures", "trivy", "payments-api-image.json")),
        ]),
        "payments.json",
      );
      expect((await onB.request("POST", "/api/imports", form)).status).toBe(201);
      const seen = await onA.json<{ imports: { source: string }[] }>("GET", "/api/imports");
      expect(seen.imports.map((i) => i.source)).toContain("payments.json");
      // Signing out on A ends the session on B too.
      expect((await onA.request("POST", "/api/auth/logout")).status).toBe(204);
      expect((await onB.request("GET", "/api/auth/me")).status).toBe(401);
    } finally {
      expect(await stop(a)).toBe(0);
      expect(await stop(b)).toBe(0);
    }
  });
});
