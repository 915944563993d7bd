import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { packageRoot } from "../paths.js";

/**
 * A new embedded database starts as a copy of one made at build time (`npm run build`): PGlite's initdb
 * runs PostgreSQL's bootstrap in WebAssembly, 5 to 6 seconds of CPU here, where copying its 40 MB result
 * takes a fraction of a second. The template is the database as initdb and the migrations leave it, with
 * nothing of anyone's in it; `stamp` names the PGlite release and the migrations it was made with, and a
 * template whose stamp does not match this checkout is not used (the database is then made from scratch).
 */
export const TEMPLATE_DIR = join(packageRoot(), "dist", "embedded-template");

/**
 * How the embedded database starts: PGlite's own parameters, and the least write-ahead log (`minimal`:
 * one process, no replicas, no archive). With it, what a transaction writes into a table it created or
 * truncated (an import into an empty store, see `beginBulkLoad`), and the indexes it builds, skip the
 * log and are written once, to the table's files, before the commit.
 */
export const START_PARAMS = [
  ...PGlite.defaultStartParams,
  "-c",
  "wal_level=minimal",
  "-c",
  "max_wal_senders=0",
];

/** The PGlite release and the migrations (names and contents), as one hash. */
export async function templateStamp(): Promise<string> {
  const root = packageRoot();
  const hash = createHash("sha256");
  const drizzleDir = join(root, "drizzle");
  for (const f of (await readdir(drizzleDir)).filter((x) => x.endsWith(".sql")).sort()) {
    hash.update(f).update(await readFile(join(drizzleDir, f)));
  }
  hash.update(await readFile(join(drizzleDir, "meta", "_journal.json")));
  const pglite = JSON.parse(
    await readFile(join(root, "node_modules", "@electric-sql", "pglite", "package.json"), "utf8"),
  ) as { version: string };
  return hash.update(pglite.version).digest("hex");
}

/**
 * Fill an empty database directory from the template, when there is one for this checkout. Returns
 * whether it did; a directory that already holds a database is left alone.
 */
export async function seedFromTemplate(dir: string): Promise<boolean> {
  if (existsSync(join(dir, "PG_VERSION"))) return false;
  const stamp = await readFile(join(TEMPLATE_DIR, "stamp"), "utf8").catch(() => null);
  // No template, or one this checkout cannot vouch for (its PGlite not where a checkout keeps it): initdb.
  if (stamp === null || stamp !== (await templateStamp().catch(() => null))) return false;
  await cp(join(TEMPLATE_DIR, "data"), dir, { recursive: true, force: true });
  return true;
}

/**
 * Make the template (what `npm run build` runs), unless the one there is current. Built beside it and
 * renamed into place, so a process opening a database meanwhile sees the old one or the new one whole.
 */
export async function buildTemplate(): Promise<"built" | "current"> {
  const stamp = await templateStamp();
  if ((await readFile(join(TEMPLATE_DIR, "stamp"), "utf8").catch(() => null)) === stamp) return "current";
  const building = await mkdtemp(`${TEMPLATE_DIR}.building-`);
  try {
    const client = await PGlite.create(join(building, "data"), { startParams: START_PARAMS });
    try {
      await migrate(drizzle(client), { migrationsFolder: join(packageRoot(), "drizzle") });
    } finally {
      await client.close();
    }
    await writeFile(join(building, "stamp"), stamp);
    await rm(TEMPLATE_DIR, { recursive: true, force: true });
    await rename(building, TEMPLATE_DIR);
  } catch (e) {
    await rm(building, { recursive: true, force: true });
    throw e;
  }
  return "built";
}
