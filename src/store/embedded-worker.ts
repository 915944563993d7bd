/**
 * The embedded database's own thread (see `store/embedded.ts`): PGlite runs PostgreSQL in WebAssembly on
 * the thread that calls it, so it runs here, beside the thread that reads reports, inspects prompts and
 * answers requests, instead of taking turns with it. Requests come as messages and are answered in order
 * of completion; a transaction holds PGlite's transaction lock (other queries wait) until the main thread
 * ends it.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { seedFromTemplate, START_PARAMS } from "./embedded-template.js";
import {
  ERROR_FIELDS,
  type EmbeddedRequest,
  type EmbeddedResponse,
  type EmbeddedStart,
  type WireError,
} from "./embedded-protocol.js";

const port = parentPort!;
const start = workerData as EmbeddedStart;

/** Open transactions: the PGlite handle, and how to end it (true commits). */
const open = new Map<number, { tx: Transaction; end: (commit: boolean) => void }>();
let nextTx = 1;

function reply(m: EmbeddedResponse): void {
  port.postMessage(m);
}

function wireError(e: unknown): WireError {
  if (!(e instanceof Error)) return { message: String(e) };
  const fields = e as Error & Partial<Record<string, unknown>>;
  const out: WireError = { message: e.message, name: e.name };
  for (const k of ERROR_FIELDS) {
    const v = fields[k];
    if (typeof v === "string") out[k] = v;
  }
  return out;
}

/**
 * COPY data for PGlite, which only asks its source for all of its bytes: these are already here, and a
 * `Blob` of them would copy them twice more.
 */
class Bytes extends Blob {
  constructor(private readonly data: ArrayBuffer) {
    super([]);
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.data);
  }
}

async function main(): Promise<void> {
  let client: PGlite;
  try {
    await seedFromTemplate(start.dir);
    client = await PGlite.create(start.dir, { startParams: START_PARAMS });
  } catch (e) {
    reply({ id: 0, ok: false, error: wireError(e) });
    return;
  }
  try {
    await migrate(drizzle(client), { migrationsFolder: start.migrationsFolder });
  } catch (e) {
    await client.close().catch(() => undefined);
    reply({ id: 0, ok: false, error: { ...wireError(e), stage: "migrate" } });
    return;
  }

  const handle = async (m: EmbeddedRequest): Promise<unknown> => {
    switch (m.op) {
      case "query": {
        const on = m.tx === undefined ? client : txOf(m.tx);
        return (await on.query(m.text, m.params)).rows;
      }
      case "copy":
        await txOf(m.tx).query(m.text, [], { blob: new Bytes(m.data) });
        return null;
      case "begin":
        return begin(client);
      case "end": {
        const t = open.get(m.tx);
        if (!t) throw new Error(`no open transaction ${m.tx}`);
        t.end(m.commit);
        return ended.get(m.tx);
      }
      case "close":
        await client.close();
        return null;
    }
  };

  port.on("message", (m: EmbeddedRequest) => {
    handle(m).then(
      (value) => {
        reply({ id: m.id, ok: true, value });
        if (m.op === "close") {
          port.close();
        }
      },
      (e: unknown) => {
        reply({ id: m.id, ok: false, error: wireError(e) });
      },
    );
  });
  reply({ id: 0, ok: true, value: null });
}

function txOf(id: number): Transaction {
  const t = open.get(id);
  if (!t) throw new Error(`no open transaction ${id}`);
  return t.tx;
}

/** How each open transaction ended: resolves after COMMIT or ROLLBACK, rejects if COMMIT failed. */
const ended = new Map<number, Promise<null>>();

/** Rolls a transaction back: thrown inside PGlite's `transaction` callback, caught around it. */
const ROLLBACK = new Error("rollback");

/** Open a transaction and answer with its number once PGlite has begun it. */
function begin(client: PGlite): Promise<number> {
  const id = nextTx++;
  return new Promise<number>((resolveBegun, rejectBegun) => {
    const done = client
      .transaction(async (tx) => {
        const commit = await new Promise<boolean>((end) => {
          open.set(id, { tx, end });
          resolveBegun(id);
        });
        if (!commit) throw ROLLBACK;
      })
      .then(
        () => null,
        (e: unknown) => {
          if (e === ROLLBACK) return null;
          rejectBegun(e instanceof Error ? e : new Error(String(e)));
          throw e;
        },
      )
      .finally(() => {
        open.delete(id);
        ended.delete(id);
      });
    // Reported to whoever ends it; never an unhandled rejection before then.
    done.catch(() => undefined);
    ended.set(id, done);
  });
}

void main();
