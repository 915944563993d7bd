import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";
import { valueAt, type Value } from "./assignment.js";
import { credible, looksMadeUp } from "./credible.js";

/** After IDENTIFIED: `BY`, or `WITH <plugin> BY` (MySQL); `BY PASSWORD '*hash'` and `AS '<hash>'` are hashes. */
const IDENTIFIED_BY =
  /[ \t\r\n]{1,8}(?:with[ \t\r\n]{1,8}[A-Za-z0-9_]{1,64}[ \t\r\n]{1,8})?by[ \t\r\n]{1,8}(password[ \t\r\n])?/iy;

/** Hashed passwords (PostgreSQL md5 and SCRAM verifiers, MySQL `*` hashes): not the password itself. */
const HASHED = /^(?:md5[0-9a-f]{32}|SCRAM-SHA-256\$|\*[0-9A-F]{40}$|\$A\$)/;

/** Words that make `PASSWORD '...'` part of a role or user statement. */
const ROLE_STATEMENT = /\b(?:user|role|login)\b/i;
/** `CREATE USER`, `ALTER USER`, `GRANT ... TO`, `CREATE LOGIN`: the statements IDENTIFIED BY belongs to. */
const USER_VERB = /\b(?:create|alter|grant)\b/i;
const USER_OBJECT = /\b(?:user|role|login|to)\b/i;

/** The statement before `start`: at most 200 characters back, not past a `;`. */
function statementBefore(text: string, start: number): string {
  const before = text.slice(Math.max(0, start - 200), start);
  return before.slice(before.lastIndexOf(";") + 1);
}

function emitPassword(text: string, v: Value, scan: Scan): void {
  const value = text.slice(v.start, v.end);
  // SQL strings are '...' (or Oracle's "..."); `...` is a MySQL identifier or, in prose, code.
  if (v.quoted && text.charCodeAt(v.start - 1) === 96) return;
  if (HASHED.test(value) || /\s/.test(value)) return;
  // Bare values (Oracle `IDENTIFIED BY Welcome1`) must look made up, and bind variables are not values.
  if (!v.quoted && (/^[:?@$%&]/.test(value) || !looksMadeUp(value))) return;
  const confidence = credible(value, "password", v.quoted);
  if (confidence !== undefined)
    scan.emit("secret", "password", v.start, v.end, confidence, RANK.genericSecret);
}

/** `CREATE USER ... IDENTIFIED BY '...'`, `ALTER USER ... IDENTIFIED WITH caching_sha2_password BY '...'`. */
function identifiedBy(text: string, start: number, end: number, scan: Scan): void {
  const statement = statementBefore(text, start);
  if (!USER_VERB.test(statement) || !USER_OBJECT.test(statement)) return;
  IDENTIFIED_BY.lastIndex = end;
  const m = IDENTIFIED_BY.exec(text);
  if (m === null || m[1] !== undefined) return;
  const v = valueAt(text, end + m[0].length, false);
  if (v !== undefined) emitPassword(text, v, scan);
}

/**
 * PostgreSQL `CREATE ROLE app WITH LOGIN PASSWORD '...'`, `ALTER USER bob [ENCRYPTED] PASSWORD '...'`:
 * the word `password` followed by a single-quoted string, in a statement about a user or role (read
 * back at most 200 characters, not past a `;`).
 */
function passwordLiteral(text: string, start: number, end: number, scan: Scan): void {
  let i = end;
  while (i < text.length && i - end < 8 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (i === end || text.charCodeAt(i) !== 39) return;
  if (!ROLE_STATEMENT.test(statementBefore(text, start))) return;
  const v = valueAt(text, i, false);
  if (v !== undefined) emitPassword(text, v, scan);
}

/**
 * Register passwords in SQL user and role statements (`IDENTIFIED BY`, `PASSWORD '...'`). `PASSWORD =
 * '...'` (SQL Server, Cassandra, Snowflake) is read by the assignment checks.
 *
 * @example registerSqlCredentials(plan); // CREATE USER 'r'@'%' IDENTIFIED BY 'Gr33n!x' -> password
 */
export function registerSqlCredentials(plan: Plan): void {
  plan.word("identified", identifiedBy);
  plan.word("password", passwordLiteral);
}
