import { isPlaceholder } from "./allowlist.js";
import { characterClasses, shannonEntropy } from "./entropy.js";
import type { KeyKind } from "./key-names.js";

const FILE_LIKE = /^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)|\.(?:pem|key|json|ya?ml|txt|crt|p12|pfx|env|cfg|ini)$/i;
const MEMBER_ACCESS = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;
/** A Kubernetes bootstrap token (`kubeadm join --token`): shaped like a member access, but random. */
const BOOTSTRAP_TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/**
 * Values that are published on purpose, whatever they are assigned to: Mapbox public tokens (`pk.eyJ`,
 * the secret ones are `sk.eyJ`), Stripe and Clerk publishable keys, Supabase publishable keys.
 */
const PUBLIC_VALUE = /^(?:pk\.eyJ|pk_(?:live|test)_|sb_publishable_)/;

/** One part of a cipher, hash or key-type name: `AES`, `256`, `GCM`, `SHA256`, `Ed25519`, `HS256`. */
const ALGORITHM_PART =
  /^(?:aes|rsa|dsa|sha\d*|hmac|des|3des|ecdsa|ecdh|ecc|ed25519|ed448|x25519|curve25519|chacha20|poly1305|blake2[bs]?|blake3|md5|pbkdf2|bcrypt|scrypt|argon2(?:id|i|d)?|ssh|tls|ssl|gcm|cbc|ctr|ecb|cfb|ofb|ccm|siv|oaep|pss|pkcs\d*|[hrep]s\d+|p\d+|\d+|bits?)$/i;

/**
 * True for the name of a cipher, hash or key type (`AES-256-GCM`, `RSA-2048`, `HMAC-SHA256`,
 * `SSH-Ed25519`): every part between `-`, `_` and `/` is one; what a "key" or "密钥" is said to be, not a
 * key.
 *
 * @example isAlgorithmName("AES-256-GCM") // true; isAlgorithmName("AES-x7K9mQ2p") // false
 */
export function isAlgorithmName(value: string): boolean {
  if (value.length > 40) return false;
  const parts = value.split(/[-_/]/);
  return parts.length > 0 && parts.every((p) => p !== "" && ALGORITHM_PART.test(p)) && !/^\d+$/.test(value);
}

/**
 * Is `value` believable as a credential for a key of `kind`? Returns a confidence or undefined.
 *
 * @example credible("S3cr3t!Passw0rd", "password", true) // 0.8
 */
export function credible(value: string, kind: KeyKind, quoted: boolean): number | undefined {
  const min = kind === "password" ? 6 : kind === "weak" ? 16 : kind === "aws" ? 40 : 10;
  if (value.length < min || value.length > 256) return undefined;
  if (isPlaceholder(value) || PUBLIC_VALUE.test(value)) return undefined;
  if (/^(?:bearer|basic|token|digest)\s/i.test(value) || value.startsWith("-----BEGIN")) return undefined;
  if (/^https?:\/\//i.test(value) || FILE_LIKE.test(value) || isAlgorithmName(value)) return undefined;
  if (value.trim() !== value) return undefined; // a blank at either end: text around a value, not one
  const spaces = value.split(" ").length - 1;
  if (spaces > (kind === "password" && quoted ? 3 : 0)) return undefined;
  if (/^\d+$/.test(value) && value.length < 20) return undefined;
  if (!quoted) {
    if ((MEMBER_ACCESS.test(value) && !BOOTSTRAP_TOKEN.test(value)) || /^[A-Za-z_]+$/.test(value))
      return undefined;
    if (/^[A-Za-z_$][\w$.]*[([]/.test(value)) return undefined; // getpass(), os.environ["X"]
    if (/^[$%@!&*]/.test(value)) return undefined;
  }
  const h = shannonEntropy(value);
  const classes = characterClasses(value);
  if (kind === "aws") {
    return /^[A-Za-z0-9/+]{40}$/.test(value) && h >= 4 ? 0.9 : undefined;
  }
  if (kind === "password") {
    if (h < 2.2) return undefined;
    return h >= 3 && value.length >= 10 ? 0.8 : 0.7;
  }
  if (kind === "weak") {
    // A bare `key` names too many things (cache keys, i18n keys): only random-looking tokens count.
    if (!/^[A-Za-z0-9+/=_-]+$/.test(value) || h < 3.5) return undefined;
    return classes >= 3 || /^[0-9a-f]{32,}$/i.test(value) ? 0.6 : undefined;
  }
  if (h < 3) return undefined;
  if (classes < 2 && !(value.length >= 20 && h >= 3.5)) return undefined;
  if (/^[a-z]+(?:[-_][a-z]+)+$/.test(value)) return undefined; // kebab-case words: a name, not a key
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(value)) return undefined; // a constant: DBUS_COOKIE_SHA1
  return value.length >= 20 && h >= 4 ? 0.85 : 0.75;
}

/**
 * True when `value` looks made up rather than like a word or a name: it has a digit or a symbol other
 * than `-_.`. Used where the context alone is weak (prose, positional arguments, bare config lines), so
 * "the login is SSO / OIDC-based" stays quiet.
 *
 * @example looksMadeUp("omar.1998!") // true; looksMadeUp("OIDC-based") // false
 */
export function looksMadeUp(value: string): boolean {
  return /[0-9]|[^A-Za-z0-9_.-]/.test(value);
}

/**
 * What prose says a password or key "is" when it names how it is made or where it is kept, not its
 * value: a member access or call (`user.password`, `bcrypt.hashSync()`), a version (`v1.2.3`), a header
 * name (`X-CSRF-Token`, `Authorization:`).
 */
const SAID_NOT_A_VALUE =
  /^(?:[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\))?|[A-Za-z_$][\w$]*\(\)|v?\d+(?:\.\d+){1,3}|X-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*|.*:)$/;

/**
 * True when a value said in prose ("the password is ...") looks made up: a digit or a symbol, or mixed
 * case (two capitals and two small letters), so "the password is incorrect" stays quiet; and not a
 * member access, a call, a version or a header name ("the token is res.data.token").
 *
 * @example soundsMadeUp("x7K9-mQ2p") // true; soundsMadeUp("incorrect") // false; soundsMadeUp("user.password") // false
 */
export function soundsMadeUp(value: string): boolean {
  if (SAID_NOT_A_VALUE.test(value)) return false;
  if (/[\d\W_]/.test(value)) return true;
  const upper = value.replace(/[^A-Z]/g, "").length;
  const lower = value.replace(/[^a-z]/g, "").length;
  return upper >= 2 && lower >= 2;
}
