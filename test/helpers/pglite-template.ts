import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { openStore } from "../../src/store/open.js";
import type { TestStore } from "./stores.js";

/**
 * Where the migrated template of this checkout lives: keyed by the migrations and the PGlite version, so a
 * new migration or PGlite release builds a new one instead of reusing a stale schema.
 */
async function templatePath(): Promise<string> {
  const root = packageRoot();
  const hash = createHash("sha256");
  const drizzle = join(root, "drizzle");
  for (const f of (await readdir(drizzle)).filter((x) => x.endsWith(".sql")).sort()) {
    hash.update(f).update(await readFile(join(drizzle, f)));
  }
  hash.update(await readFile(join(drizzle, "meta", "_journal.json")));
  hash.update(await readFile(join(root, "node_modules", "@electric-sql", "pglite", "package.json")));
  return join(tmpdir(), `detente-pglite-template-${hash.digest("hex").slice(0, 16)}`);
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * A new DETENTE_HOME holding a copy of a migrated, empty embedded database. Creating a PGlite database
 * runs initdb in WebAssembly, 6 to 8 seconds of CPU; copying the 40 MB result and opening it costs well
 * under two. The template is built once per checkout state by whichever test process needs it first and
 * renamed into place in one step, so parallel test processes never see half of it.
 *
 * @example
 * const home = await pgliteHomeFromTemplate();
 * const store = await openStore({ home });
 */
export async function pgliteHomeFromTemplate(): Promise<string> {
  const template = await templatePath();
  if (!(await exists(template))) {
    const build = await mkdtemp(`${template}.building-`);
    const store = await openStore({ home: build });
    await store.close();
    // Another process may have won the race; its template is as good as ours.
    await rename(build, template).catch(() => rm(build, { recursive: true, force: true }));
  }
  const home = await mkdtemp(join(tmpdir(), "detente-test-"));
  await cp(join(template, "db"), join(home, "db"), { recursive: true });
  return home;
}

/**
 * `openPgliteStore` from test/helpers/stores.ts, several seconds faster: the store starts as a copy of
 * the migrated template. Opening it still runs the migrations (none are pending), as `openStore` does.
 *
 * @example const { store, dispose } = await openPgliteStoreFromTemplate();
 */
export async function openPgliteStoreFromTemplate(): Promise<TestStore> {
  const home = await pgliteHomeFromTemplate();
  const store = await openStore({ home });
  return {
    store,
    where: home,
    async dispose() {
      await store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
