import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/paths.js";
import { startWebServer, uploadedReportPath, type WebServer, type WebUser } from "../helpers/web-server.js";

/*
 * The dashboard in a real browser (Debian's Chromium) against the real server and an embedded store with
 * the demo company. Assertions read what a person sees: headings, labelled numbers, table rows, links.
 * Every page under test is saved as a screenshot in test-results/dashboard/ (wide and phone).
 */

const CHROMIUM = process.env.DETENTE_CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = join(packageRoot(), "test-results", "dashboard");
const WIDE = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

const n = (v: number): string => v.toLocaleString("en-US");

let server: WebServer;
let browser: Browser;
/** Uncaught exceptions and console errors of every page; a page that throws is broken however it looks. */
const pageErrors: string[] = [];

async function signIn(
  user: WebUser,
  viewport = WIDE,
  screenshot?: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, baseURL: server.url });
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    // The browser logs every non-2xx answer; the first /api/auth/me is a 401 by design (not signed in).
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
      pageErrors.push(`${page.url()}: ${m.text()}`);
  });
  await page.goto("/");
  await page.getByRole("heading", { level: 1, name: /Sign in/ }).waitFor();
  if (screenshot) await shot(page, screenshot);
  await page.getByLabel("User name").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  return { context, page };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function statValue(page: Page, label: string): Promise<string> {
  const stat = page.getByRole("group", { name: label, exact: true });
  return (await stat.locator(".stat-value").textContent()) ?? "";
}

async function json<T>(context: BrowserContext, path: string): Promise<T> {
  const res = await context.request.get(path);
  expect(res.status(), `${path} answers`).toBe(200);
  return (await res.json()) as T;
}

interface OverviewAnswer {
  findings: {
    open: number;
    escalated: number;
    byOutcome: Record<string, number>;
    byTeam: { team: string; open: number; escalated: number; act: number; overdue: number }[];
    sla: { onTime: number; dueSoon: number; overdue: number };
  };
  ai: { requests: number; blocked: number; redacted: number };
}
interface FindingsAnswer {
  rows: { fingerprint: string; vulnId: string; assetKey: string; scanners: string[]; topReason: string }[];
  escalatedCount: number;
}

describe("dashboard", () => {
  beforeAll(async () => {
    if (!existsSync(join(packageRoot(), "dist", "web", "index.html"))) {
      throw new Error("dist/web is missing: run npm run build:web before the browser tests");
    }
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set DETENTE_CHROMIUM to one`,
      );
    }
    await mkdir(SHOTS, { recursive: true });
    server = await startWebServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 180_000);

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, 60_000);

  it("signs in and shows the overview's numbers as the API returns them", async () => {
    const { context, page } = await signIn(server.admin, WIDE, "sign-in");
    const o = await json<OverviewAnswer>(context, "/api/overview");
    expect(o.findings.open).toBeGreaterThan(0);

    expect(await statValue(page, "Open findings")).toBe(n(o.findings.open));
    expect(await statValue(page, "Escalated")).toBe(n(o.findings.escalated));
    expect(await statValue(page, "Overdue")).toBe(n(o.findings.sla.overdue));
    expect(await statValue(page, "Act")).toBe(n(o.findings.byOutcome.act ?? 0));
    const sla = page.getByRole("region", { name: "Escalations by due date" });
    for (const [label, count] of [
      ["Overdue", o.findings.sla.overdue],
      ["Due soon", o.findings.sla.dueSoon],
      ["On time", o.findings.sla.onTime],
    ] as const) {
      await sla.getByRole("link", { name: `${label}: ${n(count)} escalations`, exact: true }).waitFor();
    }
    expect(await statValue(page, "AI requests")).toBe(n(o.ai.requests));
    expect(await statValue(page, "Blocked")).toBe(n(o.ai.blocked));
    expect(await statValue(page, "Redacted")).toBe(n(o.ai.redacted));

    const outcomes = page.getByRole("table", { name: "Open findings by SSVC outcome" });
    for (const [outcome, label] of [
      ["act", "Act"],
      ["attend", "Attend"],
      ["track*", "Track*"],
      ["track", "Track"],
    ] as const) {
      const row = outcomes
        .getByRole("row")
        .filter({ has: page.getByRole("rowheader", { name: label, exact: true }) });
      expect(await row.getByRole("cell").nth(1).textContent()).toBe(n(o.findings.byOutcome[outcome] ?? 0));
    }

    const teams = page.getByRole("region", { name: "Open findings by team" }).getByRole("table");
    for (const t of o.findings.byTeam) {
      const row = teams
        .getByRole("row")
        .filter({ has: page.getByRole("rowheader", { name: t.team, exact: true }) });
      const cells = await row.getByRole("cell").allTextContents();
      expect(cells, `team ${t.team}`).toEqual([n(t.open), n(t.escalated), n(t.act), n(t.overdue)]);
    }
    await page
      .getByRole("region", { name: "Findings over the last 30 days" })
      .getByText("Last 30 days:")
      .waitFor();
    await page.locator(".recharts-surface").nth(1).waitFor();
    await shot(page, "overview");
    await context.close();
  });

  it("lists the escalation queue, filters it, and opens a finding with its reasons", async () => {
    const { context, page } = await signIn(server.admin);
    await page.getByRole("link", { name: "Escalation queue", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Escalation queue" }).waitFor();
    const api = await json<FindingsAnswer>(context, "/api/findings?status=open&escalated=true&limit=50");
    const table = page.getByRole("table", { name: "Findings" });
    await table.waitFor();
    expect(await table.locator("tbody tr").count()).toBe(api.rows.length);
    const first = api.rows[0]!;
    expect(await table.locator("tbody tr").first().getByRole("link").first().textContent()).toBe(
      first.vulnId,
    );
    await page
      .getByText(`${n(api.escalatedCount)} of`)
      .first()
      .waitFor();
    await shot(page, "queue");

    // Sorting by a column header asks the server for that order.
    await table.getByRole("button", { name: "Due" }).click();
    await page.waitForURL(/sort=due/);
    const byDue = await json<FindingsAnswer>(
      context,
      "/api/findings?status=open&escalated=true&sort=due&limit=50",
    );
    await table
      .getByRole("columnheader", { name: "Due" })
      .and(page.locator('[aria-sort="ascending"]'))
      .waitFor();
    const ids = await table.locator("tbody tr td:nth-child(2) .mono").allTextContents();
    expect(ids).toEqual(byDue.rows.map((r) => r.fingerprint.slice(0, 12)));
    await table.getByRole("button", { name: "Priority" }).click();
    await page.waitForURL((url) => !url.search.includes("sort="));

    // Filtering by outcome: every row shown carries that outcome, and the URL can be shared.
    await page.getByRole("group", { name: "Outcome" }).getByLabel("Act", { exact: true }).check();
    await page.waitForURL(/outcome=act/);
    const acts = await json<FindingsAnswer>(
      context,
      "/api/findings?status=open&escalated=true&outcome=act&limit=50",
    );
    await table
      .locator("tbody tr")
      .nth(Math.max(0, acts.rows.length - 1))
      .waitFor();
    expect(await table.locator("tbody tr").count()).toBe(acts.rows.length);
    for (const badge of await table.locator("tbody tr .badge.outcome-act").allTextContents())
      expect(badge).toBe("Act");
    expect(await table.locator("tbody tr td:first-child .badge").count()).toBe(acts.rows.length);

    // Keyboard: the finding's link is reachable and Enter opens it.
    const link = table.getByRole("link", { name: acts.rows[0]!.vulnId }).first();
    await link.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 2, name: "Why" }).waitFor();
    await page.getByRole("heading", { level: 1 }).filter({ hasText: acts.rows[0]!.vulnId }).waitFor();
    await page.getByRole("heading", { level: 2, name: "Decision points (CISA SSVC)" }).waitFor();
    await page.getByRole("heading", { level: 2, name: "Sources" }).waitFor();
    await page.getByRole("heading", { level: 2, name: "History" }).waitFor();
    await shot(page, "finding");
    await context.close();
  });

  it("uploads a report, watches it land, and finds its escalations in the queue", async () => {
    const { context, page } = await signIn(server.admin);
    await page.getByRole("link", { name: "Imports" }).click();
    await page.getByRole("heading", { level: 1, name: "Imports" }).waitFor();
    const before = await json<FindingsAnswer>(context, "/api/findings?status=open&escalated=true&limit=500");
    expect(before.rows.filter((r) => r.scanners.includes("trivy"))).toEqual([]);

    await page.getByLabel("Report file").setInputFiles(uploadedReportPath());
    await page.getByRole("button", { name: "Upload and import" }).click();
    const done = page.getByRole("status").filter({ hasText: "Imported trivy-payments-api.json" });
    await done.waitFor({ timeout: 60_000 });
    await page
      .getByRole("table", { name: "Imports" })
      .getByRole("rowheader", { name: "trivy-payments-api.json" })
      .waitFor();
    await shot(page, "imports");

    const after = await json<FindingsAnswer>(context, "/api/findings?status=open&escalated=true&limit=500");
    const fromUpload = after.rows.filter((r) => r.scanners.includes("trivy"));
    expect(fromUpload.length).toBeGreaterThan(0);
    const one = fromUpload[0]!;
    await done.getByRole("link", { name: "See the escalation queue" }).click();
    await page.getByRole("heading", { level: 1, name: "Escalation queue" }).waitFor();
    await page.getByRole("searchbox", { name: "Asset" }).fill(one.assetKey);
    await page.getByRole("searchbox", { name: "Asset" }).press("Enter");
    await page.waitForURL(/asset=/);
    const row = page
      .getByRole("table", { name: "Findings" })
      .locator("tbody tr")
      .filter({ hasText: one.fingerprint.slice(0, 12) });
    await row.waitFor();
    expect(await row.getByRole("link").first().textContent()).toBe(one.vulnId);
    await context.close();
  }, 90_000);

  it("refuses a wrong password and says so", async () => {
    const context = await browser.newContext({ viewport: WIDE, baseURL: server.url });
    const page = await context.newPage();
    await page.goto("/queue");
    await page.getByLabel("User name").fill(server.viewer.username);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "That user name and password do not match." }).waitFor();
    expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(0);
    expect((await context.request.get("/api/overview")).status()).toBe(401);
    await context.close();
  });

  it("keeps admin actions from a viewer", async () => {
    const { context, page } = await signIn(server.viewer);
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Overview" }).waitFor();
    expect(await nav.getByRole("link", { name: "Users & audit" }).count()).toBe(0);

    await page.getByRole("link", { name: "Imports" }).click();
    await page.getByText("Your role can read imports but not upload reports.").waitFor();
    expect(await page.getByRole("button", { name: "Upload and import" }).count()).toBe(0);
    await shot(page, "imports-viewer");

    await page.goto("/admin");
    await page.getByText("Only administrators can manage users").waitFor();
    expect(await page.getByRole("button", { name: "Add user" }).count()).toBe(0);
    await shot(page, "admin-viewer");

    // The server refuses too: hiding a button is not the protection.
    expect((await context.request.get("/api/users")).status()).toBe(403);
    const csrf = (await context.cookies()).find((c) => c.name === "detente_csrf")?.value ?? "";
    const create = await context.request.post("/api/users", {
      headers: { "x-csrf-token": csrf },
      data: { username: "mallory", role: "admin", password: "x".repeat(20) },
    });
    expect(create.status()).toBe(403);
    await context.close();
  });

  it("creates an AI gateway key, shows it once, and revokes it", async () => {
    const { context, page } = await signIn(server.admin);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Gateway keys" }).click();
    await page.getByRole("heading", { level: 1, name: "Gateway keys" }).waitFor();
    // Only its own link is marked current ("/ai-keys" is not under "/ai").
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.locator('[aria-current="page"]').allTextContents()).toEqual(["Gateway keys"]);
    await page.getByLabel("User", { exact: true }).fill("dana@example.com");
    await page.getByLabel("Team", { exact: true }).fill("payments");
    await page.getByLabel("Tool (optional)").fill("claude-code");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByRole("status").filter({ hasText: "Copy this key now" });
    await shown.waitFor();
    const key = (await shown.locator("code").textContent()) ?? "";
    expect(key).toMatch(/^dtk_/);
    const row = page
      .getByRole("table", { name: "AI gateway keys" })
      .getByRole("row")
      .filter({ hasText: "dana@example.com" });
    await row.waitFor();
    expect(await row.textContent()).toContain("claude-code");
    expect(await row.textContent()).not.toContain(key);
    await shot(page, "ai-keys");
    // The key works on the server's gateway, until it is revoked.
    const models = () => context.request.get("/v1/models", { headers: { authorization: `Bearer ${key}` } });
    expect((await models()).status()).toBe(200);
    page.once("dialog", (d) => void d.accept());
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByText("revoked").waitFor();
    // The server's own gateway refuses it at once.
    expect((await models()).status()).toBe(401);
    await context.close();
  }, 60_000);

  it("shows every other page readably, wide and on a phone", async () => {
    const { context, page } = await signIn(server.admin);
    const pages: [string, string, string][] = [
      ["/assets", "Assets", "assets"],
      ["/ai", "AI activity", "ai"],
      ["/policy", "Policy", "policy"],
      ["/tokens", "API tokens", "tokens"],
      ["/ai-keys", "Gateway keys", "ai-keys-list"],
      ["/admin", "Users & audit", "admin"],
    ];
    for (const [path, heading, name] of pages) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: heading }).click();
      await page.waitForURL(`**${path}`);
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      // A page may load several parts at once (the admin page: users and the audit log): wait for all.
      await expect
        .poll(() => page.getByRole("status").filter({ hasText: "Loading" }).count(), { timeout: 10_000 })
        .toBe(0);
      await shot(page, name);
    }
    await context.close();

    const phone = await signIn(server.admin, PHONE);
    await phone.page.getByRole("group", { name: "Open findings", exact: true }).waitFor();
    await phone.page.locator(".recharts-surface").nth(1).waitFor();
    await shot(phone.page, "overview-phone");
    await phone.page.goto("/queue");
    await phone.page.getByRole("table", { name: "Findings" }).waitFor();
    await shot(phone.page, "queue-phone");
    await phone.page.getByRole("table", { name: "Findings" }).getByRole("link").first().click();
    await phone.page.getByRole("heading", { level: 2, name: "Why" }).waitFor();
    await shot(phone.page, "finding-phone");
    await phone.context.close();
  }, 60_000);
});
