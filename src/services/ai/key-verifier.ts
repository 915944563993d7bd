import { DetenteError } from "../../errors.js";
import type { Queryable } from "../../store/open.js";
import { toDate } from "./input.js";
import { hashKey, looksLikeKey } from "./key-material.js";
import type { Principal } from "./keys.js";

export interface KeyVerifierOptions {
  /** The store, or anything that runs its queries (a gateway worker's link to its primary). */
  readonly store: Queryable;
  /** The clock (tests move it instead of sleeping). */
  readonly now?: () => Date;
  /** How long a lookup is trusted, known key or not; a revoke elsewhere takes effect within this. */
  readonly ttlMs?: number;
  /** Bound of each cache (known keys, unknown keys). */
  readonly maxEntries?: number;
}

export interface KeyVerifier {
  /** The principal a presented key speaks for, or null when it is unknown, revoked or expired. */
  verify(presented: string): Promise<Principal | null>;
  /**
   * Forget what is cached of the key with this id (it was revoked through this process), so that this
   * instance refuses it at once rather than within `ttlMs`; a lookup under way when it is called is not
   * cached, and verifications after it read the store again rather than wait for that lookup.
   */
  forget(keyId: string): void;
  /** Write the pending last-used times and stop; the store stays open. */
  close(): Promise<void>;
}

interface Entry {
  readonly principal: Principal | null;
  readonly expiresAt: number | null;
  readonly fetchedAt: number;
}

const DEFAULTS = { ttlMs: 5_000, maxEntries: 10_000 } satisfies Partial<KeyVerifierOptions>;
/** last_used_at is for "is this key still in use?", so once a minute per key is plenty. */
const TOUCH_EVERY_MS = 60_000;
/** Last-used times are gathered for this long and written in one statement. */
const TOUCH_DELAY_MS = 1_000;

/**
 * Verifies presented keys on the gateway's hot path. A lookup (by the key's SHA-256) is cached for `ttlMs`,
 * 5 s by default, so a revoke reaches every gateway instance within that; unknown keys are cached too, in a
 * separate bounded map, so a flood of made-up keys neither reaches the database nor evicts real keys.
 * Concurrent requests with one key share one lookup. `last_used_at` is written at most once a minute per
 * key, batched and off the request path. A store failure throws UPSTREAM: the gateway fails closed.
 *
 * @example
 * const keys = createKeyVerifier({ store });
 * const principal = await keys.verify(bearerToken); // null → 401
 * await keys.close();
 */
export function createKeyVerifier(options: KeyVerifierOptions): KeyVerifier {
  const { store, ttlMs, maxEntries } = { ...DEFAULTS, ...options };
  const now = options.now ?? (() => new Date());
  const known = new Map<string, Entry>();
  const unknown = new Map<string, Entry>();
  const lookups = new Map<string, Promise<Entry>>();
  const touched = new Map<string, number>();
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  /** Counts `forget` calls: a lookup that started before one does not cache what it read. */
  let forgets = 0;

  const remember = (cache: Map<string, Entry>, hash: string, entry: Entry): void => {
    cache.delete(hash); // re-inserted at the end: the oldest lookups are evicted first
    cache.set(hash, entry);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
  };

  const lookup = async (hash: string, at: number): Promise<Entry> => {
    const started = forgets;
    let rows: Record<string, unknown>[];
    try {
      rows = await store.query(
        `SELECT id, user_name, team, tool, expires_at FROM ai_keys WHERE hash = $1 AND revoked_at IS NULL`,
        [hash],
      );
    } catch {
      // Nothing of the driver's error: it could quote the query's parameter, a hash of the key.
      throw new DetenteError("UPSTREAM", "cannot verify the key: the store is unavailable");
    }
    const row = rows[0];
    const entry: Entry = row
      ? {
          principal: {
            keyId: String(row.id),
            user: String(row.user_name),
            team: String(row.team),
            tool: typeof row.tool === "string" ? row.tool : null,
          },
          expiresAt: toDate(row.expires_at)?.getTime() ?? null,
          fetchedAt: at,
        }
      : { principal: null, expiresAt: null, fetchedAt: at };
    // A key forgotten meanwhile may have been read before its revocation: answer, but keep nothing.
    if (forgets !== started) return entry;
    if (entry.principal) {
      unknown.delete(hash);
      remember(known, hash, entry);
    } else {
      known.delete(hash);
      remember(unknown, hash, entry);
    }
    return entry;
  };

  const writeTouches = async (): Promise<void> => {
    timer = undefined;
    if (pending.size === 0) return;
    const ids = [...pending];
    pending = new Set();
    try {
      await store.query(
        `UPDATE ai_keys SET last_used_at = $1
          WHERE id = ANY($2::text[]) AND (last_used_at IS NULL OR last_used_at < $1)`,
        [now(), ids],
      );
    } catch {
      // Only bookkeeping: forget these touches so the next use of each key tries again.
      for (const id of ids) touched.delete(id);
    }
  };

  const touch = (keyId: string, at: number): void => {
    if (closed) return;
    const last = touched.get(keyId);
    if (last !== undefined && at - last < TOUCH_EVERY_MS) return;
    if (touched.size >= maxEntries) touched.clear(); // at worst one extra write per key
    touched.set(keyId, at);
    pending.add(keyId);
    timer ??= setTimeout(() => {
      writing = writing.then(writeTouches);
    }, TOUCH_DELAY_MS).unref();
  };

  return {
    async verify(presented) {
      if (!looksLikeKey(presented)) return null;
      const hash = hashKey(presented);
      const at = now().getTime();
      let entry = known.get(hash) ?? unknown.get(hash);
      if (!entry || at - entry.fetchedAt >= ttlMs) {
        let shared = lookups.get(hash);
        if (!shared) {
          const started: Promise<Entry> = lookup(hash, at).finally(() => {
            if (lookups.get(hash) === started) lookups.delete(hash);
          });
          shared = started;
          lookups.set(hash, shared);
        }
        entry = await shared;
      }
      const { principal, expiresAt } = entry;
      if (!principal || (expiresAt !== null && expiresAt <= at)) return null;
      touch(principal.keyId, at);
      return principal;
    },
    forget(keyId) {
      forgets++;
      for (const [hash, entry] of known) if (entry.principal?.keyId === keyId) known.delete(hash);
      // A verification from now on reads the store again rather than join one that may have read the
      // key before its revocation.
      lookups.clear();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      writing = writing.then(writeTouches);
      await writing;
    },
  };
}
