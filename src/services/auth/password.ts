import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { DetenteError } from "../../errors.js";

/**
 * Password hashing with scrypt (Node's own, no native addon), in OWASP's recommended parameters
 * (N = 2^17, r = 8, p = 1: 128 MiB and about a tenth of a second per hash). The stored form names its
 * parameters, `scrypt$17$8$1$<salt>$<hash>`, so they can be raised later without breaking old hashes.
 */
const LOG_N = 17;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

/**
 * Hashes run at most this many at a time, and at most `QUEUED` more wait: each takes 128 MiB and a
 * thread of libuv's pool (shared with file I/O and DNS), so a burst of sign-ins must not take the
 * whole pool or the memory. Past that, callers are told to retry.
 */
const RUNNING = 2;
const QUEUED = 32;
let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  if (running < RUNNING) running++;
  else {
    if (waiting.length >= QUEUED)
      throw new DetenteError("RATE_LIMITED", "too many sign-ins at once: retry in a few seconds", {
        retryAfterSeconds: 5,
      });
    // A finishing hash hands its slot straight to the first in line.
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  return () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
}

async function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const release = await slot();
  try {
    return await scryptAsync(password, salt, logN, r, p);
  } finally {
    release();
  }
}

function scryptAsync(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** Hash a password for storage. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, LOG_N, R, P);
  return `scrypt$${LOG_N}$${R}$${P}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** True when `password` matches `stored`; false for any malformed stored value. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [logN, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, "base64url");
  const expected = Buffer.from(parts[5]!, "base64url");
  const key = await derive(password, salt, logN, r, p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of a random password, to verify against when a user name is unknown, so that an unknown name
 * takes as long to refuse as a wrong password.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  return (decoy ??= hashPassword(randomBytes(18).toString("base64url")));
}

/** Passwords a person chooses: at least 12 characters (NIST SP 800-63B), at most 256. */
export function passwordProblem(password: string): string | null {
  if (password.length < 12) return "a password needs at least 12 characters";
  if (password.length > 256) return "a password has at most 256 characters";
  return null;
}

/** A random password to print once (first start, or `detente users add` without one). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
