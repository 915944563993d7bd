import type { CopyOptions } from "./open.js";

/** `COPY table (columns) FROM source WITH (...)` for `RawTx.copyFrom`, on either engine. */
export function copyStatement(
  table: string,
  columns: readonly string[],
  source: string,
  options: CopyOptions | undefined,
): string {
  return `COPY ${table} (${quoteColumns(columns)}) FROM ${source}${copyWith(options)}`;
}

function copyWith(options: CopyOptions | undefined): string {
  const list = [
    ...(options?.freeze === true ? ["FREEZE"] : []),
    ...(options?.binary === true ? ["FORMAT binary"] : []),
  ];
  return list.length > 0 ? ` WITH (${list.join(", ")})` : "";
}

function quoteColumns(columns: readonly string[]): string {
  return columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(", ");
}

/**
 * The first line of a driver's error, for messages: drivers name hosts and errors, never passwords, but
 * keep only the first line all the same.
 */
export function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0] ?? m;
}
