import type { z } from "zod";
import { DetenteError } from "../../errors.js";

/**
 * Problems found while loading an inventory, and the one error they become. Every problem names the
 * file, the line when known, and the field as a path a person can find: `assets[3] (payments-api).slo`.
 */

export type PathSegment = string | number;

export interface Problem {
  readonly line: number | undefined;
  /** Path within the file's data, e.g. ["assets", 3, "criticality"]. */
  readonly path: readonly PathSegment[];
  /** The path as shown to people; computed by the loader (it knows asset keys and CSV column names). */
  readonly label: string;
  readonly message: string;
}

/** Problems shown in one error message; the rest are counted, and all are in `details.problems`. */
const MAX_SHOWN = 20;

/**
 * zod issues as `{ path, message }`, with an unknown-field issue split into one per field and the field
 * appended to its path, so the line points at the misspelt key rather than its enclosing mapping.
 *
 * @example issueList(result.error); // [{ path: ["assets", 3, "critcality"], message: "unknown field; ..." }]
 */
export function issueList(error: z.ZodError): { path: PathSegment[]; message: string }[] {
  const out: { path: PathSegment[]; message: string }[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: [...path, key], message: issue.message });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

/**
 * Render a path as `assets[3] (payments-api).match[1].image`. `keyOf` gives an asset's key for the
 * parenthesis (from the raw data, so it works even when that asset failed validation); `rename` lets the
 * CSV loader show a column name instead of the path below an asset.
 *
 * @example formatPath(["assets", 3, "criticality"], () => "payments-api"); // "assets[3] (payments-api).criticality"
 */
export function formatPath(
  path: readonly PathSegment[],
  keyOf: (assetIndex: number) => string | undefined,
  rename?: (assetIndex: number, rest: readonly PathSegment[]) => string | undefined,
): string {
  let out = "";
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (typeof segment === "number") {
      out += `[${segment}]`;
      if (i === 1 && path[0] === "assets") {
        const key = keyOf(segment);
        if (key) out += ` (${key})`;
        const renamed = rename?.(segment, path.slice(2));
        if (renamed !== undefined) return `${out}.${renamed}`;
      }
    } else {
      out += out === "" ? segment : `.${segment}`;
    }
  }
  return out;
}

/**
 * One DetenteError("INVALID_CONFIG") for all problems of a file, in line order: one line per problem,
 * `assets.yaml: line 12: assets[3] (payments-api).criticality: expected one of ...`.
 *
 * @example throw problemsError("assets.yaml", problems);
 */
export function problemsError(source: string, problems: readonly Problem[]): DetenteError {
  const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const lines = sorted.slice(0, MAX_SHOWN).map((p) => {
    const where = p.line === undefined ? "" : ` line ${p.line}:`;
    const label = p.label === "" ? "" : ` ${p.label}:`;
    return `${source}:${where}${label} ${p.message}`;
  });
  if (sorted.length > MAX_SHOWN) lines.push(`${source}: ... and ${sorted.length - MAX_SHOWN} more problems`);
  return new DetenteError("INVALID_CONFIG", lines.join("\n"), { file: source, problems: sorted });
}
