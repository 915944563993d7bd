/**
 * Rows in PostgreSQL's COPY text format: columns separated by tabs, rows by newlines, NULL as `\N`,
 * and backslash, tab, newline and carriage return escaped. Arrays are written as array literals.
 *
 * @example copyRow(["CVE-2024-3094", null, ["5.6.1", "5.8.0"], true]) // "CVE-2024-3094\t\\N\t{\"5.6.1\",\"5.8.0\"}\tt\n"
 */
export type CopyValue = string | number | boolean | null | readonly string[];

/** Characters per piece of a CopyBuffer: well under V8's 128 KiB limit for young-generation strings. */
const PIECE_CHARS = 32 * 1024;

/**
 * COPY rows gathered into pieces of about 32 KiB instead of one long string. A string of megabytes is
 * allocated in pages of its own, flattened, and encoded into as large a buffer again: on a big import
 * that costs more than building the rows. Pieces stay in the young generation and are sent one by one.
 *
 * @example
 * const rows = new CopyBuffer();
 * rows.push(copyRow(["CVE-2024-3094", 9.8]));
 * await tx.copyFrom("t", ["id", "score"], rows.take());
 */
export class CopyBuffer {
  private pieces: string[] = [];
  private current = "";

  /** True when no row was pushed since the last `take`. */
  get isEmpty(): boolean {
    return this.current.length === 0 && this.pieces.length === 0;
  }

  /** Append one row (a line from `copyRow`). */
  push(row: string): void {
    this.current += row;
    if (this.current.length >= PIECE_CHARS) {
      this.pieces.push(flat(this.current));
      this.current = "";
    }
  }

  /** Every row pushed so far, in pieces, and start over. */
  take(): string[] {
    const out = this.pieces;
    if (this.current.length > 0) out.push(flat(this.current));
    this.pieces = [];
    this.current = "";
    return out;
  }
}

/**
 * The same string, flattened. Rows are built by concatenation, which V8 keeps as a tree of the parts
 * (every field string of every finding) until something reads the characters; reading one flattens the
 * tree into one string and lets the parts go, so a piece waiting for its round trip holds 32 KiB rather
 * than several times that in field strings and tree nodes.
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

export function copyRow(values: readonly CopyValue[]): string {
  // Fast path: build the line as is and check all of its text for characters that need escaping in one
  // regular-expression pass; report text almost never has any, and escaping field by field costs more
  // than the rest of the row.
  let line = "";
  let text = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) line += "\t";
    if (typeof v === "string") {
      line += v;
      text += v;
    } else line += copyField(v);
  }
  if (!NEEDS_ESCAPE.test(text)) return line + "\n";
  line = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += "\t";
    line += copyField(values[i]!);
  }
  return line + "\n";
}

/**
 * One value as `copyRow` writes it, for building a row by concatenation: `copyValue(a) + "\t" +
 * copyValue(b) + "\n"` equals `copyRow([a, b])`, without an array of values per row.
 *
 * @example copyValue(null) // "\\N"; copyValue(["a"]) // "{\"a\"}"
 */
export function copyValue(v: CopyValue): string {
  return copyField(v);
}

function copyField(v: CopyValue): string {
  if (v === null) return "\\N";
  if (typeof v === "string") return escapeText(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  return escapeText(arrayLiteral(v));
}

/**
 * A text array as PostgreSQL's array literal, `{"a","b\"c"}`: every element quoted, `"` and `\` escaped
 * inside. Also a cheaper way to pass a long array as a query parameter (`$1::text[]`) than letting the
 * driver serialize it element by element.
 *
 * @example arrayLiteral(["a", 'b"c']) // '{"a","b\\"c"}'
 */
export function arrayLiteral(items: readonly string[]): string {
  let out = "{";
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ",";
    // NUL cannot be stored in PostgreSQL text at all: dropped, as COPY drops it.
    const item = items[i]!.replaceAll("\0", "");
    out += '"' + (QUOTE_OR_BACKSLASH.test(item) ? item.replace(/[\\"]/g, (c) => "\\" + c) : item) + '"';
  }
  return out + "}";
}

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;
const QUOTE_OR_BACKSLASH = /[\\"]/;

function escapeText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  // NUL cannot be stored in PostgreSQL text at all; it is dropped.
  return s.replace(/[\\\t\n\r\0]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "",
  );
}

/**
 * Integers as PostgreSQL's array literal, for a `$1::bigint[]` parameter (see `arrayLiteral`).
 *
 * @example integerArrayLiteral([1, 2]) // "{1,2}"
 */
export function integerArrayLiteral(items: readonly number[]): string {
  return "{" + items.join(",") + "}";
}
