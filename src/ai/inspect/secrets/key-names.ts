/**
 * What a key name says about its value: the names that credentials are assigned to (`password`,
 * `DB_PASSWORD`, `apiKey`, `client-secret`), split into words so `password_length`, `token_url` and
 * `public_key` are told apart from them. Used by every context check (assignments, flags, XML elements,
 * call arguments).
 */

/** What a key name says about its value. */
export type KeyKind = "password" | "secret" | "weak" | "aws";

/** Cheap first test: a credential key name contains one of these. */
export const KEY_HINT = /pass|pwd|secret|token|key|auth|cred|sig/i;

/** The three-letter piece (5 bits a character, case folded for letters) ending a rolling trigram. */
export function nextTrigram(trigram: number, c: number): number {
  return ((trigram << 5) | (c & 31)) & 0x7fff;
}

/**
 * A lookup table of the trigrams of `words`, for a test cheaper than KEY_HINT that needs no string:
 * roll `nextTrigram` over the characters and look each up. Digits and punctuation alias some letters,
 * so a hit must be confirmed; a miss is final.
 *
 * @example trigramTable(["pass"])[nextTrigram(nextTrigram(nextTrigram(0, 112), 97), 115)] // 1
 */
export function trigramTable(words: readonly string[]): Uint8Array {
  const table = new Uint8Array(1 << 15);
  for (const w of words) {
    for (let i = 0; i + 3 <= w.length; i++) {
      let t = 0;
      for (let j = i; j < i + 3; j++) t = nextTrigram(t, w.charCodeAt(j));
      table[t] = 1;
    }
  }
  return table;
}

/** The trigrams that begin KEY_HINT's words: every name KEY_HINT matches has one of them. */
export const KEY_TRIGRAMS: Uint8Array = trigramTable([
  "pas",
  "pwd",
  "sec",
  "tok",
  "key",
  "aut",
  "cre",
  "sig",
]);

/** Last key segments that make the value something other than a credential (`token_url`, `key_id`). */
const NOT_A_CREDENTIAL_LAST = new Set(
  (
    "length len count size max min limit expiry expires expiration ttl timeout type name id ids path file " +
    "filename files dir directory url uri endpoint host header headers field prefix suffix format mode " +
    "version enabled enable disabled location store manager provider kind index spec schema template ref " +
    "arn env var variable column param query form input lifetime interval store storage cache counter " +
    "budget price cost usage"
  ).split(" "),
);

/** Key segments that make the value something other than a credential wherever they are. */
const NOT_A_CREDENTIAL_ANYWHERE = new Set(
  (
    "public pub publishable example sample fake dummy placeholder hint label description desc title prompt " +
    "regex pattern validator validation generator tokenizer tokenize tokens cert certificate fingerprint " +
    "thumbprint hash hashed digest algorithm alg policy policies rotation reset confirm confirmation " +
    "strength help error message text rule rules kid keyid keys " +
    // Pagination and sync tokens (`nextPageToken`, AWS `NextToken`, `continuationToken`, `syncToken`):
    // opaque cursors that APIs and MCP servers return in every page of results, not credentials.
    "page paging pagination next continuation cursor sync resume"
  ).split(" "),
);

/**
 * Split `dbPassword`, `DB_PASSWORD`, `db.password`, `x-api-key` into lower-case segments.
 *
 * @example keySegments("dbPassword") // ["db", "password"]
 */
export function keySegments(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((s) => s.length > 0);
}

const SECRET_WORD =
  /^(?:secret|secrets|token|apikey|credential|credentials|creds|auth|authorization|signature)$|(?:secret|token|apikey|accesskey|privatekey|secretkey|authkey|serverkey)$/;
const KEY_QUALIFIER =
  /^(?:api|access|secret|private|master|signing|encryption|client|app|service|account|subscription|license|auth|session|shared|webhook|admin|root|server|x)$/;

/**
 * How much a key name says its value is a credential: `password` kinds (password, passwd, pwd,
 * passphrase), `secret` kinds (secret, token, api key, access/private/client/server key,
 * credentials, auth), a bare `key` (weak: needs a more random value), or an AWS secret key.
 *
 * @example keyKind("DB_PASSWORD") // "password"; keyKind("token_url") // undefined
 */
export function keyKind(key: string): KeyKind | undefined {
  if (!KEY_HINT.test(key)) return undefined;
  const segs = keySegments(key);
  const last = segs[segs.length - 1];
  if (last === undefined || NOT_A_CREDENTIAL_LAST.has(last)) return undefined;
  if (segs.some((s) => NOT_A_CREDENTIAL_ANYWHERE.has(s))) return undefined;
  if (segs.includes("aws") && segs.some((s) => s.includes("secret"))) return "aws";
  if (segs.some((s) => /^(?:pass|passwd|pwd|pw|passw)$/.test(s) || /(?:password|passwd|passphrase)$/.test(s)))
    return "password";
  if (segs.some((s) => SECRET_WORD.test(s))) return "secret";
  const k = segs.indexOf("key");
  if (k > 0 && KEY_QUALIFIER.test(segs[k - 1]!)) return "secret";
  if (segs.length === 1 && segs[0] === "key") return "weak";
  return undefined;
}
