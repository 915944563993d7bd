import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openStore, type Store } from "../../src/store/open.js";
import { readKnownUpFront } from "./store-data.js";

/**
 * The PostgreSQL server the tests use for creating throw-away databases. CI sets
 * DETENTE_TEST_DATABASE_URL; on a developer machine the local server is used. Tests never skip
 * PostgreSQL silently: if it is down, they fail and say so.
 */
export const TEST_DATABASE_URL =
  process.env.DETENTE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestStore {
  readonly store: Store;
  /** The connection string (PostgreSQL) or the home directory (PGlite) of this store. */
  readonly where: string;
  /** Close the store and remove its database or directory. */
  dispose(): Promise<void>;
}

export interface StoreBackend {
  readonly name: "pglite" | "postgres";
  open(): Promise<TestStore>;
}

/**
 * A new, empty DETENTE_HOME. The embedded database a command opens there starts as a copy of the migrated
 * template `npm run build` makes (src/store/embedded-template.ts): well under a second, where PGlite's
 * initdb costs 5 to 6 seconds of CPU.
 */
export function newHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), "detente-test-"));
}

/** A fresh embedded store in a temporary DETENTE_HOME. */
export async function openPgliteStore(): Promise<TestStore> {
  const home = await newHome();
  let store: Store;
  try {
    store = await openStore({ home });
  } catch (e) {
    await rm(home, { recursive: true, force: true });
    throw e;
  }
  return {
    store,
    where: home,
    async dispose() {
      await store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A fresh PostgreSQL database on the test server, dropped on dispose. */
export async function openPostgresStore(): Promise<TestStore> {
  const name = `detente_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = "/" + name;
  const drop = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  let store: Store;
  try {
    store = await openStore({ home: tmpdir(), databaseUrl: url.toString(), poolSize: 4 });
  } catch (e) {
    // A store that fails to open (a broken migration) must not leave its database behind.
    await drop().catch(() => undefined);
    throw e;
  }
  return {
    store,
    where: url.toString(),
    async dispose() {
      await store.close();
      await drop();
    },
  };
}

/** Both backends, for `describe.each(STORE_BACKENDS)`. */
export const STORE_BACKENDS: readonly StoreBackend[] = [
  { name: "pglite", open: openPgliteStore },
  { name: "postgres", open: openPostgresStore },
];

/**
 * The backends of the import tests: both, and PostgreSQL with every import reading the stored findings up
 * front (`KnownIndex`), which a real import only does for a report about as large as the store.
 */
export const IMPORT_BACKENDS: readonly (StoreBackend & { readonly title: string })[] = [
  ...STORE_BACKENDS.map((b) => ({ ...b, title: b.name })),
  {
    name: "postgres",
    title: "postgres (preloaded)",
    open: async () => {
      const t = await openPostgresStore();
      readKnownUpFront(t.store);
      return t;
    },
  },
];
