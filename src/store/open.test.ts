import { readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { DetenteError } from "../errors.js";
import { packageRoot } from "../paths.js";
import { STORE_BACKENDS, TEST_DATABASE_URL } from "../../test/helpers/stores.js";
import { tempDir } from "../../test/helpers/store-data.js";
import { seedFromTemplate } from "./embedded-template.js";
import { openStore, type Store } from "./open.js";

/** A place a store can live that does not exist yet, and a way to open it (again and again). */
interface Target {
  open(): Promise<Store>;
  remove(): Promise<void>;
}

/** A new, empty PostgreSQL database on the test server (not migrated: that is what is tested). */
async function emptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `detente_open_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = "/" + name;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const TARGETS: Record<(typeof STORE_BACKENDS)[number]["name"], () => Promise<Target>> = {
  pglite: async () => {
    const home = await tempDir();
    return { open: () => openStore({ home: home.path }), remove: home.remove };
  },
  postgres: async () => {
    const db = await emptyDatabase();
    return { open: () => openStore({ home: tmpdir(), databaseUrl: db.url, poolSize: 2 }), remove: db.drop };
  },
};

/** What the migrations in drizzle/ create: table and index names, and how many migrations there are. */
async function expectedSchema(): Promise<{ tables: string[]; indexes: string[]; migrations: number }> {
  const dir = join(packageRoot(), "drizzle");
  const sql = (
    await Promise.all(
      (await readdir(dir)).filter((f) => f.endsWith(".sql")).map((f) => readFile(join(dir, f), "utf8")),
    )
  ).join("\n");
  const names = (re: RegExp): string[] => [...sql.matchAll(re)].map((m) => m[1]!).sort();
  const journal = JSON.parse(await readFile(join(dir, "meta", "_journal.json"), "utf8")) as {
    entries: unknown[];
  };
  return {
    tables: names(/CREATE TABLE "([a-z_]+)"/g),
    indexes: names(/CREATE (?:UNIQUE )?INDEX "([a-z_]+)"/g),
    migrations: journal.entries.length,
  };
}

async function schemaOf(store: Store): Promise<{ tables: string[]; indexes: string[]; migrations: number }> {
  const tables = await store.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
  );
  const indexes = await store.query<{ name: string }>(
    // Indexes of their own, not those behind primary keys and unique constraints.
    `SELECT indexname AS name FROM pg_indexes
      WHERE schemaname = 'public' AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY 1`,
  );
  const [applied] = await store.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM drizzle.__drizzle_migrations`,
  );
  return {
    tables: tables.map((t) => t.name),
    indexes: indexes.map((i) => i.name),
    migrations: Number(applied?.n),
  };
}

describe.each(STORE_BACKENDS)("openStore on $name", ({ name }) => {
  // One test: creating a PGlite store costs seconds, and the second open needs the first.
  it("migrates a new store on open, then opens it again with its data without migrating twice", async () => {
    const target = await TARGETS[name]();
    try {
      const first = await target.open();
      try {
        expect(first.kind).toBe(name);
        expect(await schemaOf(first)).toEqual(await expectedSchema());
        await first.query(
          `INSERT INTO settings (key, value, updated_at) VALUES ('probe', '{"kept":true}', $1)`,
          [new Date("2026-11-23T12:00:00Z")],
        );
      } finally {
        await first.close();
      }

      const again = await target.open();
      try {
        const rows = await again.query<{ value: unknown }>(`SELECT value FROM settings WHERE key = 'probe'`);
        expect(rows.map((r) => r.value)).toEqual([{ kept: true }]);
        expect(await schemaOf(again)).toEqual(await expectedSchema());
      } finally {
        await again.close();
      }
    } finally {
      await target.remove();
    }
  });
});

describe("openStore on PostgreSQL", () => {
  it("lets several servers open a new database at once: one migrates, the others wait (advisory lock)", async () => {
    const target = await TARGETS.postgres();
    try {
      const opened = await Promise.allSettled([target.open(), target.open(), target.open()]);
      const stores = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      try {
        expect(opened.map((o) => (o.status === "rejected" ? String(o.reason) : "opened"))).toEqual([
          "opened",
          "opened",
          "opened",
        ]);
        for (const store of stores) expect(await schemaOf(store)).toEqual(await expectedSchema());
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    } finally {
      await target.remove();
    }
  });

  it("never puts the password of DATABASE_URL in an error", async () => {
    const urls = [
      "postgres://u:s3cretpw@127.0.0.1:1/x", // nothing listens there
      "postgres://u:s3cretpw@127.0.0.1:notaport/x", // unparseable
      `postgres://no_such_role:s3cretpw@${new URL(TEST_DATABASE_URL).host}/postgres`, // the server refuses
    ];
    for (const databaseUrl of urls) {
      const error: unknown = await openStore({ home: tmpdir(), databaseUrl }).then(
        (s) => s.close().then(() => new Error(`${databaseUrl} opened`)),
        (e: unknown) => e,
      );
      expect(error, databaseUrl).toBeInstanceOf(DetenteError);
      const e = error as DetenteError;
      expect(e.code).toBe("UPSTREAM");
      expect(e.message).toMatch(/^cannot open PostgreSQL at /);
      for (const text of [e.message, String(e.stack), JSON.stringify(e.details ?? {})]) {
        expect(text).not.toContain("s3cretpw");
      }
    }
    // The message still says where: host and port, without the password.
    const refused = await openStore({ home: tmpdir(), databaseUrl: urls[0] }).catch((e: unknown) => e);
    expect((refused as Error).message).toContain("u:***@127.0.0.1:1");
  });

  it("names where it is without the password", async () => {
    const db = await emptyDatabase();
    try {
      const url = new URL(db.url);
      // Trust authentication on a developer's server ignores a password; CI's URL brings its own.
      if (!url.password) url.password = "s3cretpw";
      const secret = url.password;
      const store = await openStore({ home: tmpdir(), databaseUrl: url.toString(), poolSize: 1 });
      try {
        expect(store.location).not.toContain(secret);
        expect(store.location).toContain(url.host);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe("openStore on PGlite (the database on a thread of its own)", () => {
  it("passes PostgreSQL's errors through with their fields, rolls a failed transaction back, and makes other queries wait for an open one", async () => {
    const home = await tempDir();
    try {
      const store = await openStore({ home: home.path });
      try {
        const at = new Date("2026-12-02T01:00:00Z");
        await store.query(`INSERT INTO settings (key, value, updated_at) VALUES ('a', '1', $1)`, [at]);
        const failed: unknown = await store
          .transaction(async (tx) => {
            await tx.query(`INSERT INTO settings (key, value, updated_at) VALUES ('b', '2', $1)`, [at]);
            await tx.query(`INSERT INTO settings (key, value, updated_at) VALUES ('a', '3', $1)`, [at]);
          })
          .catch((e: unknown) => e);
        expect(failed).toBeInstanceOf(Error);
        expect(failed).toMatchObject({ code: "23505", constraint: "settings_pkey" });
        expect((failed as Error).message).toMatch(/duplicate key value/);

        // Inside a transaction, its own writes; a query outside it waits until it ends (here rolled back),
        // rather than running inside it on the one connection.
        let outside: Promise<unknown[]> | undefined;
        const rolledBack = await store
          .transaction(async (tx) => {
            await tx.query(`INSERT INTO settings (key, value, updated_at) VALUES ('c', '4', $1)`, [at]);
            outside = store.query(`SELECT key FROM settings ORDER BY key`);
            expect(await tx.query(`SELECT key FROM settings ORDER BY key`)).toEqual([
              { key: "a" },
              { key: "c" },
            ]);
            throw new Error("changed my mind");
          })
          .catch((e: unknown) => e);
        expect(rolledBack).toMatchObject({ message: "changed my mind" });
        expect(await outside).toEqual([{ key: "a" }]);
        expect(
          await store.query<{ updated_at: Date }>(`SELECT updated_at FROM settings WHERE key = 'a'`),
        ).toEqual([{ updated_at: at }]);
      } finally {
        await store.close();
      }
      await expect(store.query(`SELECT 1`)).rejects.toThrow(/embedded database is closed/);
    } finally {
      await home.remove();
    }
  });

  it("starts a new database from the build's template, copies over what a cut-short copy left, and leaves a database that exists as it is", async () => {
    const dir = await tempDir();
    try {
      // What a copy cut short leaves (no PG_VERSION yet) is copied over at the next open.
      await writeFile(join(dir.path, "postgresql.conf"), "half a file");
      expect(await seedFromTemplate(dir.path)).toBe(true);
      expect(await readFile(join(dir.path, "PG_VERSION"), "utf8")).toMatch(/^\d+/);
      expect(await readFile(join(dir.path, "postgresql.conf"), "utf8")).not.toBe("half a file");
      expect(await seedFromTemplate(dir.path)).toBe(false);
    } finally {
      await dir.remove();
    }
  });
});
