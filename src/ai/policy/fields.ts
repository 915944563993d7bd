import { z } from "zod";
import type { CredentialRef } from "./types.js";

/**
 * The building blocks of the `ai:` schema: field validators whose messages say what is expected, in the
 * words docs/ai-policy.md uses, and never repeat a value that could be a secret.
 */

/** Longest list the policy accepts anywhere; bounds the work of one decision. */
export const MAX_LIST = 1000;

/**
 * One of fixed values, with a message that lists them.
 *
 * @example oneOf(["closed", "open"]).safeParse("maybe") // fails: expected one of "closed", "open"
 */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}` });
}

/**
 * An object that rejects unknown fields, naming them and the fields that are allowed.
 *
 * @example strict({ name: text(10) }).safeParse({ nam: "x" }) // fails: unknown field "nam" (allowed: name)
 */
export function strict<S extends z.core.$ZodLooseShape>(shape: S) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys") {
        const keys = issue.keys.map((k) => JSON.stringify(k.slice(0, 64))).join(", ");
        return `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys} (allowed: ${allowed})`;
      }
      if (issue.code === "invalid_type") return "expected a mapping of settings";
      return undefined;
    },
  });
}

/**
 * True when `text` holds a control character (a line break, a tab, NUL).
 *
 * @example hasControlCharacter("a\nb") // true
 */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Free text of at most `max` characters, on one line.
 *
 * @example text(500).parse("Code stays on our own model.")
 */
export function text(max: number) {
  return z
    .string({ error: "expected text" })
    .min(1, { error: "must not be empty" })
    .max(max, { error: `expected at most ${max} characters` })
    .refine((s) => !hasControlCharacter(s), { error: "must be on one line, without control characters" });
}

/**
 * A name without spaces: models (`qwen2.5-coder:32b`, `accounts/x/models/y`), tools, globs of them.
 *
 * @example token(200).parse("gpt-*")
 */
export const token = (max: number) =>
  text(max).refine((s) => !/\s/.test(s), { error: "must not contain spaces" });

/**
 * A detection type id as the inspector reports it: `aws-access-key-id`, `email`.
 *
 * @example detectionType.parse("github-token")
 */
export const detectionType = z
  .string({ error: "expected a detection type such as aws-access-key-id" })
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, {
    error: "expected a detection type such as aws-access-key-id (lower-case letters, digits and -)",
  });

/**
 * One value or a list of them, always returned as a list. Items are validated one by one so an error
 * names the item (`ai.rules[0].data[1]`) when a list was written, and the field when a single value was.
 *
 * @example oneOrMany(oneOf(["a", "b"])).parse("a") // ["a"]
 */
export function oneOrMany<T extends z.ZodType>(item: T) {
  return z.unknown().transform((value, ctx): z.output<T>[] => {
    if (value === undefined) {
      ctx.issues.push({ code: "custom", message: "required", input: undefined });
      return z.NEVER;
    }
    const list: unknown[] | undefined = Array.isArray(value)
      ? value
      : typeof value === "object" && value !== null
        ? undefined
        : [value];
    if (list === undefined) {
      ctx.issues.push({ code: "custom", message: "expected a value or a list of values", input: undefined });
      return z.NEVER;
    }
    if (list.length > MAX_LIST) {
      ctx.issues.push({ code: "custom", message: `expected at most ${MAX_LIST} entries`, input: undefined });
      return z.NEVER;
    }
    const out: z.output<T>[] = [];
    list.forEach((entry, i) => {
      const r = item.safeParse(entry);
      if (r.success) out.push(r.data);
      else
        for (const issue of r.error.issues) {
          const path = Array.isArray(value) ? [i, ...issue.path] : issue.path;
          ctx.issues.push({ code: "custom", message: issue.message, input: undefined, path });
        }
    });
    return out;
  });
}

/**
 * `{ env: NAME }` or `{ file: PATH }`. An inline string is refused without repeating it: it is most
 * likely the secret itself, and an error message must never carry a secret.
 *
 * @example credentialRef.parse({ env: "OPENAI_API_KEY" }) // { env: "OPENAI_API_KEY" }
 */
export const credentialRef = z.unknown().transform((value, ctx): CredentialRef => {
  const problem = (message: string) => {
    ctx.issues.push({ code: "custom", message, input: undefined });
    return z.NEVER;
  };
  if (typeof value === "string" || typeof value === "number") {
    return problem(
      "do not write the key in detente.yaml; give where to read it instead: { env: NAME } or { file: PATH }",
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return problem("expected { env: NAME } or { file: PATH }");
  }
  const keys = Object.keys(value);
  const v = value as Record<string, unknown>;
  if (keys.length !== 1 || (keys[0] !== "env" && keys[0] !== "file")) {
    return problem("expected exactly one of { env: NAME } or { file: PATH }");
  }
  if (keys[0] === "env") {
    // Not echoed: a pasted key in place of a variable name is exactly what this catches.
    if (typeof v.env !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,255}$/.test(v.env)) {
      return problem("env: expected an environment variable name (letters, digits and _)");
    }
    return { env: v.env };
  }
  if (typeof v.file !== "string" || v.file.length === 0 || v.file.length > 4096 || v.file.includes("\0")) {
    return problem("file: expected a file path");
  }
  return { file: v.file };
});

/**
 * An http(s) URL without credentials; returned without a trailing slash. Never echoed (it may hold a token).
 *
 * @example baseUrl.parse("http://127.0.0.1:11434/v1/") // "http://127.0.0.1:11434/v1"
 */
export const baseUrl = z.string({ error: "expected an http(s) URL" }).transform((value, ctx) => {
  let url: URL | undefined;
  try {
    url = value.length <= 2048 ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    ctx.issues.push({ code: "custom", message: "expected an http:// or https:// URL", input: undefined });
    return z.NEVER;
  }
  if (url.username || url.password) {
    ctx.issues.push({
      code: "custom",
      message: "must not contain a user name or password; put the credential in apiKey",
      input: undefined,
    });
    return z.NEVER;
  }
  if (url.hash) {
    ctx.issues.push({ code: "custom", message: "must not contain a #fragment", input: undefined });
    return z.NEVER;
  }
  return url.href.replace(/\/+$/, "");
});
