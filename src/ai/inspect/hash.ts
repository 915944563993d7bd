import { type KeyObject, createHmac, createSecretKey } from "node:crypto";

/**
 * The keyed hash a detection carries instead of the matched text: HMAC-SHA256 with the inspector's key,
 * hex, first 32 characters. The same value hashes the same within one key, so the audit trail can say
 * "the same credential again" without ever holding it; without the key, the hash cannot be brute-forced
 * back to a short secret.
 *
 * @example keyedHash(hashKeyOf("k"), "hunter2").length // 32
 */
export function keyedHash(key: KeyObject, value: string): string {
  return createHmac("sha256", key).update(value, "utf8").digest("hex").slice(0, 32);
}

/**
 * The inspector's key as a KeyObject, made once (cheaper per hash than a string or bytes).
 *
 * @example const key = hashKeyOf(options.hashKey);
 */
export function hashKeyOf(key: string | Uint8Array): KeyObject {
  return createSecretKey(typeof key === "string" ? Buffer.from(key, "utf8") : key);
}
