import { z } from "zod";
import { PII_TYPES } from "../inspect/options.js";
import { DATA_CLASSES } from "../inspect/types.js";
import {
  baseUrl,
  credentialRef,
  detectionType,
  MAX_LIST,
  oneOf,
  oneOrMany,
  strict,
  text,
  token,
} from "./fields.js";
import { HOSTINGS, UPSTREAM_TYPES, WIRE_FORMATS } from "./types.js";

/**
 * The shape of the `ai:` section as written, before defaults: every field is optional here so the
 * builder (build.ts) can tell "absent" (take the default) from "given" (`rules`, `models` and `upstreams`
 * replace the defaults entirely). Cross-references (a rule naming an upstream that exists, a reroute
 * target that routes) are checked afterwards in check.ts, where the whole section is known.
 */

export const AI_ACTIONS = ["allow", "warn", "redact", "block", "reroute"] as const;
export const RESPONSE_ACTIONS = ["allow", "warn", "redact", "block"] as const;

const list = <T extends z.ZodType>(item: T) => oneOrMany(item).optional();

const accessEntry = strict({
  tools: list(token(200)),
  upstreams: list(token(64)),
  models: list(token(200)),
});

const upstream = strict({
  type: oneOf(UPSTREAM_TYPES),
  baseUrl: baseUrl.optional(),
  apiVersion: z
    .string({ error: "expected an API version such as 2024-10-21" })
    .regex(/^[0-9A-Za-z.-]{1,40}$/, { error: "expected an API version such as 2024-10-21" })
    .optional(),
  apiKey: credentialRef.optional(),
  hosting: oneOf(HOSTINGS).optional(),
  formats: z
    .array(oneOf(WIRE_FORMATS), { error: "expected a list of wire formats (openai, anthropic)" })
    .min(1, { error: "expected at least one wire format" })
    .max(WIRE_FORMATS.length, { error: "each wire format at most once" })
    .refine((f) => new Set(f).size === f.length, { error: "each wire format at most once" })
    .optional(),
  timeoutMs: z
    .number({ error: "expected a number of milliseconds" })
    .int({ error: "expected a whole number of milliseconds" })
    .min(1, { error: "expected a positive number of milliseconds" })
    .max(86_400_000, { error: "expected at most 86400000 (one day)" })
    .optional(),
  headers: z
    .record(z.string(), z.string({ error: "expected a header value (text)" }), {
      error: "expected a mapping of header names to values",
    })
    .optional(),
});

const modelEntry = strict({
  name: token(200),
  upstream: token(64),
  as: token(200).optional(),
});

const rule = strict({
  data: oneOrMany(oneOf(DATA_CLASSES)),
  to: list(token(64)),
  action: oneOf(AI_ACTIONS),
  model: token(200).optional(),
  teams: list(text(200)),
  users: list(text(200)),
  tools: list(token(200)),
  types: list(detectionType),
  message: text(500).optional(),
});

const responses = strict(
  Object.fromEntries(DATA_CLASSES.map((c) => [c, oneOf(RESPONSE_ACTIONS).optional()])) as Record<
    (typeof DATA_CLASSES)[number],
    z.ZodOptional<ReturnType<typeof oneOf<typeof RESPONSE_ACTIONS>>>
  >,
);

const flag = z.boolean({ error: "expected true or false" }).optional();

/** Dictionary and pattern names become detection types (`dictionary:<name>`), so they are kept simple. */
const detectorName = z
  .string({ error: "expected a name such as codenames" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, {
    error: "expected a name such as codenames (letters, digits, _ and -)",
  });

/** The inspector matches terms, labels and allowlist entries of up to 512 characters. */
const terms = z
  .array(text(512), { error: "expected a list" })
  .max(MAX_LIST, { error: `expected at most ${MAX_LIST} entries` });

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** `corp.example.com` (a leading `*.` or trailing `.` is accepted, as the inspector does). */
const domainName = z.string({ error: "expected a domain name such as corp.example.com" }).refine(
  (value) => {
    const d = value.trim().toLowerCase().replace(/^\*\./, "").replace(/\.$/, "");
    const labels = d.split(".");
    return d.length <= 253 && labels.length >= 2 && labels.every((l) => HOST_LABEL.test(l));
  },
  { error: "expected a domain name such as corp.example.com" },
);

const detectors = strict({
  pii: z
    .union(
      [
        z.boolean(),
        strict({
          types: z
            .array(oneOf(PII_TYPES), { error: "expected a list of PII types" })
            .max(PII_TYPES.length, { error: "each PII type at most once" })
            .optional(),
        }),
      ],
      { error: `expected true, false or { types: [...] } with types among ${PII_TYPES.join(", ")}` },
    )
    .optional(),
  sourceCode: flag,
  injection: flag,
  unsafeCode: flag,
  allowlist: terms.optional(),
  confidential: strict({
    labels: terms.optional(),
    domains: z
      .array(domainName, { error: "expected a list of domain names" })
      .max(MAX_LIST, { error: `expected at most ${MAX_LIST} entries` })
      .optional(),
    dictionaries: z
      .record(detectorName, terms, { error: "expected a mapping of names to word lists" })
      .optional(),
    patterns: z
      .array(strict({ name: detectorName, pattern: text(500) }), {
        error: "expected a list of { name, pattern }",
      })
      .max(MAX_LIST, { error: `expected at most ${MAX_LIST} entries` })
      .optional(),
  }).optional(),
});

const WORKERS = 'expected a number of processes from 1 to 64, or "auto"';

/** A whole number from `min` to `max`; whatever is wrong with it, the error is `message`. */
const integer = (min: number, max: number, message: string) =>
  z
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });

const gateway = strict({
  host: token(255).optional(),
  port: integer(0, 65535, "expected a port number from 0 to 65535").optional(),
  maxBodyBytes: z
    .number({ error: "expected a number of bytes" })
    .int({ error: "expected a whole number of bytes" })
    .min(1024, { error: "expected at least 1024 bytes" })
    .max(1_073_741_824, { error: "expected at most 1073741824 bytes (1 GiB)" })
    .optional(),
  hashKey: credentialRef.optional(),
  inspectionCache: integer(0, 100_000, "expected a number of texts from 0 to 100000").optional(),
  workers: z.union([z.literal("auto"), integer(1, 64, WORKERS)], { error: WORKERS }).optional(),
});

/** The `ai:` section as written (all optional). */
export const aiSectionSchema = strict({
  failMode: oneOf(["closed", "open"]).optional(),
  upstreams: z
    .record(z.string(), upstream, { error: "expected a mapping of upstream names to settings" })
    .optional(),
  models: z
    .array(modelEntry, { error: "expected a list of { name, upstream } entries" })
    .max(MAX_LIST, { error: `expected at most ${MAX_LIST} entries` })
    .optional(),
  access: strict({
    default: accessEntry.optional(),
    teams: z
      .record(z.string(), accessEntry, { error: "expected a mapping of team names to access" })
      .optional(),
    users: z.record(z.string(), accessEntry, { error: "expected a mapping of users to access" }).optional(),
  }).optional(),
  rules: z
    .array(rule, { error: "expected a list of rules" })
    .max(MAX_LIST, { error: `expected at most ${MAX_LIST} rules` })
    .optional(),
  responses: responses.optional(),
  detectors: detectors.optional(),
  gateway: gateway.optional(),
});

export type AiSection = z.output<typeof aiSectionSchema>;
export type RawUpstream = z.output<typeof upstream>;
export type RawRule = z.output<typeof rule>;
export type RawAccessEntry = z.output<typeof accessEntry>;
