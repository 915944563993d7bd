import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DetenteError } from "../errors.js";
import { packageRoot } from "../paths.js";
import { openEmbedded } from "./embedded.js";
import { copyStatement, firstLine } from "./sql.js";
import * as schema from "./schema/index.js";

/** The database as the rest of detente sees it, whichever engine is behind. */
export interface Store {
  readonly kind: "pglite" | "postgres";
  /** Where the data lives, for messages (a directory, or the URL without its password). */
  readonly location: string;
  /**
   * Parameterized SQL on the underlying driver (the schema is Drizzle's, in `schema/`; queries are SQL).
   * Inside `transaction`, use the `query` it hands you instead.
   */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Run `fn` in one transaction on one connection: all of it lands, or none. */
  transaction<T>(fn: (tx: RawTx) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: the bytes of `COPY (query) TO STDOUT (FORMAT binary)`, chunk by chunk as they come,
   * on a connection of its own (outside any transaction). For reading a whole table far faster than rows
   * of objects would come. Stopping early (`break`), or `signal` aborting even while a chunk is awaited,
   * closes that connection.
   */
  readonly copyOut?: (query: string, signal?: AbortSignal) => AsyncIterable<Buffer>;
  close(): Promise<void>;
}

/** Anything that runs raw parameterized SQL: the store itself or one of its transactions. */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** A transaction's raw query function, and bulk loading with COPY. */
export interface RawTx extends Queryable {
  /**
   * `COPY table (columns) FROM` with rows in PostgreSQL's text format (see `store/copy-text.ts`), or in
   * its binary format with `binary` (bytes from a `BinaryCopyRows`, see `store/copy-binary.ts`): the
   * fastest way into either engine, several times faster than INSERT with parameters. Give a long run of
   * text rows as pieces (a `CopyBuffer`'s), each ending at the end of a row. `freeze` writes the rows
   * frozen and visible to all (COPY FREEZE): only into a table created or truncated in this transaction.
   */
  copyFrom(
    table: string,
    columns: readonly string[],
    rows: string | readonly string[] | readonly Uint8Array[],
    options?: CopyOptions,
  ): Promise<void>;
}

/**
 * How `copyFrom` copies: `freeze` as COPY FREEZE (see `RawTx.copyFrom`), `binary` in the binary format
 * (the rows are then bytes).
 */
export interface CopyOptions {
  readonly freeze?: boolean;
  readonly binary?: boolean;
}

export interface OpenStoreOptions {
  /** PostgreSQL connection string; when absent, the embedded PGlite database under `home` is used. */
  readonly databaseUrl?: string | undefined;
  /** detente's home directory (DETENTE_HOME, default ./.detente). */
  readonly home: string;
  /** Pool size for PostgreSQL. */
  readonly poolSize?: number;
  /** How long to wait for another process to close the embedded database (default 30 s). */
  readonly lockWaitMs?: number;
}

/** `Store.copyOut` on PostgreSQL. */
async function* copyOutOf(pool: pg.Pool, query: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const client = await pool.connect();
  let finished = false;
  let failure: Error | undefined;
  let stream: ReturnType<typeof copyTo> | undefined;
  const stop = (): void => {
    stream?.destroy(new Error("COPY stopped before its end"));
  };
  try {
    stream = client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`));
    signal?.addEventListener("abort", stop, { once: true });
    if (signal?.aborted) stop();
    for await (const chunk of stream) yield chunk as Buffer;
    finished = true;
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
    throw e;
  } finally {
    signal?.removeEventListener("abort", stop);
    if (!finished) stream?.destroy();
    // A COPY stopped partway leaves the connection mid-protocol: close it rather than pool it.
    client.release(finished ? undefined : (failure ?? new Error("COPY stopped before its end")));
  }
}

/** Arbitrary key for pg_advisory_lock so that servers starting together migrate one at a time. */
const MIGRATION_LOCK = 0x6465_7465;

/**
 * Open the store and bring its schema up to date. PGlite by default (zero set-up, data under
 * `home/db`, on a thread of its own: see `embedded.ts`), PostgreSQL when a URL is given; migrations run
 * on open, serialized across processes.
 *
 * @example
 * const store = await openStore({ home: ".detente" });
 * try { ... } finally { await store.close(); }
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const migrationsFolder = join(packageRoot(), "drizzle");
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    pool.on("error", () => {
      // An idle client lost its connection; the pool replaces it. Nothing to log that could hold secrets.
    });
    try {
      const client = await pool.connect();
      try {
        await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
        await migratePg(drizzlePg(client, { schema }), { migrationsFolder });
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
        client.release();
      }
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new DetenteError(
        "UPSTREAM",
        `cannot open PostgreSQL at ${redactUrl(options.databaseUrl)}: ${firstLine(e)}`,
      );
    }
    return {
      kind: "postgres",
      location: redactUrl(options.databaseUrl),
      query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
      transaction: async <T>(fn: (tx: RawTx) => Promise<T>) => {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          const result = await fn({
            query: async <R>(text: string, params?: unknown[]) =>
              (await client.query(text, params)).rows as R[],
            copyFrom: async (table, columns, rows, options) => {
              const stream = client.query(copyFrom(copyStatement(table, columns, "STDIN", options)));
              await pipeline(Readable.from(typeof rows === "string" ? [rows] : rows), stream);
            },
          });
          await client.query("COMMIT");
          return result;
        } catch (e) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw e;
        } finally {
          client.release();
        }
      },
      copyOut: (query: string, signal?: AbortSignal) => copyOutOf(pool, query, signal),
      close: () => pool.end(),
    };
  }

  const dir = join(options.home, "db");
  await mkdir(dir, { recursive: true });
  return openEmbedded(dir, { lockWaitMs: options.lockWaitMs ?? 30_000 });
}

/** A connection string without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
