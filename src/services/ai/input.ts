import type { z } from "zod";
import { DetenteError } from "../../errors.js";

/**
 * Parse a service's input with its zod schema, or throw INVALID_INPUT naming the first bad field. The
 * message names the field and the rule, never the value, which may be anything a caller typed.
 *
 * @example const q = parseInput(listEventsInput, input); // throws DetenteError("INVALID_INPUT", "limit: ...")
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join(".") || "input";
  throw new DetenteError("INVALID_INPUT", `${field}: ${issue?.message ?? "invalid"}`);
}

/** Control characters (C0 and DEL): names and labels shown in terminals must not carry any. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * A date from the drivers: node-postgres gives `Date`s, PGlite may give strings; null stays null.
 *
 * @example toDate(row.created_at) // Date
 */
export function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  return typeof value === "string" || typeof value === "number" ? new Date(value) : null;
}
