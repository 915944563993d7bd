import { createHash } from "node:crypto";
import type { Queryable } from "../../store/open.js";

/** Who created a stored response through the gateway, and where it lives. */
export interface StoredResponseOwner {
  /** The detente key that created it. */
  readonly keyId: string;
  /** The key's user: what a row not written yet is judged by (written rows join the key for it). */
  readonly user: string;
  /** The upstream (by the policy's name) that holds it. */
  readonly upstream: string;
  /** The name the upstream got for the model, and the policy's models entry (for the audit trail). */
  readonly model: string | null;
  readonly modelRouted: string | null;
}

/** A stored response the caller may use: where it lives. */
export interface StoredResponse {
  readonly upstream: string;
  readonly model: string | null;
  readonly modelRouted: string | null;
}

/**
 * The ownership of stored responses (the Responses API's `store`), shared by every gateway instance
 * through the store. See `createStoredResponses`.
 */
export interface StoredResponses {
  /**
   * Note that `owner` created response `id` (or the response whose output item `id` is, or had the
   * provider make or use code-execution container `id`); written off the request path, never throws.
   */
  record(id: string, owner: StoredResponseOwner): void;
  /**
   * Where response `id` lives, when `user` created it through detente (with any of their keys) within
   * the last 30 days; null for an id nobody created through detente and for someone else's alike.
   * Throws when the store cannot answer (the gateway then fails closed).
   */
  find(id: string, user: string): Promise<StoredResponse | null>;
  /**
   * Whose response `id` on `upstream` is, for a request that continues it (`previous_response_id`):
   * "mine" when `user` created it through detente within the last 30 days, "theirs" when someone else
   * did, "unknown" when nobody did (created at the provider directly, or before detente noted owners).
   * `upstream` may be several names for one server (upstreams on the same server): the newest
   * creation of the id on any of them decides. Throws when the store cannot answer.
   */
  whose(
    id: string,
    user: string,
    upstream: string | readonly string[],
  ): Promise<"mine" | "theirs" | "unknown">;
  /**
   * The same for several ids at once (a request's `item_reference`s, each an id `record` was given for
   * an item of a response, or the containers it names): "theirs" when any of them is, "mine" when none
   * is and some are `user`'s, "unknown" when nobody created any of them through detente.
   */
  whoseAll(
    ids: readonly string[],
    user: string,
    upstream: string | readonly string[],
  ): Promise<"mine" | "theirs" | "unknown">;
  /** Forget response `id` on `upstream` (it was deleted there); never throws. */
  forget(id: string, upstream: string): void;
  /** Wait for every write so far. */
  flush(): Promise<void>;
  /** Write what waits, once more, and write nothing after (a row that fails then is lost, and reported). */
  close(): Promise<void>;
}

export interface StoredResponsesOptions {
  /** The store, or anything that runs its queries (a gateway worker's link to its primary). */
  readonly store: Queryable;
  /** The clock (tests move it instead of sleeping). */
  readonly now?: () => Date;
  /** How long a stored response stays usable (OpenAI keeps them 30 days). */
  readonly keepMs?: number;
  /**
   * Told when a write failed (with no id, key or content). The rows are kept and written again later
   * (after 1 s, then twice as long each time, up to 10 s), and meanwhile this instance answers for
   * them from memory; past MAX_WAITING rows, new ones are dropped (and reported).
   */
  readonly onError?: () => void;
}

/** OpenAI keeps a stored response for 30 days. */
const KEEP_MS = 30 * 24 * 60 * 60 * 1000;
/** Expired rows are swept at most this often per instance. */
const SWEEP_EVERY_MS = 60 * 60 * 1000;
/** Rows per INSERT (6 parameters each, well under PostgreSQL's 65,535). */
const BATCH = 500;
/** Ids looked up per query (one parameter each). */
const LOOKUP_BATCH = 1000;
/** Rows waiting at most; past this, new ones are dropped (and reported): memory stays bounded. */
const MAX_WAITING = 50_000;
/** After a failed write, the first wait before the next; it doubles with each failure, up to the last. */
const RETRY_FIRST_MS = 1000;
const RETRY_MOST_MS = 10_000;

/**
 * The SHA-256 of a response id, as the table keys it (see `aiStoredResponses`).
 *
 * @example responseIdHash("resp_abc").length // 64
 */
export function responseIdHash(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("hex");
}

/**
 * Ownership of stored responses in the store. A write starts at once when none is running, so a
 * response is findable a database round trip after its answer went out; rows that come meanwhile wait
 * for it and go as one statement (up to 500), so a busy gateway makes few. `find` on this instance
 * first waits for the rows of its id this instance has yet to write (another instance sees a row once
 * it is written). The last creation of an id on one upstream wins (a self-hosted server that reuses ids
 * gives the id to its new owner). Rows older than `keepMs` are never found, and are deleted at most
 * once an hour, after a write. A failed write is tried again later (see `onError`); until it is written,
 * this instance answers `find` and `whose` for its rows from memory, so that a response whose note could
 * not be written is not taken for one nobody created (which anyone could continue).
 *
 * @example
 * const stored = createStoredResponses({ store });
 * stored.record("resp_123", { keyId, upstream: "openai", model: "gpt-5", modelRouted: "gpt-5" });
 * const where = await stored.find("resp_123", principal.user); // null: 404
 */
export function createStoredResponses(options: StoredResponsesOptions): StoredResponses {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const keepMs = options.keepMs ?? KEEP_MS;
  type Row = StoredResponseOwner & { idHash: string; at: Date };
  const waiting = new Map<string, Row>();
  // How many rows of each id hash are waiting or being written, for `find` to wait on.
  const unwritten = new Map<string, number>();
  // The batch being written (the next starts as it ends, while rows are waiting), and the sweep.
  let batch: Promise<void> | null = null;
  // After a failed write: when the next may start, and how long the one after would wait.
  let retry: ReturnType<typeof setTimeout> | null = null;
  let retryMs = RETRY_FIRST_MS;
  let closed = false;
  let sweeping: Promise<void> | null = null;
  let lastSweep = 0;
  // Deletions of forgotten rows under way, for `flush` to wait on.
  const forgetting = new Set<Promise<void>>();
  // Rows forgotten while a batch that may hold them was being written: not to be written again, should
  // that batch fail (its deletion, chained after it, would then find nothing to delete).
  const forgotten = new Set<string>();

  const report = (): void => {
    try {
      options.onError?.();
    } catch {
      // The caller's handler failing must not stop the writer.
    }
  };

  const written = (idHash: string): void => {
    const n = (unwritten.get(idHash) ?? 1) - 1;
    if (n > 0) unwritten.set(idHash, n);
    else unwritten.delete(idHash);
  };

  const writeBatch = async (rows: readonly Row[]): Promise<void> => {
    const params: unknown[] = [];
    const values = rows.map((r) => {
      const n = params.push(r.idHash, r.upstream, r.keyId, r.model, r.modelRouted, r.at);
      return `($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
    });
    await store.query(
      `INSERT INTO ai_stored_responses (id_hash, upstream, key_id, model, model_routed, created_at)
       VALUES ${values.join(", ")}
       ON CONFLICT (id_hash, upstream) DO UPDATE SET key_id = excluded.key_id, model = excluded.model,
         model_routed = excluded.model_routed, created_at = excluded.created_at
       WHERE ai_stored_responses.created_at <= excluded.created_at`,
      params,
    );
  };

  const sweep = (): void => {
    const t = now().getTime();
    if (sweeping !== null || t - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = t;
    sweeping = store
      .query(`DELETE FROM ai_stored_responses WHERE created_at < $1`, [new Date(t - keepMs)])
      .then(() => undefined, report)
      .finally(() => {
        sweeping = null;
      });
  };

  /**
   * A batch that could not be written waits again, behind what came meanwhile, unless a newer row of
   * its id replaced it or too many wait; the next write starts after a pause that grows with failures.
   */
  const writeLater = (rows: readonly Row[]): void => {
    for (const r of rows) {
      const key = rowKey(r.idHash, r.upstream);
      // Closed: its last try failed, and there is no later one.
      if (closed || waiting.has(key) || forgotten.has(key) || waiting.size >= MAX_WAITING) written(r.idHash);
      else waiting.set(key, r);
    }
    if (closed) return;
    retry = setTimeout(() => {
      retry = null;
      writeNext();
    }, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MOST_MS);
  };

  /** Start writing the waiting rows, unless a batch is being written (the next starts as it ends). */
  const writeNext = (): void => {
    if (batch !== null || retry !== null || waiting.size === 0) return;
    const rows: Row[] = [];
    for (const [key, row] of waiting) {
      if (rows.length === BATCH) break;
      rows.push(row);
      waiting.delete(key);
    }
    batch = writeBatch(rows)
      .then(
        () => {
          retryMs = RETRY_FIRST_MS;
          for (const r of rows) written(r.idHash);
          return true;
        },
        () => {
          // Nothing of the driver's error: it could quote the parameters.
          report();
          writeLater(rows);
          return false;
        },
      )
      .then((ok) => {
        forgotten.clear(); // they were only for this batch
        batch = null;
        writeNext();
        if (ok) sweep(); // not into a store that just failed
      });
  };

  /** This instance's row of `idHash` not written yet, on `upstream` or (undefined) any, of `user`'s or anyone's. */
  const unwrittenRow = (idHash: string, upstream?: string, user?: string): Row | undefined => {
    if (!unwritten.has(idHash)) return undefined;
    if (upstream !== undefined) return waiting.get(rowKey(idHash, upstream));
    for (const row of waiting.values()) if (row.idHash === idHash && row.user === user) return row;
    return undefined;
  };

  const flush = async (): Promise<void> => {
    // Rows waiting to be written again are tried now, once more.
    if (retry !== null) {
      clearTimeout(retry);
      retry = null;
      writeNext();
    }
    while (batch !== null || sweeping !== null || forgetting.size > 0)
      await Promise.all([batch, sweeping, ...forgetting]);
  };

  const whoseAll = async (
    ids: readonly string[],
    user: string,
    upstream: string | readonly string[],
  ): Promise<"mine" | "theirs" | "unknown"> => {
    const upstreams = typeof upstream === "string" ? [upstream] : [...new Set(upstream)];
    const hashes = [...new Set(ids.map(responseIdHash))];
    for (const idHash of hashes) for (let b = batch; unwritten.has(idHash) && b !== null; b = batch) await b;
    // Per id: its newest creation on these upstreams decides, and one still to be written is newer than
    // any written.
    const mine = new Set<string>();
    const theirs = new Set<string>();
    const asked: string[] = [];
    for (const idHash of hashes) {
      let newest: Row | undefined;
      for (const u of upstreams) {
        const row = unwrittenRow(idHash, u);
        if (row !== undefined && (newest === undefined || row.at >= newest.at)) newest = row;
      }
      if (newest === undefined) asked.push(idHash);
      else (newest.user === user ? mine : theirs).add(idHash);
    }
    const since = new Date(now().getTime() - keepMs);
    const fixed = [user, since, ...upstreams];
    const upstreamList = upstreams.map((_, i) => `$${i + 3}`).join(", ");
    for (let at = 0; at < asked.length && theirs.size === 0; at += LOOKUP_BATCH) {
      const chunk = asked.slice(at, at + LOOKUP_BATCH);
      const rows = await store.query<{ id_hash: string; mine: boolean }>(
        `SELECT DISTINCT ON (r.id_hash) r.id_hash, k.user_name IS NOT DISTINCT FROM $1 AS mine
           FROM ai_stored_responses r LEFT JOIN ai_keys k ON k.id = r.key_id
          WHERE r.created_at > $2 AND r.upstream IN (${upstreamList})
            AND r.id_hash IN (${chunk.map((_, i) => `$${i + fixed.length + 1}`).join(", ")})
          ORDER BY r.id_hash, r.created_at DESC`,
        [...fixed, ...chunk],
      );
      for (const r of rows) (r.mine ? mine : theirs).add(r.id_hash);
    }
    return theirs.size > 0 ? "theirs" : mine.size > 0 ? "mine" : "unknown";
  };

  return {
    record(id, owner) {
      const idHash = responseIdHash(id);
      const key = rowKey(idHash, owner.upstream);
      // One statement cannot update a row twice: the latest owner of an id in a batch wins.
      if (waiting.delete(key)) written(idHash);
      else if (waiting.size >= MAX_WAITING) {
        report();
        return;
      }
      forgotten.delete(key); // created again: a new owner to write
      waiting.set(key, { ...owner, idHash, at: now() });
      unwritten.set(idHash, (unwritten.get(idHash) ?? 0) + 1);
      writeNext();
    },
    async find(id, user) {
      const idHash = responseIdHash(id);
      // A row of this id this instance has yet to write is written first. Each batch awaited is
      // another (the next starts before the last one's waiters resume), so this ends.
      for (let b = batch; unwritten.has(idHash) && b !== null; b = batch) await b;
      const mine = unwrittenRow(idHash, undefined, user);
      if (mine) return { upstream: mine.upstream, model: mine.model, modelRouted: mine.modelRouted };
      const rows = await store.query<{ upstream: string; model: string | null; model_routed: string | null }>(
        `SELECT r.upstream, r.model, r.model_routed
           FROM ai_stored_responses r JOIN ai_keys k ON k.id = r.key_id
          WHERE r.id_hash = $1 AND k.user_name = $2 AND r.created_at > $3
          ORDER BY r.created_at DESC LIMIT 1`,
        [idHash, user, new Date(now().getTime() - keepMs)],
      );
      const row = rows[0];
      return row ? { upstream: row.upstream, model: row.model, modelRouted: row.model_routed } : null;
    },
    whose(id, user, upstream) {
      return whoseAll([id], user, upstream);
    },
    whoseAll,
    forget(id, upstream) {
      const idHash = responseIdHash(id);
      const key = rowKey(idHash, upstream);
      if (waiting.delete(key)) written(idHash);
      if (batch !== null) forgotten.add(key);
      // After a batch that may be writing the same row, which would otherwise bring it back.
      const after = batch ?? Promise.resolve();
      const deleting: Promise<void> = after
        .then(() =>
          store.query(`DELETE FROM ai_stored_responses WHERE id_hash = $1 AND upstream = $2`, [
            idHash,
            upstream,
          ]),
        )
        .then(() => undefined, report)
        .finally(() => forgetting.delete(deleting));
      forgetting.add(deleting);
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
}

/** The key of a row among those waiting: its id's hash and its upstream. */
function rowKey(idHash: string, upstream: string): string {
  return `${idHash}\u0000${upstream}`;
}
