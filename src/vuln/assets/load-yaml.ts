import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Document } from "yaml";
import { DetenteError } from "../../errors.js";
import { indexProblems, resolveDefaults, toAsset } from "./build.js";
import { formatPath, issueList, problemsError } from "./problems.js";
import type { PathSegment, Problem } from "./problems.js";
import { inventorySchema } from "./schema.js";
import type { AssetDefaults, AssetInventory } from "./types.js";

/** Inventory files larger than this are refused before parsing. */
export const MAX_INVENTORY_BYTES = 16 * 1024 * 1024;

export interface ParseAssetsOptions {
  /** Defaults under the file's own `defaults:` (e.g. from detente.yaml); built-ins fill the rest. */
  readonly defaults?: Partial<AssetDefaults> | undefined;
}

/**
 * Parse an `assets.yaml` inventory: `{ defaults?, assets: [...] }`, or a bare list of assets. Every problem
 * is reported at once, each with its line, as one DetenteError("INVALID_CONFIG"), e.g.
 * `assets.yaml: line 12: assets[3] (payments-api).criticality: expected one of mission-critical, high,
 * medium, low (got "critical")`.
 *
 * @example
 * const inventory = parseAssetsYaml(await readFile("assets.yaml", "utf8"), "assets.yaml");
 * inventory.assets[0].criticality; // "mission-critical"
 */
export function parseAssetsYaml(
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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw problemsError(
      source,
      doc.errors.map((e) => ({
        line: e.linePos?.[0].line,
        path: [],
        label: "",
        message: yamlMessage(e.message),
      })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }); // bounds "billion laughs" alias expansion
  } catch (e) {
    throw new DetenteError("INVALID_CONFIG", `${source}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // A file that is only a list of assets is accepted as `assets:` with no defaults.
  const rootIsList = Array.isArray(data);
  const input: unknown = rootIsList ? { assets: data } : data;
  const lineOf = (path: readonly PathSegment[]): number | undefined =>
    nodeLine(doc, lineCounter, rootIsList ? path.slice(1) : path);
  const keyOf = (i: number): string | undefined => rawKey(input, i);
  const problem = (path: readonly PathSegment[], message: string): Problem => ({
    line: lineOf(path),
    path,
    label: formatPath(path, keyOf),
    message,
  });

  const parsed = inventorySchema.safeParse(input);
  if (!parsed.success) {
    throw problemsError(
      source,
      issueList(parsed.error).map((i) => problem(i.path, i.message)),
    );
  }
  const defaults = resolveDefaults(options.defaults, parsed.data.defaults);
  const assets = parsed.data.assets.map((raw) => toAsset(raw, defaults));
  const conflicts = indexProblems(
    assets,
    (i, j) => ["assets", i, "match", j],
    (path) => {
      const line = lineOf(path);
      return `${formatPath(path.at(-1) === "key" ? path.slice(0, 2) : path, keyOf)}${line === undefined ? "" : ` at line ${line}`}`;
    },
  );
  if (conflicts.length > 0)
    throw problemsError(
      source,
      conflicts.map((c) => problem(c.path, c.message)),
    );
  return { source, assets, defaults };
}

/** The `key:` of asset i in unvalidated data, for labels. */
function rawKey(input: unknown, i: number): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const assets = (input as { assets?: unknown }).assets;
  if (!Array.isArray(assets)) return undefined;
  const asset: unknown = assets[i];
  if (typeof asset !== "object" || asset === null) return undefined;
  const key = (asset as { key?: unknown }).key;
  return typeof key === "string" || typeof key === "number" ? String(key).trim() || undefined : undefined;
}

/**
 * Line of the deepest node on `path` that exists: the key of a mapping entry (where a misspelt or wrong
 * field is), an item of a list, or the enclosing node when the field is missing.
 */
function nodeLine(doc: Document, lineCounter: LineCounter, path: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
      // A value on the key's line shares its line; a nested mapping or list starts below it.
      if (i < path.length - 1) offset = rangeStart(node) ?? offset;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== "object" || node === null || !("range" in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === "number" ? range[0] : undefined;
}

/** The first line of a yaml error without its " at line N, column M:" suffix (the line is shown first). */
function yamlMessage(message: string): string {
  const first = message.split("\n", 1)[0] ?? message;
  const at = first.lastIndexOf(" at line ");
  return at > 0 ? first.slice(0, at) : first.replace(/:$/, "");
}
