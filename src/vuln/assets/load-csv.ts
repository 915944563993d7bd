import { parse } from "csv-parse/sync";
import { DetenteError } from "../../errors.js";
import { indexProblems, resolveDefaults, toAsset } from "./build.js";
import type { ParseAssetsOptions } from "./load-yaml.js";
import { MAX_INVENTORY_BYTES } from "./load-yaml.js";
import { formatPath, issueList, problemsError } from "./problems.js";
import type { PathSegment, Problem } from "./problems.js";
import { assetSchema, MATCH_KINDS, MAX_ASSETS } from "./schema.js";
import type { MatchKind, RawAsset } from "./schema.js";
import type { Asset, AssetInventory } from "./types.js";

/** CSV column of each match kind; `key` is the asset's own key, so extra exact keys are `match_key`. */
const MATCH_COLUMNS: Record<MatchKind, string> = {
  image: "image",
  host: "host",
  ip: "ip",
  repo: "repo",
  glob: "glob",
  key: "match_key",
};
const FIELD_COLUMNS = [
  "key",
  "name",
  "owner",
  "environment",
  "criticality",
  "exposure",
  "data",
  "slo",
  "tags",
];
/** Every column an inventory CSV may have, in the order the docs show them. */
export const CSV_COLUMNS: readonly string[] = [...FIELD_COLUMNS, ...MATCH_KINDS.map((k) => MATCH_COLUMNS[k])];

interface Row {
  readonly line: number;
  readonly cells: Map<string, string>;
  /** Column of each match entry, in entry order, so problems name the column. */
  readonly matchColumns: string[];
  readonly raw: Record<string, unknown>;
}

/**
 * Parse an `assets.csv` inventory: a header row, then one asset per row. Columns are key, name, owner,
 * environment, criticality, exposure, data, slo, tags and the match columns image, host, ip, repo, glob,
 * match_key; several values in one cell are separated by `;`. Empty cells take the defaults. Problems are
 * reported like the YAML loader's, with the row's line: `assets.csv: line 5: assets[3] (payments-api).ip:
 * "10.20.1.0/16" has host bits set; ...`.
 *
 * @example
 * parseAssetsCsv("key,criticality,image\npayments-api,mission-critical,registry.example.com/payments/api\n", "assets.csv");
 */
export function parseAssetsCsv(
  text: string,
  source: string,
  options: ParseAssetsOptions = {},
): AssetInventory {
  if (text.length > MAX_INVENTORY_BYTES) {
    throw new DetenteError(
      "INVALID_CONFIG",
      `${source}: larger than ${MAX_INVENTORY_BYTES / 1024 / 1024} MiB`,
    );
  }
  const records = readRecords(text, source);
  const header = records[0];
  if (!header)
    throw new DetenteError(
      "INVALID_CONFIG",
      `${source}: empty file; expected a header row with a key column`,
    );
  const columns = header.cells.map((c) => c.trim().toLowerCase());
  const headerProblems = checkHeader(columns).map((message): Problem => ({
    line: header.line,
    path: [],
    label: "",
    message,
  }));
  if (headerProblems.length > 0) throw problemsError(source, headerProblems);
  if (records.length - 1 > MAX_ASSETS) {
    throw new DetenteError("INVALID_CONFIG", `${source}: more than ${MAX_ASSETS} assets`);
  }

  const rows = records.slice(1).map((r) => toRow(columns, r.cells, r.line));
  const keyOf = (i: number): string | undefined => rows[i]?.cells.get("key") || undefined;
  const columnOf = (i: number, rest: readonly PathSegment[]): string | undefined => {
    if (rest[0] === "match" && typeof rest[1] === "number") return rows[i]?.matchColumns[rest[1]];
    return typeof rest[0] === "string" ? rest[0] : undefined;
  };
  const problem = (path: readonly PathSegment[], message: string): Problem => ({
    line: typeof path[1] === "number" ? rows[path[1]]?.line : undefined,
    path,
    label: formatPath(path, keyOf, columnOf),
    message,
  });

  const problems: Problem[] = [];
  const raws: RawAsset[] = [];
  rows.forEach((row, i) => {
    const parsed = assetSchema.safeParse(row.raw);
    if (parsed.success) raws.push(parsed.data);
    else
      for (const issue of issueList(parsed.error))
        problems.push(problem(["assets", i, ...issue.path], issue.message));
  });
  if (problems.length > 0) throw problemsError(source, problems);

  const defaults = resolveDefaults(options.defaults, undefined);
  const assets: Asset[] = raws.map((raw) => toAsset(raw, defaults));
  const conflicts = indexProblems(
    assets,
    (i, j) => ["assets", i, "match", j],
    (path) => {
      const i = path[1] as number;
      const label = formatPath(path.at(-1) === "key" ? path.slice(0, 2) : path, keyOf, columnOf);
      return `${label} at line ${rows[i]?.line ?? "?"}`;
    },
  );
  if (conflicts.length > 0)
    throw problemsError(
      source,
      conflicts.map((c) => problem(c.path, c.message)),
    );
  return { source, assets, defaults };
}

function readRecords(text: string, source: string): { cells: string[]; line: number }[] {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    // csv-parse's typings do not model `info: true`, which wraps each record as `{ record, info }`.
    parsed = parse(text, {
      bom: true,
      skip_empty_lines: true,
      info: true,
      max_record_size: 1024 * 1024,
    }) as unknown as typeof parsed;
  } catch (e) {
    const error = e as { lines?: unknown; message?: unknown };
    const line = typeof error.lines === "number" ? ` line ${error.lines}:` : "";
    const message = String(error.message ?? e).replace(/ (on|at) line \d+$/, "");
    throw new DetenteError("INVALID_CONFIG", `${source}:${line} ${message}`);
  }
  // csv-parse reports the line a record ends on; a quoted cell may span lines, so count back to its start.
  return parsed.map(({ record, info }) => {
    let newlines = 0;
    for (const cell of record) for (const c of cell) if (c === "\n") newlines++;
    return { cells: record, line: info.lines - newlines };
  });
}

function checkHeader(columns: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const column of columns) {
    if (!CSV_COLUMNS.includes(column)) {
      out.push(`unknown column "${column}"; known columns: ${CSV_COLUMNS.join(", ")}`);
    } else if (seen.has(column)) {
      out.push(`column "${column}" appears twice`);
    }
    seen.add(column);
  }
  if (!seen.has("key")) out.push("the header has no key column; every asset needs a key");
  return out;
}

/** A row as the same shape a YAML asset has, so one schema validates both. */
function toRow(columns: readonly string[], cells: readonly string[], line: number): Row {
  const byColumn = new Map<string, string>();
  columns.forEach((column, i) => byColumn.set(column, (cells[i] ?? "").trim()));
  const raw: Record<string, unknown> = {};
  for (const column of FIELD_COLUMNS) {
    const value = byColumn.get(column);
    if (value === undefined || value === "") continue;
    raw[column] = column === "tags" ? splitList(value) : value;
  }
  if (!("key" in raw)) raw.key = byColumn.get("key") ?? "";
  const match: Record<string, string>[] = [];
  const matchColumns: string[] = [];
  for (const kind of MATCH_KINDS) {
    const column = MATCH_COLUMNS[kind];
    for (const value of splitList(byColumn.get(column) ?? "")) {
      match.push({ [kind]: value });
      matchColumns.push(column);
    }
  }
  if (match.length > 0) raw.match = match;
  return { line, cells: byColumn, matchColumns, raw };
}

function splitList(cell: string): string[] {
  return cell
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
