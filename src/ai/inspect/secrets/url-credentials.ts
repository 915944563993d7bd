import { isAlphaCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { isPlaceholder } from "./allowlist.js";

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
const DEFAULT_PASSWORDS = new Set([
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

/**
 * Register URL credentials (`:` followed by `//`).
 *
 * @example registerUrlCredentials(plan); // postgres://app:pw@db -> connection-string "pw"
 */
export function registerUrlCredentials(plan: Plan): void {
  plan.char(58, urlCredential);
}
