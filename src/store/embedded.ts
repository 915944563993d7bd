import { existsSync, unlinkSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { DetenteError } from "../errors.js";
import { packageRoot } from "../paths.js";
import type { EmbeddedRequest, EmbeddedResponse, EmbeddedStart, WireError } from "./embedded-protocol.js";
import type { CopyOptions, RawTx, Store } from "./open.js";
import { copyStatement, firstLine } from "./sql.js";

/** A request as the caller writes it; the thread pairs it with an id. */
type Request = EmbeddedRequest extends infer R ? (R extends EmbeddedRequest ? Omit<R, "id"> : never) : never;

/**
 * The embedded PGlite database, run on a thread of its own (`embedded-worker.ts`). PGlite is PostgreSQL
 * compiled to WebAssembly and runs on whichever thread calls it: on the main thread an import took turns
 * reading the report and writing the database, and the gateway's audit writes took turns with
 * inspecting prompts. On its own thread the two run side by side, on two cores. Queries and their rows
 * cross as messages (tens of microseconds each); COPY data crosses as one transferred buffer.
 *
 * The database directory is one process's at a time (`detente.lock` beside it, see `lockEmbedded`).
 *
 * @example
 * const store = await openEmbedded("/home/me/.detente/db", { lockWaitMs: 30_000 });
 */
export async function openEmbedded(dir: string, options: { lockWaitMs: number }): Promise<Store> {
  const unlock = await lockEmbedded(dir, options.lockWaitMs);
  const start: EmbeddedStart = { dir, migrationsFolder: join(packageRoot(), "drizzle") };
  let thread: EmbeddedThread;
  try {
    thread = await EmbeddedThread.start(start);
  } catch (e) {
    unlock();
    if ((e as WireError).stage === "migrate") throw e;
    throw new DetenteError("UPSTREAM", `cannot open the embedded database in ${dir}: ${firstLine(e)}`);
  }
  const query = async <T>(text: string, params: unknown[] = [], tx?: number): Promise<T[]> =>
    (await thread.request({ op: "query", text, params, ...(tx === undefined ? {} : { tx }) })) as T[];
  const rawTx = (tx: number): RawTx => ({
    query: <R>(text: string, params?: unknown[]) => query<R>(text, params, tx),
    copyFrom: async (table, columns, rows, copyOptions?: CopyOptions) => {
      const data = concat(typeof rows === "string" ? [rows] : rows);
      const text = copyStatement(table, columns, "'/dev/blob'", copyOptions);
      await thread.request({ op: "copy", text, data, tx }, [data]);
    },
  });
  return {
    kind: "pglite",
    location: dir,
    query: (text, params) => query(text, params),
    transaction: async (fn) => {
      const tx = (await thread.request({ op: "begin" })) as number;
      let result;
      try {
        result = await fn(rawTx(tx));
      } catch (e) {
        await thread.request({ op: "end", tx, commit: false }).catch(() => undefined);
        throw e;
      }
      await thread.request({ op: "end", tx, commit: true });
      return result;
    },
    close: async () => {
      try {
        await thread.close();
      } finally {
        unlock();
      }
    },
  };
}

/** The worker and the requests waiting for it. */
class EmbeddedThread {
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private nextId = 1;
  /** Why the thread can no longer answer, once it cannot. */
  private gone: Error | null = null;
  private closing: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (m: EmbeddedResponse) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      // Idle, the thread does not keep the process alive (as PGlite on the main thread did not).
      if (this.waiting.size === 0) worker.unref();
      if (m.ok) w.resolve(m.value);
      else w.reject(toError(m.error));
    });
    worker.on("error", (e) => {
      this.fail(new DetenteError("UPSTREAM", `the embedded database failed: ${firstLine(e)}`));
    });
    worker.on("exit", (code) => {
      this.fail(new DetenteError("UPSTREAM", `the embedded database stopped (exit code ${code})`));
    });
  }

  static async start(start: EmbeddedStart): Promise<EmbeddedThread> {
    const thread = new EmbeddedThread(new Worker(workerFile(), { workerData: start }));
    // The thread answers id 0 once the database is open and migrated, or with why it is not.
    await new Promise((resolve, reject) => thread.waiting.set(0, { resolve, reject })).catch(
      async (e: unknown) => {
        await thread.worker.terminate();
        throw e;
      },
    );
    return thread;
  }

  request(m: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ ...m, id }, transfer);
      } catch (e) {
        // A parameter that cannot cross to another thread (a function, a class with its own methods).
        this.waiting.delete(id);
        if (this.waiting.size === 0) this.worker.unref();
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Close the database and end the thread; called again, or at once twice, it waits for the same end. */
  close(): Promise<void> {
    this.closing ??= this.end();
    return this.closing;
  }

  private async end(): Promise<void> {
    if (this.gone) return;
    const exited = new Promise((resolve) => this.worker.once("exit", resolve));
    try {
      await this.request({ op: "close" });
    } catch (e) {
      // PGlite could not close cleanly: end the thread all the same, so that nothing holds the files
      // once the lock beside them is released.
      await this.worker.terminate();
      throw e;
    } finally {
      this.gone ??= new DetenteError("UPSTREAM", "the embedded database is closed");
    }
    // Held until the thread has exited, so that the process waits for it.
    this.worker.ref();
    await exited;
  }

  private fail(e: Error): void {
    this.gone ??= e;
    for (const w of this.waiting.values()) w.reject(this.gone);
    this.waiting.clear();
  }
}

/**
 * The worker's script: beside this module when it runs built (`dist/store/`); from the sources (the
 * tests run TypeScript), the built one.
 */
function workerFile(): URL {
  const here = new URL("./embedded-worker.js", import.meta.url);
  if (here.protocol === "file:" && existsSync(here)) return here;
  const built = join(packageRoot(), "dist", "store", "embedded-worker.js");
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
  return pathToFileURL(built);
}

/** A database error from the thread, with PostgreSQL's fields (`code` and the rest) as PGlite gives them. */
function toError(w: WireError): Error {
  const { message, name, stage, ...fields } = w;
  const e = Object.assign(new Error(message), fields, stage === undefined ? {} : { stage });
  if (name) e.name = name;
  return e;
}

/** COPY rows as one buffer of their own (transferred to the thread, so not a pooled or reused one). */
function concat(rows: readonly string[] | readonly Uint8Array[]): ArrayBuffer {
  const encoder = new TextEncoder();
  const parts = rows.map((r) => (typeof r === "string" ? encoder.encode(r) : r));
  let size = 0;
  for (const p of parts) size += p.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}

/**
 * The embedded database is one process's at a time (PGlite has no locking of its own; two processes writing
 * one directory lose data). Take `detente.lock` beside it, waiting for a live holder and taking over from a
 * dead one; release on close and at exit.
 */
async function lockEmbedded(dir: string, waitMs: number): Promise<() => void> {
  const lockPath = join(dir, "detente.lock");
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
      if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new DetenteError(
          "STORE_BUSY",
          `the embedded database in ${dir} is in use by another detente process (pid ${holder}); ` +
            `wait for it to finish, or use PostgreSQL (DATABASE_URL) to run several at once`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    try {
      unlinkSync(lockPath);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.on("exit", release);
  return release;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
