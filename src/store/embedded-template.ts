import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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

/** The file that marks a directory as holding a PostgreSQL database. */
const PG_VERSION = "PG_VERSION";

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
  // Wherever npm put PGlite (beside this package, or hoisted above it): its entry is in `dist/`.
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const pglite = JSON.parse(await readFile(join(dirname(dirname(entry)), "package.json"), "utf8")) as {
    version: string;
  };
  return hash.update(pglite.version).digest("hex");
}

/**
 * Fill an empty database directory from the template, when there is one for this checkout. Returns
 * whether it did; a directory that already holds a database is left alone.
 */
export async function seedFromTemplate(dir: string): Promise<boolean> {
  if (existsSync(join(dir, PG_VERSION))) return false;
  const stamp = await readFile(join(TEMPLATE_DIR, "stamp"), "utf8").catch(() => null);
  // No template, or one made with other migrations or another PGlite: initdb.
  if (stamp === null || stamp !== (await templateStamp().catch(() => null))) return false;
  // PG_VERSION, which marks a directory as holding a database, is copied last: a copy cut short is
  // copied again at the next open instead of being opened half-made.
  const data = join(TEMPLATE_DIR, "data");
  await cp(data, dir, { recursive: true, force: true, filter: (from) => from !== join(data, PG_VERSION) });
  await cp(join(data, PG_VERSION), join(dir, PG_VERSION));
  return true;
}

/**
 * Make the template (what `npm run build` runs), unless the one there is current. Built beside it and
 * renamed into place.
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
    // The old one is moved aside, not removed, before the new one takes its name: the name always
    // holds a whole template (a database copied at that very moment could still mix the two; a build
    // and a first open do not run at once here, and `npm test` builds before it tests).
    const old = `${building}.old`;
    await rename(TEMPLATE_DIR, old).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    });
    await rename(building, TEMPLATE_DIR);
    await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(building, { recursive: true, force: true });
    throw e;
  }
  return "built";
}
