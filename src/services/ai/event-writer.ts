import { DetenteError } from "../../errors.js";
import type { Store } from "../../store/open.js";
import { EVENT_COLUMNS, eventCopyLine, type AiEvent } from "./event-row.js";

export interface EventWriterOptions {
  readonly store: Store;
  /** Events per COPY; a batch this full is written at once. */
  readonly batchSize?: number;
  /** The longest an event waits before its batch is written. */
  readonly flushMs?: number;
  /** Events held (waiting or being written) at most; past this, new events are dropped and counted. */
  readonly maxQueue?: number;
  /** Told about every dropped batch or event; the error names counts and codes, never event content. */
  readonly onError?: (e: unknown) => void;
}

export interface EventWriterStats {
  /** Events stored. */
  readonly written: number;
  /** Events given up on: queue full, closed, an invalid time, or a batch that failed twice. */
  readonly dropped: number;
  /** Events accepted and neither written nor dropped yet. */
  readonly queued: number;
}

export interface EventWriter {
  write(event: AiEvent): void;
  /** Queue events already encoded by `eventCopyLine` (a gateway worker's, sent to the primary). */
  writeLines(lines: readonly string[]): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly stats: EventWriterStats;
}

const DEFAULTS = { batchSize: 500, flushMs: 1_000, maxQueue: 50_000 } satisfies Partial<EventWriterOptions>;
/** How many batches' worth one COPY takes when events are waiting behind a slow store. */
const BACKLOG_BATCHES = 10;
/** A failed batch is tried again after this pause, long enough for a pool to replace a broken connection. */
const RETRY_DELAY_MS = 200;

/**
 * Writes AI events in batches off the request path: `write()` never waits for the database; a batch is
 * flushed when it reaches batchSize or flushMs passes; the queue is bounded (maxQueue) and what it has to
 * drop is counted, never silently lost. `flush()` waits for everything queued so far; `close()` flushes
 * and stops. A failed batch is retried once, then counted as dropped and reported through `onError` (with
 * no event content). Each batch is one COPY in one transaction, so a batch lands whole or not at all; when
 * events pile up behind a slow store, one COPY takes up to ten batches' worth, so the writer catches up.
 *
 * @example
 * const events = createEventWriter({ store, onError: (e) => log.warn({ err: e }, "audit events dropped") });
 * events.write(event); // returns at once
 * await events.close(); // at shutdown
 */
export function createEventWriter(options: EventWriterOptions): EventWriter {
  const { store, batchSize, flushMs, maxQueue, onError } = { ...DEFAULTS, ...options };
  // Events wait as COPY lines: the caller's objects can be collected at once, and flushing is a join.
  let waiting: string[] = [];
  let accepted = 0; // events ever queued
  let taken = 0; // of those, handed to a batch
  let settled = 0; // of those, written or dropped
  let flushTo = 0; // every event before this number is to be written now, however small its batch
  let written = 0;
  let dropped = 0;
  let running = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const waiters: { upTo: number; done: () => void }[] = [];

  const report = (e: unknown): void => {
    try {
      onError?.(e);
    } catch {
      // The caller's handler failing must not stop the writer.
    }
  };

  const settle = (count: number): void => {
    settled += count;
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (w.upTo <= settled) {
        waiters.splice(i, 1);
        w.done();
      }
    }
  };

  const writeBatch = async (lines: string[]): Promise<void> => {
    const text = lines.join("");
    let code = "unknown";
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
      try {
        await store.transaction((tx) => tx.copyFrom("ai_events", EVENT_COLUMNS, text));
        written += lines.length;
        return;
      } catch (e) {
        code = errorCode(e);
      }
    }
    dropped += lines.length;
    report(
      new DetenteError(
        "UPSTREAM",
        `dropped ${lines.length} AI events: the store refused the batch twice (${code})`,
        { dropped: lines.length, code },
      ),
    );
  };

  const pump = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      while (waiting.length > 0 && (taken < flushTo || waiting.length >= batchSize)) {
        // Behind (the store slower than the gateway for a while): up to ten batches in one COPY, where
        // the per-transaction cost stops mattering.
        const size = Math.min(waiting.length, batchSize * BACKLOG_BATCHES);
        const lines = size === waiting.length ? waiting : waiting.slice(0, size);
        waiting = lines === waiting ? [] : waiting.slice(size);
        taken += lines.length;
        await writeBatch(lines);
        settle(lines.length);
      }
    } finally {
      running = false;
    }
    if (waiting.length > 0) schedule();
  };

  const start = (): void => {
    pump().catch(report); // pump catches every store error itself; this is for bugs, never unhandled
  };

  function schedule(): void {
    if (timer || running) return;
    timer = setTimeout(() => {
      timer = undefined;
      flushTo = Math.max(flushTo, accepted);
      start();
    }, flushMs).unref();
  }

  function flush(): Promise<void> {
    const upTo = accepted;
    if (settled >= upTo) return Promise.resolve();
    flushTo = Math.max(flushTo, upTo);
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    const done = new Promise<void>((resolve) => waiters.push({ upTo, done: resolve }));
    start();
    return done;
  }

  const drop = (count: number, e?: unknown): void => {
    dropped += count;
    if (e !== undefined) report(e);
  };

  const queue = (line: string): void => {
    if (closed || accepted - settled >= maxQueue) {
      drop(1);
      return;
    }
    // The line is built by concatenation, a tree of every field's string until something reads it:
    // reading one character flattens it now, so a line waiting for its batch (long enough to be moved
    // out of the young generation) is one string instead of dozens.
    line.charCodeAt(0);
    waiting.push(line);
    accepted++;
    if (running) return; // the running pump takes this event with the next batch
    if (waiting.length >= batchSize) start();
    else schedule();
  };

  return {
    write(event) {
      let line: string;
      try {
        line = eventCopyLine(event);
      } catch (e) {
        drop(1, e);
        return;
      }
      queue(line);
    },
    writeLines(lines) {
      for (const line of lines) queue(line);
    },
    flush,
    async close() {
      closed = true;
      await flush();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    get stats() {
      return { written, dropped, queued: accepted - settled };
    },
  };
}

/** A driver error's SQLSTATE or class, for messages: never its text, which can quote the rows. */
function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return `SQLSTATE ${code}`;
  return e instanceof Error ? e.name : "error";
}
