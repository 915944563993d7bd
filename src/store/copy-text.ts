/**
 * Rows in PostgreSQL's COPY text format: columns separated by tabs, rows by newlines, NULL as `\N`,
 * and backslash, tab, newline and carriage return escaped. Arrays are written as array literals.
 *
 * @example copyRow(["CVE-2024-3094", null, ["5.6.1", "5.8.0"], true]) // "CVE-2024-3094\t\\N\t{\"5.6.1\",\"5.8.0\"}\tt\n"
 */
export type CopyValue = string | number | boolean | null | readonly string[];

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

function copyField(v: CopyValue): string {
  if (v === null) return "\\N";
  if (typeof v === "string") return escapeText(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  return escapeText(arrayLiteral(v));
}

/** `{"a","b\"c"}`: every element quoted, `"` and `\` escaped inside. */
function arrayLiteral(items: readonly string[]): string {
  let out = "{";
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ",";
    const item = items[i]!;
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
