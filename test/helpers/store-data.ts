import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  policyAssetDefaults,
  replaceAssets,
  storedAssetMatcher,
} from "../../src/services/assets/store-assets.js";
import { createDecider } from "../../src/services/findings/create-decider.js";
import { importReport, type ImportResult } from "../../src/services/findings/import-report.js";
import { seedBundledIntel } from "../../src/services/intel/seed.js";
import { storeIntel } from "../../src/services/intel/store-lookup.js";
import type { Store } from "../../src/store/open.js";
import { loadAssets } from "../../src/vuln/assets/index.js";
import type { Finding } from "../../src/vuln/finding.js";
import { openReport } from "../../src/vuln/formats/read.js";
import { DEFAULT_TRIAGE_POLICY, type TriagePolicy } from "../../src/vuln/triage/policy.js";

/**
 * Shared set-up for the store and service tests: fixture paths, a fixed clock, emptying a store between
 * scenarios (a fresh PGlite store costs seconds, a TRUNCATE milliseconds), importing a report the way
 * `detente import` does, and reading tables for before/after comparisons.
 *
 * @example
 * await resetStore(store);
 * await prepareStore(store, { assets: true });
 * const result = await importFile(store, fixture("trivy/payments-api-image.json"), { now: NOW });
 */

/** The fixed "now" of every store test; tests never read the clock. */
export const NOW = new Date("2026-11-23T12:00:00Z");

/** `NOW` plus whole days, for re-imports and later full scans. */
export function daysAfterNow(days: number): Date {
  return new Date(NOW.getTime() + days * 86_400_000);
}

/** Absolute path of a file under test/fixtures. */
export function fixture(path: string): string {
  return fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
}

/** The inventory fixture the scanner fixtures' asset keys land on. */
export const COMPANY_ASSETS = fixture("assets/company.yaml");

/** Empty every table of the store (the schema stays), restarting id sequences. */
export async function resetStore(store: Store): Promise<void> {
  const tables = await store.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const list = tables.map((t) => `"${t.tablename}"`).join(", ");
  await store.query(`TRUNCATE ${list} RESTART IDENTITY CASCADE`);
}

/** What `detente` gives a new store (the bundled KEV snapshot), plus the company inventory if asked. */
export async function prepareStore(store: Store, options: { assets: boolean; now?: Date }): Promise<void> {
  const now = options.now ?? NOW;
  await seedBundledIntel({ store, now });
  if (options.assets) await replaceAssets({ ctx: { store, now }, input: await loadAssets(COMPANY_ASSETS) });
}

/** Stores whose imports (`importFile`) read every stored finding up front (`IMPORT_BACKENDS`). */
const UP_FRONT = new WeakSet<Store>();

/** Make `importFile` into `store` read the stored findings up front, whatever the report's size. */
export function readKnownUpFront(store: Store): void {
  UP_FRONT.add(store);
}

/** Import one report file as `detente import [--full-scan]` does: stored intel, stored inventory. */
export async function importFile(
  store: Store,
  path: string,
  options: { now: Date; fullScan?: boolean; policy?: TriagePolicy; asset?: string },
): Promise<ImportResult> {
  const policy = options.policy ?? DEFAULT_TRIAGE_POLICY;
  const decider = createDecider({
    intel: storeIntel(store),
    assets: await storedAssetMatcher(store, policyAssetDefaults(policy)),
    policy,
    now: options.now,
  });
  return importReport({
    ctx: { store, now: options.now },
    input: {
      report: await openReport(path, { assetKey: options.asset }),
      fullScan: options.fullScan === true,
      decider,
      lookups: UP_FRONT.has(store) ? "preloaded" : "auto",
    },
  });
}

/** Every finding a report holds, as its parser reads it (independent of the store). */
export async function readFindings(path: string): Promise<Finding[]> {
  const report = await openReport(path);
  const all: Finding[] = [];
  for await (const batch of report.findings) all.push(...batch);
  return all;
}

/** All rows of a table in a stable order, for "nothing changed" comparisons. */
export async function tableRows(store: Store, table: string): Promise<Record<string, unknown>[]> {
  const order: Readonly<Record<string, string>> = {
    finding_sources: "finding_id, scanner",
    vulnerabilities: "vuln_id",
    intel_sources: "source",
    assets: "key",
    settings: "key",
  };
  return store.query(
    `SELECT * FROM ${table} ORDER BY ${order[table] ?? (table.startsWith("intel_") ? "cve" : "id")}`,
  );
}

/** How many rows a table holds. */
export async function countRows(store: Store, table: string, where = "true"): Promise<number> {
  const [row] = await store.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`);
  return Number(row?.n ?? 0);
}

/** A temporary directory and its removal, for modified copies of fixtures. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "detente-store-test-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
