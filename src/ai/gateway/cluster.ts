import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { AggregatorRegistry, type Registry } from "prom-client";
import { DetenteError } from "../../errors.js";
import { eventCopyLine, type EventWriter } from "../../services/ai/events.js";
import type { Queryable } from "../../store/open.js";
import type { EventSink } from "./audit.js";

/**
 * A gateway with workers (`detente gateway --workers N`): the primary process holds the store (the
 * embedded PGlite can only be opened by one process) and the audit writer; the workers share the
 * listening port (node:cluster hands each new connection to the next worker) and do all the request
 * work. A worker reaches the store through its primary over the IPC channel: the few queries key
 * verification makes, and audit events, already encoded, in batches. `/metrics` on any worker answers
 * the sum over all workers.
 */

/** Messages over the IPC channel, all tagged so that other users of the channel (prom-client) pass by. */
type Call =
  | { readonly t: "detente:query"; readonly sql: string; readonly params: unknown[] }
  /** Answered once every message sent before it has been handled (the channel keeps order). */
  | { readonly t: "detente:flush" }
  | { readonly t: "detente:metrics" };
type ToPrimary =
  (Call & { readonly id: number }) | { readonly t: "detente:events"; readonly lines: string[] };
interface ToWorker {
  readonly t: "detente:reply";
  readonly id: number;
  readonly rows?: unknown[];
  readonly text?: string;
  readonly error?: string;
}

/** Events a worker gathers before sending them on, and the longest one waits. */
const EVENT_BATCH = 256;
const EVENT_DELAY_MS = 20;
/** Worker restarts allowed within RESTART_WINDOW_MS before the gateway gives up. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
/** How long a stopping worker may drain before it is killed. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * How many workers `--workers` asks for: a whole number from 1 to 64, or `auto` for one per CPU.
 *
 * @example workerCount("auto") // 2 on a 2-core machine
 */
export function workerCount(value: number | string): number {
  if (value === "auto") return availableParallelism();
  const n = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new DetenteError("INVALID_INPUT", `--workers: expected 1 to 64 or "auto", got "${String(value)}"`);
  return n;
}

/** What a worker uses instead of a store of its own. */
export interface WorkerLink {
  /** Queries run by the primary on its store. */
  readonly store: Queryable;
  /**
   * Audit events, encoded here, written by the primary's batched writer. Those still gathered here (at
   * most 256, or 20 ms' worth) are lost if this worker crashes; a worker that stops hands them all over.
   */
  readonly events: EventSink & { close(): Promise<void> };
  /** Every worker's metrics, summed by the primary. */
  metricsText(): Promise<string>;
}

/**
 * The worker's side of the IPC channel. `registry` is what this worker reports when the primary gathers
 * metrics. If the primary goes away, pending calls fail (the gateway then fails closed) and `onOrphaned`
 * is called so that the worker can stop.
 *
 * @example
 * const link = workerLink(metrics.registry, () => void app.close());
 * await buildGatewayServer({ policy, store: link.store, events: link.events, metricsText: link.metricsText, ... });
 */
export function workerLink(registry: Registry, onOrphaned: () => void): WorkerLink {
  new AggregatorRegistry(); // installs prom-client's answer to the primary's requests for metrics
  AggregatorRegistry.setRegistries([registry]);
  const pending = new Map<number, { resolve(m: ToWorker): void; reject(e: Error): void }>();
  let nextId = 0;
  let lines: string[] = [];
  let timer: NodeJS.Timeout | undefined;

  process.on("message", (m: unknown) => {
    const reply = m as ToWorker;
    if (reply?.t !== "detente:reply") return;
    const call = pending.get(reply.id);
    pending.delete(reply.id);
    call?.resolve(reply);
  });
  process.on("disconnect", () => {
    for (const call of pending.values())
      call.reject(new DetenteError("UPSTREAM", "the gateway's primary process has gone"));
    pending.clear();
    onOrphaned();
  });

  const call = (message: Call): Promise<ToWorker> =>
    new Promise((resolve, reject) => {
      if (!process.connected || !process.send) {
        reject(new DetenteError("UPSTREAM", "the gateway's primary process has gone"));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      process.send({ ...message, id }, (e: Error | null) => {
        if (!e) return;
        pending.delete(id);
        reject(new DetenteError("UPSTREAM", "the gateway's primary process has gone"));
      });
    });

  const sendEvents = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (lines.length === 0) return;
    // Without a primary (it has gone, and this worker is stopping) the events have nowhere to go.
    if (process.connected && process.send)
      process.send({ t: "detente:events", lines } satisfies ToPrimary, () => {
        // Called with an error only when the primary has just gone: this worker is stopping, and these
        // events with it.
      });
    lines = [];
  };

  return {
    store: {
      async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
        const reply = await call({ t: "detente:query", sql, params });
        if (reply.error !== undefined) throw new DetenteError("UPSTREAM", reply.error);
        return (reply.rows ?? []) as T[];
      },
    },
    events: {
      write(event) {
        try {
          lines.push(eventCopyLine(event));
        } catch {
          return; // an event without a valid time: the primary's writer would drop it too
        }
        if (lines.length >= EVENT_BATCH) sendEvents();
        else timer ??= setTimeout(sendEvents, EVENT_DELAY_MS);
      },
      async close() {
        sendEvents();
        try {
          await call({ t: "detente:flush" });
        } catch {
          // The primary has gone, and the store with it: this worker is stopping (see onOrphaned).
        }
      },
    },
    async metricsText() {
      const reply = await call({ t: "detente:metrics" });
      if (reply.error !== undefined) throw new DetenteError("UPSTREAM", reply.error);
      return reply.text ?? "";
    },
  };
}

/** The primary's side: the store and writer its workers use, and where it tells what happened. */
export interface GatewayPrimaryOptions {
  readonly workers: number;
  readonly store: Queryable;
  readonly events: Pick<EventWriter, "writeLines">;
  /** Told when a worker dies unexpectedly and is replaced (never with request content). */
  readonly warn: (msg: string) => void;
  /** Called once when workers keep dying and are no longer replaced: the gateway has to stop. */
  readonly onGiveUp: () => void;
}

/** Running workers, listening. */
export interface GatewayWorkers {
  /** Where the workers listen. */
  readonly port: number;
  /** Drain and stop every worker (SIGTERM), killing any still running after 30 s. */
  stop(): Promise<void>;
}

/**
 * Fork the workers (the same command line, run again: `cluster.isWorker` tells the command to serve) and
 * answer their calls until `stop`. Resolves when every worker listens; rejects if one cannot start. A
 * worker that dies later is replaced, up to 5 times a minute; past that `onGiveUp` is called.
 *
 * @example
 * const workers = await startGatewayWorkers({ workers: 2, store, events: writer, warn, onGiveUp });
 * // ... on SIGTERM:
 * await workers.stop(); await writer.close(); await store.close();
 */
export function startGatewayWorkers(options: GatewayPrimaryOptions): Promise<GatewayWorkers> {
  const { store, events, warn } = options;
  cluster.setupPrimary({ serialization: "advanced" });
  const metrics = new AggregatorRegistry();
  let stopping = false;
  const restarts: number[] = [];

  const answer = (worker: Worker, id: number, body: Omit<ToWorker, "t" | "id">): void => {
    // A worker that died meanwhile has nobody left to answer: the callback keeps the failed write from
    // becoming an 'error' event that would end this process.
    if (worker.isConnected())
      worker.send({ t: "detente:reply", id, ...body } satisfies ToWorker, () => {
        // Nothing to do on failure: see above.
      });
  };
  const onMessage = (worker: Worker, m: unknown): void => {
    const msg = m as ToPrimary;
    switch (msg?.t) {
      case "detente:query":
        store.query(msg.sql, msg.params).then(
          (rows) => {
            answer(worker, msg.id, { rows });
          },
          () => {
            // Nothing of the driver's error: it could quote the query's parameters.
            answer(worker, msg.id, { error: "the store is unavailable" });
          },
        );
        return;
      case "detente:events":
        events.writeLines(msg.lines);
        return;
      case "detente:flush":
        answer(worker, msg.id, {});
        return;
      case "detente:metrics":
        metrics.clusterMetrics().then(
          (text) => {
            answer(worker, msg.id, { text });
          },
          () => {
            answer(worker, msg.id, { error: "the workers' metrics could not be gathered" });
          },
        );
        return;
    }
  };
  cluster.on("message", onMessage);

  return new Promise((resolve, reject) => {
    let listening = 0;
    let port = 0;
    const onStartExit = (worker: Worker, code: number | null): void => {
      if (listening >= options.workers) return;
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
      reject(
        new DetenteError(
          "UPSTREAM",
          `a gateway worker could not start (exit code ${code ?? worker.process.signalCode ?? "unknown"}); its error is above`,
        ),
      );
    };
    cluster.on("exit", (worker, code) => {
      if (stopping) return;
      if (listening < options.workers) {
        onStartExit(worker, code);
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length > MAX_RESTARTS) {
        warn(`gateway workers keep dying (${restarts.length} in a minute): stopping the gateway`);
        stopping = true;
        options.onGiveUp();
        return;
      }
      warn(`a gateway worker exited (code ${code}); starting another`);
      cluster.fork();
    });
    cluster.on("listening", (_worker, address) => {
      port = address.port;
      if (++listening === options.workers)
        resolve({
          port,
          stop: () => {
            stopping = true;
            const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
            return Promise.all(alive.map(stopWorker)).then(() => {
              cluster.off("message", onMessage);
            });
          },
        });
    });
    for (let i = 0; i < options.workers; i++) cluster.fork();
  });
}

function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) {
      resolve();
      return;
    }
    const kill = setTimeout(() => {
      worker.process.kill("SIGKILL");
    }, STOP_TIMEOUT_MS);
    worker.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    worker.process.kill("SIGTERM");
  });
}
