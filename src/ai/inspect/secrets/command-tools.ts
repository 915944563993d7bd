import { isIdentCode } from "../chars.js";
import type { Scan } from "../scan.js";

/**
 * A short flag whose value is a credential, for the commands that give it that meaning: `-p` is a
 * password for `mysql` and `sshpass` but a port for `ssh`, a mapping for `docker run`, "parents" for
 * `mkdir`. `pair` says the value is `user<pair>password` (curl's `-u user:pass`); `long` names the
 * same option's long form when it takes such a pair (`--user`).
 */
export interface ShortFlag {
  readonly commands: readonly string[];
  /** Also needs this word in the command (`docker login -p`, not `docker run -p`). */
  readonly subcommand?: string;
  readonly letter: string;
  /** `-pVALUE` */
  readonly attached: boolean;
  /** `-p VALUE` */
  readonly separate: boolean;
  readonly pair?: string;
  readonly long?: readonly string[];
}

/** One table row: the tools, the flag letter, how its value is given, and the pair separator. */
function flag(
  tools: string,
  letter: string,
  given: "attached" | "separate" | "both",
  pair?: string,
  long?: string,
): ShortFlag {
  return {
    commands: tools.split(" "),
    letter,
    attached: given !== "separate",
    separate: given !== "attached",
    ...(pair === undefined ? {} : { pair }),
    ...(long === undefined ? {} : { long: [long] }),
  };
}

const MYSQL =
  "mysql mysqldump mysqladmin mysqlimport mysqlcheck mysqlshow mysqlpump mysqlbinlog mariadb mariadb-dump " +
  "mariadb-admin mariadb-import mariadb-check";
const MONGO = "mongo mongosh mongodump mongorestore mongoexport mongoimport mongostat mongotop mongofiles";
const LDAP = "ldapsearch ldapadd ldapmodify ldapdelete ldapwhoami ldappasswd ldapcompare ldapmodrdn ldapexop";

/** Password-taking short flags of common command-line tools (each tool's manual page). */
export const SHORT_FLAGS: readonly ShortFlag[] = [
  flag(MYSQL, "p", "attached"), // `mysql -p shop`: shop is the database, the password is prompted for
  flag("sshpass", "p", "both"),
  flag(MONGO, "p", "separate"),
  {
    ...flag("docker podman nerdctl buildah skopeo helm oras az oc cf", "p", "separate"),
    subcommand: "login",
  },
  flag("rabbitmqadmin", "p", "separate"),
  flag("sqlcmd bcp osql", "P", "both"),
  flag("zip unzip", "P", "separate"),
  flag("7z 7za 7zr rar unrar", "p", "attached"),
  flag("redis-cli valkey-cli", "a", "separate"),
  flag(LDAP, "w", "both"),
  flag("mosquitto_pub mosquitto_sub mosquitto_rr", "P", "separate"),
  flag("openssl", "k", "separate"),
  flag("curl", "u", "both", ":", "user"),
  flag("curl", "U", "both", ":", "proxy-user"),
  flag("http https xh xhs", "a", "separate", ":", "auth"),
  flag("smbclient rpcclient smbget smbmap", "U", "separate", "%", "user"),
  flag("lftp", "u", "separate", ","),
];

/** Short-flag letters that some command takes a credential with. */
export const SHORT_LETTERS: ReadonlySet<number> = new Set(SHORT_FLAGS.map((f) => f.letter.charCodeAt(0)));

const LOGIN_BIT = 1 << 30;

/** Command name -> bits of the SHORT_FLAGS entries that name it. */
const COMMAND_BITS = new Map<string, number>([["login", LOGIN_BIT]]);
for (const [i, f] of SHORT_FLAGS.entries()) {
  for (const c of f.commands) COMMAND_BITS.set(c, (COMMAND_BITS.get(c) ?? 0) | (1 << i));
}

/** The hash `commandsBefore` computes for a word as it reads it (no string is made per word). */
function commandHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return h;
}

/** Hash of a command name -> the names with that hash and their bits. */
const BY_HASH = new Map<number, { readonly name: string; readonly bits: number }[]>();
for (const [name, bits] of COMMAND_BITS) {
  const h = commandHash(name);
  BY_HASH.set(h, [...(BY_HASH.get(h) ?? []), { name, bits }]);
}

/** Bits of the command named by `text[start, end)` with hash `h` (0 when it names none). */
function commandBits(text: string, start: number, end: number, h: number): number {
  const list = end - start <= 16 ? BY_HASH.get(h) : undefined;
  if (list === undefined) return 0;
  for (const e of list) if (e.name.length === end - start && text.startsWith(e.name, start)) return e.bits;
  return 0;
}

/** Long flags that take `user:password` -> bits of their entries (only for those commands). */
export const PAIR_LONG = new Map<string, number>();
for (const [i, f] of SHORT_FLAGS.entries()) {
  for (const l of f.long ?? []) PAIR_LONG.set(l, (PAIR_LONG.get(l) ?? 0) | (1 << i));
}

/** How far back the command of a flag is looked for (a long command over continued lines fits). */
const LOOK_BACK = 1024;

/** Characters of a command name (`redis-cli`, `mosquitto_pub`, `7z`); `/` ends one (`/usr/bin/mysql`). */
function isCommandChar(c: number): boolean {
  return isIdentCode(c) || c === 45 || c === 46 || c === 43;
}

/** A line break that a shell line continuation (`\`, cmd's `^`, PowerShell's backtick) does not cancel. */
function endsCommand(text: string, i: number): boolean {
  let p = i - 1;
  if (p >= 0 && text.charCodeAt(p) === 13) p--;
  const c = p >= 0 ? text.charCodeAt(p) : 0;
  return c !== 92 && c !== 94 && c !== 96;
}

/**
 * Bits of the commands named in the shell command that `pos` is in, up to `pos`: read left to right
 * once per scan (the scan calls flags in order), reset at line ends, `;`, `|` and `&`, and never more
 * than LOOK_BACK characters back, so the total work stays linear.
 */
export function commandsBefore(text: string, pos: number, scan: Scan): number {
  let from = scan.commandReadTo;
  let bits = scan.commandBits;
  if (from > pos) return 0; // not called in order: nothing known
  if (pos - from > LOOK_BACK) {
    from = pos - LOOK_BACK;
    bits = 0;
  }
  let word = -1;
  let h = 0;
  for (let i = from; i < pos; i++) {
    const c = text.charCodeAt(i);
    if (isCommandChar(c)) {
      if (word < 0) {
        word = i;
        h = 0;
      }
      h = (Math.imul(h, 31) + c) | 0;
      continue;
    }
    if (word >= 0) {
      bits |= commandBits(text, word, i, h);
      word = -1;
    }
    if (c === 59 || c === 124 || c === 38 || (c === 10 && endsCommand(text, i))) bits = 0;
  }
  if (word >= 0) bits |= commandBits(text, word, pos, h);
  scan.commandReadTo = pos;
  scan.commandBits = bits;
  return bits;
}

/** Is entry `i` of SHORT_FLAGS in force given the command bits? */
export function inForce(i: number, bits: number): boolean {
  const f = SHORT_FLAGS[i]!;
  return (bits & (1 << i)) !== 0 && (f.subcommand === undefined || (bits & LOGIN_BIT) !== 0);
}
