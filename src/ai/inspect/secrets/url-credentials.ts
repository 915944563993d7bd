import { isAlphaCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isPlaceholder } from "./allowlist.js";
import { credible } from "./credible.js";

/** Schemes of databases, queues and caches: a password in their URL is a connection-string secret. */
const CONNECTION_SCHEMES = new Set([
  "postgres",
  "postgresql",
  "mysql",
  "mariadb",
  "mysqlx",
  "mongodb",
  "mongodb+srv",
  "redis",
  "rediss",
  "valkey",
  "amqp",
  "amqps",
  "mssql",
  "sqlserver",
  "oracle",
  "cockroachdb",
  "clickhouse",
  "neo4j",
  "neo4j+s",
  "bolt",
  "couchbase",
  "couchbases",
  "cassandra",
  "kafka",
  "nats",
  "mqtt",
  "mqtts",
  "ldap",
  "ldaps",
  "smtp",
  "smtps",
  "imap",
  "imaps",
  "pop3",
  "jdbc:postgresql",
  "jdbc:mysql",
  "jdbc:mariadb",
  "jdbc:sqlserver",
  "jdbc:oracle:thin",
  "snowflake",
  "db2",
  "memcached",
  "elasticsearch",
  "opensearch",
  "influxdb",
  "sqlalchemy",
  "postgresql+psycopg2",
  "postgresql+asyncpg",
  "mysql+pymysql",
  "mssql+pyodbc",
]);

/** Default passwords of local development images (docs and compose files are full of them). */
export const DEFAULT_PASSWORDS: ReadonlySet<string> = new Set([
  "postgres",
  "guest",
  "root",
  "admin",
  "mysql",
  "redis",
  "rabbitmq",
  "demo",
  "pass",
  "test",
  "toor",
]);

const URL_PLACEHOLDER =
  /^(?:pass(?:word)?|pwd|secret|\*+|x+|user|username|<[^>]*>|\{[^}]*\}|\$\{?[A-Za-z_][\w]*\}?|%[sd]|:[a-z_]+|\[[^\]]*\]|\.\.\.)$/i;

/** Scheme before `://` at `pos` (bounded), or undefined. */
function schemeBefore(text: string, pos: number): { scheme: string; start: number } | undefined {
  let s = pos;
  while (s > 0 && pos - s < 40) {
    const c = text.charCodeAt(s - 1);
    if (isAlphaCode(c) || (c >= 48 && c <= 57) || c === 43 || c === 46 || c === 45 || c === 58) s--;
    else break;
  }
  while (s < pos && !isAlphaCode(text.charCodeAt(s))) s++;
  if (s === pos) return undefined;
  return { scheme: text.slice(s, pos).toLowerCase(), start: s };
}

/**
 * `scheme://user:password@host` at a `:` followed by `//`. Only the password is reported (so redaction
 * keeps the URL readable): `connection-string` for databases and queues, `basic-auth-url` otherwise.
 */
function urlCredential(text: string, pos: number, scan: Scan): void {
  if (text.charCodeAt(pos + 1) !== 47 || text.charCodeAt(pos + 2) !== 47) return;
  const scheme = schemeBefore(text, pos);
  if (scheme === undefined) return;
  const from = pos + 3;
  const limit = Math.min(text.length, from + 512);
  let at = -1;
  let colon = -1;
  let i = from;
  for (; i < limit; i++) {
    const c = text.charCodeAt(i);
    // End of the authority. `#` and `?` do not end it: unencoded, they are common in pasted passwords.
    if (c <= 32 || c === 47 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62) break;
    if (c === 64)
      at = i; // the last `@` ends the userinfo
    else if (c === 58 && colon === -1 && at === -1) colon = i;
  }
  if (at === -1 || colon === -1 || colon > at) return;
  const user = text.slice(from, colon);
  const password = text.slice(colon + 1, at);
  if (password.length < 3 || URL_PLACEHOLDER.test(password) || isPlaceholder(password)) return;
  if (password === user || DEFAULT_PASSWORDS.has(password.toLowerCase())) return; // postgres:postgres, guest:guest
  if (user.length > 0 && !/^[\w.%+-]+$/.test(user) && !user.includes("$")) return;
  if (i < limit && at + 1 >= i) return; // no host
  const host = text.slice(at + 1, i);
  if (!/^[A-Za-z0-9[]/.test(host)) return;
  const name = scheme.scheme;
  const isConnection = CONNECTION_SCHEMES.has(name) || name.startsWith("jdbc:");
  const type = isConnection ? "connection-string" : "basic-auth-url";
  const confidence = password.length >= 8 ? 0.92 : 0.8;
  scan.emit("secret", type, colon + 1, at, confidence, RANK.urlCredential);
}

/** Characters that end a Go DSN when reading back from its `@` (quotes, blanks, brackets). */
function endsDsn(c: number): boolean {
  return c <= 32 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62 || c === 40 || c === 44;
}

/**
 * Go's MySQL driver DSN, `user:password@tcp(host:3306)/db` (also `@unix(...)`), which has no scheme:
 * called at the word `tcp`/`unix` right after `@` and before `(`. The driver splits the user at the
 * first `:` and the password at the last `@`, as read here (bounded to 256 characters back).
 */
function goDsn(text: string, start: number, end: number, scan: Scan): void {
  const at = start - 1;
  if (at < 1 || text.charCodeAt(at) !== 64 || text.charCodeAt(end) !== 40) return;
  let s = at;
  while (s > 0 && at - s < 256 && !endsDsn(text.charCodeAt(s - 1))) s--;
  let userinfo = text.slice(s, at);
  const env = /^[A-Za-z_][A-Za-z0-9_]*=/.exec(userinfo); // DSN=user:pass@tcp(...)
  if (env !== null) {
    s += env[0].length;
    userinfo = userinfo.slice(env[0].length);
  }
  const colon = userinfo.indexOf(":");
  if (colon < 1) return;
  const user = userinfo.slice(0, colon);
  const password = userinfo.slice(colon + 1);
  if (!/^[\w.%+-]+$/.test(user) || password.length < 3) return;
  if (URL_PLACEHOLDER.test(password) || isPlaceholder(password)) return;
  if (password === user || DEFAULT_PASSWORDS.has(password.toLowerCase())) return;
  const confidence = password.length >= 8 ? 0.92 : 0.8;
  scan.emit("secret", "connection-string", s + colon + 1, at, confidence, RANK.urlCredential);
}

/** `.pgpass`: `hostname:port:database:username:password`, one entry per line (port digits or `*`). */
const PGPASS = /:(?:[0-9]{1,5}|\*):[^:\s]{1,64}:[^:\s]{1,64}:(\S{1,128})(?=\r?\n|$)/y;

/**
 * A `.pgpass` line, read at its first `:`: the host runs back to the start of the line and has a letter,
 * a dot or is `*` (so `12:30:45:...` log times are not hosts). At most one read per line.
 */
function pgpass(text: string, pos: number, scan: Scan): void {
  // The port's colon, then the database's and the user's, before a blank: log times
  // (`12:30:45.123 INFO`) fail here, cheaply.
  let p = pos + 1;
  while (p < text.length && p - pos <= 6 && text.charCodeAt(p) !== 58) p++;
  if (text.charCodeAt(p) !== 58) return;
  let colons = 2;
  for (p++; colons < 4 && p < text.length && p - pos < 140; p++) {
    const c = text.charCodeAt(p);
    if (c <= 32) return;
    if (c === 58) colons++;
  }
  if (colons < 4) return;
  let i = pos;
  while (i > 0 && pos - i < 255) {
    const c = text.charCodeAt(i - 1);
    const host =
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 46 ||
      c === 45 ||
      c === 95 ||
      c === 42;
    if (!host) break;
    i--;
  }
  if (i === pos || !(i === 0 || text.charCodeAt(i - 1) === 10)) return;
  const hostname = text.slice(i, pos);
  if (hostname !== "*" && !/[A-Za-z.]/.test(hostname)) return;
  PGPASS.lastIndex = pos;
  const m = PGPASS.exec(text);
  if (m === null) return;
  const password = m[1]!;
  if (DEFAULT_PASSWORDS.has(password.toLowerCase())) return;
  const confidence = credible(password, "password", true);
  if (confidence === undefined || URL_PLACEHOLDER.test(password)) return;
  const end = pos + m[0].length;
  scan.emit("secret", "password", end - password.length, end, confidence, RANK.genericSecret);
}

/** At each `:`: a URL's authority (`://`) or a `.pgpass` line (`:` and a port). One handler, one call. */
function colonCredential(text: string, pos: number, scan: Scan): void {
  const next = text.charCodeAt(pos + 1);
  if (next === 47) urlCredential(text, pos, scan);
  else if ((next >= 48 && next <= 57) || next === 42) pgpass(text, pos, scan);
}

/**
 * Register URL credentials (`:` followed by `//`), Go MySQL DSNs (`user:pass@tcp(...)`) and `.pgpass`
 * lines (`host:port:db:user:password`).
 *
 * @example registerUrlCredentials(plan); // postgres://app:pw@db -> connection-string "pw"
 */
export function registerUrlCredentials(plan: Plan): void {
  plan.char(58, colonCredential);
  for (const w of ["tcp", "tcp6", "unix"]) plan.word(w, goDsn);
}
