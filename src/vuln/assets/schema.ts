import { z } from "zod";
import { compileMatcher } from "./matcher-values.js";
import { CRITICALITIES, EXPOSURES } from "./types.js";
import type { AssetMatcher, Criticality, Exposure } from "./types.js";

/**
 * zod schemas for the inventory file, written for people: every message says what was expected and what
 * was found ("expected one of mission-critical, high, medium, low (got "critical")"), and the loader puts
 * the file, line and field in front. YAML and CSV rows are both validated with `assetSchema`.
 */

export const MAX_ASSETS = 100_000;
export const MAX_MATCHERS_PER_ASSET = 1000;
const MAX_TEXT = 512;

/** The kinds of `match:` entries, in the order the docs list them. */
export const MATCH_KINDS = ["image", "host", "ip", "repo", "glob", "key"] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

/** How a value reads in a message: `"critical"`, `a number (3)`, `a list`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (typeof value === "string") return `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`;
  if (typeof value === "number") return `a number (${value})`;
  if (typeof value === "boolean") return `${value}`;
  if (Array.isArray(value)) return "a list";
  return "a mapping";
}

const nullToUndefined = (v: unknown): unknown => (v === null ? undefined : v);

/** A required, trimmed, non-empty string; numbers are taken as text (YAML reads `key: 1234` as a number). */
function text(what: string) {
  return z.preprocess(
    (v) => (typeof v === "number" ? String(v) : v),
    z
      .string({
        error: (iss) =>
          iss.input === undefined ? "is required" : `expected ${what}, got ${describeValue(iss.input)}`,
      })
      .trim()
      .min(1, { error: `expected ${what}, got an empty value` })
      .max(MAX_TEXT, { error: `must be at most ${MAX_TEXT} characters` }),
  );
}

function optionalText(what: string) {
  return z.preprocess(nullToUndefined, text(what).optional());
}

/** One of a fixed list of words, case-insensitive. */
function oneOf<T extends string>(values: readonly T[]) {
  const expected = `expected one of ${values.join(", ")}`;
  return z.preprocess(
    nullToUndefined,
    z.unknown().transform((v, ctx): T | undefined => {
      if (v === undefined) return undefined;
      const word = typeof v === "string" ? v.trim().toLowerCase() : "";
      const hit = values.find((x) => x === word);
      if (hit === undefined) {
        ctx.addIssue({ code: "custom", message: `${expected} (got ${describeValue(v)})` });
      }
      return hit;
    }),
  );
}

/**
 * An availability target: `99.95%`, `"99.95"`, `99.95` (read as percent when above 1) or `0.9995`;
 * `none` clears an inherited one. Returns the fraction.
 *
 * @example parseSlo("99.95%"); // 0.9995
 */
export function parseSlo(value: unknown): number | null | string {
  if (typeof value === "string" && value.trim().toLowerCase() === "none") return null;
  const expected = `expected an availability target such as 99.9% or 0.999, got ${describeValue(value)}`;
  let textValue = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  let percent = false;
  if (textValue.endsWith("%")) {
    percent = true;
    textValue = textValue.slice(0, -1).trim();
  }
  if (textValue === "" || !/^\d{1,3}(\.\d{1,9})?$/.test(textValue)) return expected;
  const n = Number(textValue);
  const fraction = percent || n > 1 ? n / 100 : n;
  if (!(fraction > 0 && fraction <= 1)) return expected;
  return Number(fraction.toFixed(12)); // 99.95 / 100 is 0.9994999999999999 in binary floating point
}

const slo = z.preprocess(
  nullToUndefined,
  z.unknown().transform((v, ctx): number | null | undefined => {
    if (v === undefined) return undefined;
    const parsed = parseSlo(v);
    if (typeof parsed === "string") {
      ctx.addIssue({ code: "custom", message: parsed });
      return undefined;
    }
    return parsed;
  }),
);

const tags = z.preprocess(
  nullToUndefined,
  z
    .array(text("a tag"), {
      error: (iss) => `expected a list of tags such as [pci, tier-1], got ${describeValue(iss.input)}`,
    })
    .max(100, { error: "at most 100 tags" })
    .optional(),
);

/** A strict object whose messages say what it should be and, for a misspelt field, which fields exist. */
function fields<T extends z.core.$ZodLooseShape>(what: string, shape: T) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown field; known fields: ${known}`
        : `expected ${what}, got ${describeValue(iss.input)}`,
  });
}

/**
 * One `match:` entry: a mapping with exactly one of image, host, ip, repo, glob, key. Checked by hand
 * rather than with a strict object so a misspelt kind gets one message ("unknown matcher kind") instead
 * of two.
 */
const matchEntry = z.unknown().transform((entry, ctx): AssetMatcher | undefined => {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    const example = "`- image: registry.example.com/team/app`";
    ctx.addIssue({
      code: "custom",
      message: `expected a mapping such as ${example}, got ${describeValue(entry)}`,
    });
    return undefined;
  }
  const fields = entry as Record<string, unknown>;
  const keys = Object.keys(fields);
  const unknown = keys.filter((k) => !(MATCH_KINDS as readonly string[]).includes(k));
  for (const key of unknown) {
    const message = `unknown matcher kind; expected one of ${MATCH_KINDS.join(", ")}`;
    ctx.addIssue({ code: "custom", message, path: [key] });
  }
  const present = MATCH_KINDS.filter((k) => keys.includes(k));
  if (unknown.length > 0) return undefined;
  if (present.length !== 1) {
    const got = present.length === 0 ? "none" : present.join(" and ");
    ctx.addIssue({
      code: "custom",
      message: `expected exactly one of ${MATCH_KINDS.join(", ")} (got ${got})`,
    });
    return undefined;
  }
  const kind = present[0]!;
  const raw = fields[kind];
  if (typeof raw !== "string" && typeof raw !== "number") {
    ctx.addIssue({
      code: "custom",
      message: `expected a ${kind} value, got ${describeValue(raw)}`,
      path: [kind],
    });
    return undefined;
  }
  const matcher: AssetMatcher = { kind, value: String(raw).trim() };
  const compiled = compileMatcher(matcher);
  if (typeof compiled === "string") {
    ctx.addIssue({ code: "custom", message: compiled, path: [kind] });
    return undefined;
  }
  return matcher;
});

/** One asset as written in the file, before defaults are applied. */
export const assetSchema = fields("an asset (a mapping with at least `key:`)", {
  key: text("a unique asset key such as payments-api"),
  name: optionalText("a display name"),
  owner: optionalText("an owning team"),
  environment: optionalText("an environment such as production"),
  criticality: oneOf<Criticality>(CRITICALITIES),
  exposure: oneOf<Exposure>(EXPOSURES),
  data: optionalText("a data classification such as internal or pci"),
  slo,
  tags,
  match: z.preprocess(
    nullToUndefined,
    z
      .array(matchEntry, { error: (iss) => `expected a list of matchers, got ${describeValue(iss.input)}` })
      .max(MAX_MATCHERS_PER_ASSET, { error: `at most ${MAX_MATCHERS_PER_ASSET} matchers per asset` })
      .optional(),
  ),
});
export type RawAsset = z.output<typeof assetSchema>;

/** The `defaults:` mapping. */
export const defaultsSchema = fields("a mapping of default fields", {
  owner: optionalText("an owning team"),
  environment: optionalText("an environment such as production"),
  criticality: oneOf<Criticality>(CRITICALITIES),
  exposure: oneOf<Exposure>(EXPOSURES),
  data: optionalText("a data classification"),
  slo,
});
export type RawDefaults = z.output<typeof defaultsSchema>;

/** The whole YAML file. */
export const inventorySchema = fields("a mapping with `defaults:` and an `assets:` list", {
  defaults: z.preprocess(nullToUndefined, defaultsSchema.optional()),
  assets: z
    .array(assetSchema, {
      error: (iss) =>
        iss.input === undefined
          ? "is required: a list of assets"
          : `expected a list of assets, got ${describeValue(iss.input)}`,
    })
    .max(MAX_ASSETS, { error: `at most ${MAX_ASSETS} assets per file` }),
});
