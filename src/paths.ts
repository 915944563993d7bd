import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/**
 * The package root, found from this file's location so it is right both from `src/` (tests) and from
 * `dist/` (the built CLI): both sit one level under the root.
 *
 * @example join(packageRoot(), "drizzle") // migrations folder
 */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..");
}
