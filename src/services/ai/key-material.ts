import { hash, randomBytes } from "node:crypto";

/** Every gateway key starts with this, so secret scanners and people can tell what it is. */
export const KEY_SCHEME = "dtk_";

/** `dtk_` and 43 base64url characters: 32 random bytes (256 bits). */
export const KEY_LENGTH = KEY_SCHEME.length + 43;

/** How much of a key is shown in lists: the scheme and 8 characters (48 bits, of 256). */
export const PREFIX_LENGTH = KEY_SCHEME.length + 8;

const KEY_SHAPE = /^dtk_[A-Za-z0-9_-]{43}$/;

/**
 * A new gateway key: `dtk_` and 32 random bytes in base64url, with its SHA-256 and its display prefix.
 * The plaintext is returned once to be shown to the person who asked for it; only `hash` is stored.
 *
 * @example const { key, hash, prefix } = generateKey(); // key "dtk_8f3a2c1dQ...", prefix "dtk_8f3a2c1d"
 */
export function generateKey(): { key: string; hash: string; prefix: string } {
  const key = KEY_SCHEME + randomBytes(32).toString("base64url");
  return { key, hash: hashKey(key), prefix: key.slice(0, PREFIX_LENGTH) };
}

/**
 * A short public id for a key (`key_` and 8 hex digits), random and unrelated to the key itself, so it can
 * be pasted into tickets and logs. Uniqueness is the table's primary key; callers retry on a clash.
 *
 * @example newKeyId() // "key_8f3a2c1d"
 */
export function newKeyId(): string {
  return "key_" + randomBytes(4).toString("hex");
}

/**
 * SHA-256 of a key, hex. A fast hash is right here: the key has 256 bits of entropy, so there is nothing
 * to brute-force, and the gateway hashes every request's key.
 *
 * @example hashKey("dtk_...") // "3b1f...64 hex digits"
 */
export function hashKey(key: string): string {
  return hash("sha256", key, "hex");
}

/**
 * True when `presented` has the shape of a detente key. Checked before any hashing or lookup, so a
 * request carrying some other provider's key, or a megabyte of junk, costs nothing and fills no cache.
 *
 * @example looksLikeKey("sk-proj-...") // false
 */
export function looksLikeKey(presented: string): boolean {
  return presented.length === KEY_LENGTH && KEY_SHAPE.test(presented);
}
