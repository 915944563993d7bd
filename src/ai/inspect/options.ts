import { DetenteError } from "../../errors.js";
import { DATA_CLASSES, type DataClass, type TextRole } from "./types.js";

/**
 * How an inspector is set up. Only `hashKey` is required: every detector is on by default, with the
 * built-in allowlists and the default confidential labels. See the module README for every type id.
 *
 * @example
 * const options: InspectorOptions = {
 *   hashKey: process.env.DETENTE_HASH_KEY!,
 *   pii: { types: ["email", "payment-card"] },
 *   confidential: { domains: ["corp.example.com"], dictionaries: { codenames: ["Bluebird"] } },
 * };
 */
export interface InspectorOptions {
  /** Key for the keyed hashes in detections (HMAC-SHA256). Required. */
  readonly hashKey: string | Uint8Array;
  readonly secrets?: boolean;
  readonly pii?: boolean | { readonly types?: readonly string[] };
  readonly confidential?: {
    /** Case-insensitive, word-bounded labels; default DEFAULT_LABELS, `[]` turns labels off. */
    readonly labels?: readonly string[];
    /** Internal domains: `corp.example.com` matches it and its subdomains. */
    readonly domains?: readonly string[];
    /** Name -> words/phrases (project code names); the type id is `dictionary:<name>`. */
    readonly dictionaries?: Readonly<Record<string, readonly string[]>>;
    /** Safe patterns (glob or restricted regex); the type id is `pattern:<name>`. */
    readonly patterns?: readonly { readonly name: string; readonly pattern: string }[];
  };
  readonly sourceCode?: boolean;
  readonly injection?: boolean;
  readonly unsafeCode?: boolean;
  /** More detectors (the pluggable place for more PII types etc.). */
  readonly extraDetectors?: readonly Detector[];
  /** Strings that are never secrets (known examples, placeholders) on top of the built-in allowlist. */
  readonly allowlist?: readonly string[];
}

/**
 * A plug-in detector: a manifest (id, data class, roles) plus a pure check, Portkey-plugin style. `find`
 * reports hits through `emit` with offsets into `text`; it must be linear in the text. A detector that
 * throws does not fail the request: the inspector reports a `detector-error` over the whole text instead
 * (fail closed), so the policy can still decide.
 *
 * @example
 * const employeeIds: Detector = {
 *   id: "employee-id",
 *   dataClass: "pii",
 *   find(text, emit) {
 *     for (const m of text.matchAll(/\bEMP-\d{6}\b/g)) emit("employee-id", m.index, m.index + m[0].length, 0.9);
 *   },
 * };
 */
export interface Detector {
  readonly id: string;
  readonly dataClass: DataClass;
  /** Where it runs; all roles when absent. */
  readonly roles?: readonly TextRole[];
  find(text: string, emit: (type: string, start: number, end: number, confidence: number) => void): void;
}

/** Every role a text can have. */
export const TEXT_ROLES: readonly TextRole[] = [
  "system",
  "user",
  "assistant",
  "tool-definition",
  "tool-result",
  "response",
];

/** The PII type ids the built-in detectors report (`pii.types` picks among them). */
export const PII_TYPES = ["email", "phone", "payment-card", "iban", "us-ssn", "ipv4", "ipv6"] as const;

/** Labels used when `confidential.labels` is not given. */
export const DEFAULT_LABELS: readonly string[] = [
  "CONFIDENTIAL",
  "STRICTLY CONFIDENTIAL",
  "INTERNAL ONLY",
  "INTERNAL USE ONLY",
  "DO NOT DISTRIBUTE",
  "NOT FOR DISTRIBUTION",
  "TRADE SECRET",
  "PROPRIETARY AND CONFIDENTIAL",
  "ATTORNEY-CLIENT PRIVILEGED",
];

/** The options after validation, with defaults filled in. */
export interface ResolvedOptions {
  readonly hashKey: string | Uint8Array;
  readonly secrets: boolean;
  readonly piiTypes: ReadonlySet<string>;
  readonly labels: readonly string[];
  readonly domains: readonly string[];
  readonly dictionaries: readonly { readonly name: string; readonly terms: readonly string[] }[];
  readonly patterns: readonly { readonly name: string; readonly pattern: string }[];
  readonly sourceCode: boolean;
  readonly injection: boolean;
  readonly unsafeCode: boolean;
  readonly extraDetectors: readonly Detector[];
  readonly allowlist: ReadonlySet<string>;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function fail(message: string): never {
  throw new DetenteError("INVALID_CONFIG", `inspector: ${message}`);
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) fail(`${where}: expected a list of strings`);
  return value.map((v, i) => {
    if (typeof v !== "string" || v.trim() === "") fail(`${where}[${i}]: expected a non-empty string`);
    if (v.length > 512) fail(`${where}[${i}]: longer than 512 characters`);
    return v;
  });
}

function flag(value: unknown, where: string): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean") fail(`${where}: expected true or false`);
  return value;
}

function domain(value: string, where: string): string {
  const d = value.trim().toLowerCase().replace(/^\*\./, "").replace(/\.$/, "");
  const labels = d.split(".");
  if (labels.length < 2 || labels.some((l) => !HOST_LABEL.test(l)) || d.length > 253) {
    fail(`${where}: "${value}" is not a domain name such as corp.example.com`);
  }
  return d;
}

function detector(value: unknown, where: string): Detector {
  const d = value as Partial<Detector> | null;
  if (d === null || typeof d !== "object") fail(`${where}: expected a detector object`);
  if (typeof d.id !== "string" || !NAME.test(d.id))
    fail(`${where}.id: expected a name such as "employee-id"`);
  if (d.dataClass === undefined || !DATA_CLASSES.includes(d.dataClass)) {
    fail(`${where}.dataClass: expected one of ${DATA_CLASSES.join(", ")}`);
  }
  if (typeof d.find !== "function") fail(`${where}.find: expected a function`);
  if (d.roles !== undefined) {
    const roles = strings(d.roles, `${where}.roles`);
    for (const r of roles)
      if (!TEXT_ROLES.includes(r as TextRole)) fail(`${where}.roles: unknown role "${r}"`);
  }
  return d as Detector;
}

/**
 * Validate inspector options and fill in defaults. Throws `DetenteError("INVALID_CONFIG")` naming the
 * field; pattern syntax is checked separately by the safe-pattern compiler.
 *
 * @example resolveOptions({ hashKey: "k" }).piiTypes.has("email") // true
 */
export function resolveOptions(options: InspectorOptions): ResolvedOptions {
  const o = options as Partial<InspectorOptions> | undefined;
  if (o === undefined || o === null || typeof o !== "object") fail("expected an options object");
  const key = o.hashKey;
  if (!(typeof key === "string" || key instanceof Uint8Array) || key.length === 0) {
    fail("hashKey: expected a non-empty string or Uint8Array");
  }
  let piiTypes: ReadonlySet<string> = new Set(PII_TYPES);
  if (o.pii === false) piiTypes = new Set();
  else if (o.pii !== undefined && o.pii !== true) {
    if (typeof o.pii !== "object") fail("pii: expected true, false or { types }");
    if (o.pii.types !== undefined) {
      const types = strings(o.pii.types, "pii.types");
      for (const t of types) {
        if (!(PII_TYPES as readonly string[]).includes(t)) {
          fail(`pii.types: unknown type "${t}" (known: ${PII_TYPES.join(", ")})`);
        }
      }
      piiTypes = new Set(types);
    }
  }
  const c = o.confidential ?? {};
  if (typeof c !== "object") fail("confidential: expected an object");
  const labels = c.labels === undefined ? DEFAULT_LABELS : strings(c.labels, "confidential.labels");
  const domains = strings(c.domains ?? [], "confidential.domains").map((d, i) =>
    domain(d, `confidential.domains[${i}]`),
  );
  const dictionaries = Object.entries(c.dictionaries ?? {}).map(([name, terms]) => {
    if (!NAME.test(name)) fail(`confidential.dictionaries: "${name}" is not a name such as "codenames"`);
    return { name, terms: strings(terms, `confidential.dictionaries.${name}`) };
  });
  const patterns = (Array.isArray(c.patterns) ? c.patterns : []).map((p: unknown, i: number) => {
    const q = p as { name?: unknown; pattern?: unknown } | null;
    if (q === null || typeof q !== "object" || typeof q.name !== "string" || !NAME.test(q.name)) {
      fail(`confidential.patterns[${i}].name: expected a name such as "ticket-id"`);
    }
    if (typeof q.pattern !== "string" || q.pattern === "") {
      fail(`confidential.patterns[${i}] "${q.name}": expected a non-empty pattern`);
    }
    return { name: q.name, pattern: q.pattern };
  });
  if (c.patterns !== undefined && !Array.isArray(c.patterns)) fail("confidential.patterns: expected a list");
  const extra = o.extraDetectors ?? [];
  if (!Array.isArray(extra)) fail("extraDetectors: expected a list");
  const extraDetectors = extra.map((d: unknown, i: number) => detector(d, `extraDetectors[${i}]`));
  return {
    hashKey: key,
    secrets: flag(o.secrets, "secrets"),
    piiTypes,
    labels,
    domains,
    dictionaries,
    patterns,
    sourceCode: flag(o.sourceCode, "sourceCode"),
    injection: flag(o.injection, "injection"),
    unsafeCode: flag(o.unsafeCode, "unsafeCode"),
    extraDetectors,
    allowlist: new Set(strings(o.allowlist ?? [], "allowlist")),
  };
}
