import { isAlphaCode, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isQuote, valueAt, type Value } from "./assignment.js";
import { credible, looksMadeUp } from "./credible.js";
import { PAIR_LONG, SHORT_FLAGS, SHORT_LETTERS, commandsBefore, inForce } from "./command-tools.js";
import { KEY_HINT, keyKind, keySegments, nextTrigram, trigramTable, type KeyKind } from "./key-names.js";
import { DEFAULT_PASSWORDS } from "./url-credentials.js";

/** Single-dash long flags that are passwords although their names do not say so (keytool, openssl). */
const PASS_FLAGS = new Set(
  "storepass keypass srcstorepass deststorepass srckeypass destkeypass passin passout".split(" "),
);

/** Last name segments of flags whose value is not the credential (`--password-stdin`, `--token-server`). */
const FLAG_NOT_VALUE = new Set(
  (
    "stdin stdout prompt command cmd helper source interactive required method server host hostname " +
    "address addr issuer audience scope scopes realm username user login owner domain region zone " +
    "namespace project"
  ).split(" "),
);

/** Kinds of flag names seen (names repeat: a script passes `--token` on every line); bounded. */
const flagKinds = new Map<string, KeyKind | null>();

/** What a long flag's value is, from its name (without dashes). */
function flagKind(name: string): KeyKind | undefined {
  let kind = flagKinds.get(name);
  if (kind === undefined) {
    kind = readFlagKind(name) ?? null;
    if (flagKinds.size >= 1024) flagKinds.clear();
    flagKinds.set(name, kind);
  }
  return kind ?? undefined;
}

function readFlagKind(name: string): KeyKind | undefined {
  const segs = keySegments(name);
  if (segs[0] === "no" || segs.includes("ask")) return undefined;
  if (FLAG_NOT_VALUE.has(segs[segs.length - 1] ?? "")) return undefined;
  if (PASS_FLAGS.has(name.toLowerCase())) return "password";
  return keyKind(name);
}

/**
 * A shell word from `from` (after blanks): quoted, or up to a blank or `; & | < > ) \`` (less a final
 * `, . ; :` of the sentence around it), at most 256 characters.
 */
function shellWord(text: string, from: number): Value | undefined {
  let i = from;
  while (i < text.length && i - from < 8 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (isQuote(text.charCodeAt(i))) return valueAt(text, i, false);
  const limit = Math.min(text.length, i + 256);
  let j = i;
  for (; j < limit; j++) {
    const c = text.charCodeAt(j);
    if (c <= 32 || c === 59 || c === 38 || c === 124 || c === 60 || c === 62 || c === 41 || isQuote(c)) break;
  }
  if (j === i + 256) return undefined;
  // Prose around a flag: "renamed to --proxy-password respectively, and ..."
  if (j > i + 1 && /[,.;:]/.test(text.charAt(j - 1))) j--;
  return j > i ? { start: i, end: j, quoted: false } : undefined;
}

/**
 * The value after a flag name ending at `end`: `--token X`, `-p 'X'`, `-p'X'` (attached), or the next
 * element of an argument list (`"--password", "X"`) when the flag itself is quoted with `listQuote`.
 */
function flagValue(text: string, end: number, attached: boolean, listQuote: number): Value | undefined {
  const c = text.charCodeAt(end);
  if (attached) return shellWord(text, c === 61 ? end + 1 : end);
  if (listQuote !== 0 && c === listQuote) {
    let i = end + 1;
    while (i < text.length && i - end < 8 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (text.charCodeAt(i) !== 44) return undefined;
    const v = valueAt(text, i + 1, false);
    return v?.quoted === true ? v : undefined;
  }
  if (c !== 32 && c !== 9) return undefined;
  return shellWord(text, end);
}

function emitValue(scan: Scan, kind: KeyKind, start: number, end: number, confidence: number): void {
  const type = kind === "password" ? "password" : "generic-secret";
  scan.emit("secret", type, start, end, confidence, RANK.genericSecret);
}

/** Report the password of a `user<sep>password` value (curl `-u`, httpie `-a`, smbclient `-U`). */
function pairValue(text: string, v: Value, sep: string, strict: boolean, scan: Scan): void {
  const value = text.slice(v.start, v.end);
  const at = value.indexOf(sep);
  if (at < 0 || at > 64) return;
  const user = value.slice(0, at);
  const password = value.slice(at + 1);
  if (password === user || DEFAULT_PASSWORDS.has(password.toLowerCase())) return;
  if (strict && !looksMadeUp(password)) return;
  const confidence = credible(password, "password", true);
  if (confidence === undefined) return;
  emitValue(scan, "password", v.start + at + 1, v.end, confidence);
}

/** A bare value that is another flag or an option list (`--secret id=npmrc,src=.npmrc`), not a credential. */
function notAValue(text: string, v: Value): boolean {
  if (v.quoted) return false;
  const first = text.charCodeAt(v.start);
  return first === 45 || /^[a-z][a-z0-9_]*=/.test(text.slice(v.start, Math.min(v.end, v.start + 40)));
}

/** `--user u:p`, `--auth u:p`: true when the value was a pair (reported or not). */
function pairFlag(
  text: string,
  pos: number,
  nameEnd: number,
  pairBits: number,
  listQuote: number,
  scan: Scan,
): boolean {
  const v = flagValue(text, nameEnd, text.charCodeAt(nameEnd) === 61, listQuote);
  if (v === undefined || notAValue(text, v)) return true;
  const bits = commandsBefore(text, pos, scan);
  for (let i = 0; i < SHORT_FLAGS.length; i++) {
    const sep = SHORT_FLAGS[i]!.pair!;
    if ((pairBits & (1 << i)) === 0 || !inForce(i, bits)) continue;
    if (!text.slice(v.start, v.end).includes(sep)) return false;
    pairValue(text, v, sep, false, scan);
    return true;
  }
  // A command we do not know (or none on the line): only a password that looks made up.
  if (!text.slice(v.start, v.end).includes(":")) return false;
  pairValue(text, v, ":", true, scan);
  return true;
}

/** Long flags: `--password X`, `--api-key 'X'`, `-storepass X`, `--user u:p` (curl), `-passin pass:X`. */
function longFlag(
  text: string,
  pos: number,
  nameStart: number,
  nameEnd: number,
  listQuote: number,
  scan: Scan,
): boolean {
  const name = text.slice(nameStart, nameEnd);
  // Most flags name nothing secret (`--verbose`, `-print`): one regex test, no lookups.
  if (!KEY_HINT.test(name) && !(name.length <= 10 && PAIR_LONG.has(name))) return false;
  const pairBits = PAIR_LONG.get(name);
  if (pairBits !== undefined && pairFlag(text, pos, nameEnd, pairBits, listQuote, scan)) return true;
  const kind = flagKind(name);
  if (kind === undefined) return false;
  // `--password=X` is an assignment, read at the `=`.
  const v = flagValue(text, nameEnd, false, listQuote);
  if (v === undefined || notAValue(text, v)) return true;
  let start = v.start;
  const value = text.slice(v.start, v.end);
  if (/^(?:env|file|fd):|^stdin$/.test(value)) return true; // openssl -passin env:VAR
  if (value.startsWith("pass:")) start += 5;
  const confidence = credible(text.slice(start, v.end), kind, v.quoted);
  if (confidence !== undefined && start < v.end) emitValue(scan, kind, start, v.end, confidence);
  return true;
}

/** Short flags (`-p`, `-P`, `-u`, `-a`, `-w`, `-k`, `-U`) of the commands that make them credentials. */
function shortFlag(text: string, pos: number, letter: number, listQuote: number, scan: Scan): void {
  const next = text.charCodeAt(pos + 2);
  const attached = !(next === 32 || next === 9 || (listQuote !== 0 && next === listQuote));
  if (attached && (pos + 2 >= text.length || next === 10 || next === 13)) return;
  // The value first (cheap), the command only for a value that could be a credential: option lists in
  // manuals and help texts (`-a, --all`) stop here.
  const v = flagValue(text, pos + 2, attached, listQuote);
  if (v === undefined || v.end - v.start < 3 || (!attached && notAValue(text, v))) return;
  let bits = -1;
  for (let i = 0; i < SHORT_FLAGS.length; i++) {
    const f = SHORT_FLAGS[i]!;
    if (f.letter.charCodeAt(0) !== letter || (attached ? !f.attached : !f.separate)) continue;
    if (bits === -1) bits = commandsBefore(text, pos, scan);
    if (!inForce(i, bits)) continue;
    if (f.pair !== undefined) {
      pairValue(text, v, f.pair, false, scan);
      return;
    }
    const confidence = credible(text.slice(v.start, v.end), "password", v.quoted);
    if (confidence !== undefined) emitValue(scan, "password", v.start, v.end, confidence);
    return;
  }
}

/** KEY_TRIGRAMS and `use` (`--user`, `--proxy-user`): a flag name with none is not read further. */
const FLAG_TRIGRAMS = trigramTable(["pas", "pwd", "sec", "tok", "key", "aut", "cre", "sig", "use"]);

/** At a `-` that starts a flag (after a blank, a quote, `(`, `[` or `,`). */
function commandLineFlag(text: string, pos: number, scan: Scan): void {
  const prev = pos > 0 ? text.charCodeAt(pos - 1) : 32;
  if (!(
    prev === 32 ||
    prev === 9 ||
    prev === 10 ||
    prev === 13 ||
    isQuote(prev) ||
    prev === 40 ||
    prev === 91 ||
    prev === 44
  ))
    return;
  const listQuote = isQuote(prev) ? prev : 0;
  const double = text.charCodeAt(pos + 1) === 45;
  const nameStart = double ? pos + 2 : pos + 1;
  if (!isAlphaCode(text.charCodeAt(nameStart))) return;
  const letter = text.charCodeAt(nameStart);
  let nameEnd = nameStart + 1;
  let trigram = nextTrigram(0, letter);
  let hint = false;
  while (nameEnd < text.length && nameEnd - nameStart < 48) {
    const c = text.charCodeAt(nameEnd);
    if (!(isIdentCode(c) || c === 45)) break;
    trigram = nextTrigram(trigram, c);
    if (nameEnd - nameStart >= 2 && FLAG_TRIGRAMS[trigram] === 1) hint = true;
    nameEnd++;
  }
  if (double) {
    if (hint) longFlag(text, pos, nameStart, nameEnd, listQuote, scan);
    return;
  }
  // `-storepass X`, `-password X`, `-passin pass:X`; else a short flag, maybe with its value attached.
  if (hint && nameEnd - nameStart >= 4 && longFlag(text, pos, nameStart, nameEnd, listQuote, scan)) return;
  if (SHORT_LETTERS.has(letter)) shortFlag(text, pos, letter, listQuote, scan);
}

/**
 * Register credentials given on command lines: long flags named like credentials (`--password X`,
 * `--token X`, `--api-key X`, `-storepass X`), tools' password short flags (`mysql -p'X'`, `sshpass -p X`,
 * `docker login -p X`, `redis-cli -a X`, `ldapsearch -w X`...) and user:password options (`curl -u`,
 * `--user`, httpie `-a`, `smbclient -U user%pass`), at each `-`.
 *
 * @example registerCommandLine(plan); // "sshpass -p 'x7!Kq2zP' ssh host" -> password
 */
export function registerCommandLine(plan: Plan): void {
  plan.char(45, commandLineFlag);
}
