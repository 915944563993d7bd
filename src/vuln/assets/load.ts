import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { DetenteError } from "../../errors.js";
import { parseAssetsCsv } from "./load-csv.js";
import { MAX_INVENTORY_BYTES, parseAssetsYaml } from "./load-yaml.js";
import type { ParseAssetsOptions } from "./load-yaml.js";
import type { AssetInventory } from "./types.js";

/**
 * Read an inventory file, choosing YAML (`.yaml`, `.yml`) or CSV (`.csv`) by its extension. Every failure
 * (missing file, too large, invalid content) is a DetenteError("INVALID_CONFIG") that names the file.
 *
 * @example
 * const inventory = await loadAssets("assets.yaml");
 * const matcher = createAssetMatcher(inventory.assets, inventory.defaults);
 */
export async function loadAssets(path: string, options: ParseAssetsOptions = {}): Promise<AssetInventory> {
  const extension = extname(path).toLowerCase();
  const parser =
    extension === ".yaml" || extension === ".yml"
      ? parseAssetsYaml
      : extension === ".csv"
        ? parseAssetsCsv
        : null;
  if (!parser) {
    throw new DetenteError(
      "INVALID_CONFIG",
      `${path}: unknown inventory format "${extension || "(no extension)"}"; use .yaml, .yml or .csv`,
    );
  }
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new DetenteError("INVALID_CONFIG", `${path}: not a file`);
    if (info.size > MAX_INVENTORY_BYTES) {
      throw new DetenteError(
        "INVALID_CONFIG",
        `${path}: larger than ${MAX_INVENTORY_BYTES / 1024 / 1024} MiB`,
      );
    }
    text = await readFile(path, "utf8");
  } catch (e) {
    if (e instanceof DetenteError) throw e;
    throw new DetenteError(
      "INVALID_CONFIG",
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return parser(text, path, options);
}
