import type { KeyObject } from "node:crypto";
import { DetenteError } from "../../errors.js";
import { registerSourceCode } from "./code/source-code.js";
import { compilePatterns } from "./confidential/patterns.js";
import { registerDomains, registerTerms } from "./confidential/terms.js";
import { hashKeyOf, keyedHash } from "./hash.js";
import { registerEncodedInstructions, registerHiddenUnicode } from "./injection/hidden.js";
import { registerInjectionPhrases } from "./injection/phrases.js";
import {
  type Detector,
  type InspectorOptions,
  type ResolvedOptions,
  TEXT_ROLES,
  resolveOptions,
} from "./options.js";
import { resolveOverlaps } from "./overlap.js";
import { registerEmail } from "./pii/email.js";
import { registerIban } from "./pii/iban.js";
import { registerIpv6 } from "./pii/ipv6.js";
import { registerNumbers } from "./pii/numbers.js";
import { Plan } from "./plan.js";
import { type Hit, LazyFields, RANK, Scan, type TextPass } from "./scan.js";
import { registerAccountPairs } from "./secrets/account-pairs.js";
import { registerAssignments } from "./secrets/assignment.js";
import { registerCallArguments } from "./secrets/call-arguments.js";
import { registerCommandLine } from "./secrets/command-line.js";
import { registerConfigLines } from "./secrets/config-lines.js";
import { registerContextWords } from "./secrets/context-words.js";
import { registerMarkup } from "./secrets/markup.js";
import { registerSqlCredentials } from "./secrets/sql-credentials.js";
import { registerStructuredSecrets } from "./secrets/structured.js";
import { registerUrlCredentials } from "./secrets/url-credentials.js";
import { registerVendorSecrets } from "./secrets/vendor.js";
import type { Detection, TextRole } from "./types.js";
import { registerCodeBuilding } from "./unsafe/code-building.js";
import { registerTlsChecks } from "./unsafe/tls.js";

/**
 * An inspector: every detector set up once, run on one text at a time.
 *
 * @example
 * const detections = inspector.inspect("my key is ghp_...", "user");
 */
export interface Inspector {
  /** All detections in `text`, ordered by start; overlapping hits resolved (the more specific wins). */
  inspect(text: string, role: TextRole): Detection[];
}

/** Which detector families run on which role (documented in the module README). */
export const ROLE_GATES: Readonly<Record<"injection" | "unsafeCode" | "sourceCode", readonly TextRole[]>> = {
  // Tool definitions come from MCP servers: a poisoned description is an injection the model reads.
  injection: ["user", "tool-result", "tool-definition"],
  unsafeCode: ["response", "assistant"],
  // Not tool definitions: assistants' tool descriptions carry example snippets in every request, and
  // a source-code rule (reroute, block) would then catch every request instead of the user's code.
  sourceCode: ["user", "assistant", "tool-result"],
};

/** Run plug-in detectors; one that throws or emits a bad span becomes a `detector-error:<id>` hit. */
function pluginPass(detectors: readonly Detector[]): TextPass {
  return (text, scan) => {
    for (const d of detectors) {
      const found: { type: string; start: number; end: number; confidence: number }[] = [];
      try {
        d.find(text, (type, start, end, confidence) => {
          const ok =
            typeof type === "string" &&
            /^[a-z0-9][a-z0-9:_-]{0,99}$/i.test(type) &&
            Number.isInteger(start) &&
            Number.isInteger(end) &&
            start >= 0 &&
            end > start &&
            end <= text.length &&
            typeof confidence === "number" &&
            confidence >= 0 &&
            confidence <= 1;
          if (!ok) throw new Error("invalid emit");
          found.push({ type, start, end, confidence });
        });
      } catch {
        // Fail closed: the policy sees that this data class could not be checked.
        if (text.length > 0) scan.emit(d.dataClass, `detector-error:${d.id}`, 0, text.length, 1, RANK.plugin);
        continue;
      }
      for (const f of found) scan.emit(d.dataClass, f.type, f.start, f.end, f.confidence, RANK.plugin);
    }
  };
}

function buildPlan(role: TextRole, o: ResolvedOptions, patterns: TextPass | undefined, decoded: Plan): Plan {
  const plan = new Plan();
  if (o.secrets) {
    registerVendorSecrets(plan);
    registerStructuredSecrets(plan);
    registerUrlCredentials(plan);
    registerAssignments(plan);
    registerContextWords(plan);
    registerAccountPairs(plan);
    registerCommandLine(plan);
    registerCallArguments(plan);
    registerConfigLines(plan);
    registerSqlCredentials(plan);
    registerMarkup(plan);
  }
  const pii = o.piiTypes;
  if (pii.has("email")) registerEmail(plan);
  if (pii.has("phone") || pii.has("payment-card") || pii.has("us-ssn") || pii.has("ipv4")) {
    registerNumbers(plan, pii);
  }
  if (pii.has("iban")) registerIban(plan);
  if (pii.has("ipv6")) registerIpv6(plan);
  registerTerms(plan, o.labels, o.dictionaries);
  registerDomains(plan, o.domains);
  if (patterns !== undefined) plan.pass(patterns);
  if (o.injection && ROLE_GATES.injection.includes(role)) {
    registerInjectionPhrases(plan);
    registerHiddenUnicode(plan);
    registerEncodedInstructions(plan, (text) => {
      const scan = new Scan(text);
      decoded.run(text, scan);
      return scan.hits.length > 0;
    });
  }
  if (o.unsafeCode && ROLE_GATES.unsafeCode.includes(role)) {
    registerTlsChecks(plan);
    registerCodeBuilding(plan);
  }
  if (o.sourceCode && ROLE_GATES.sourceCode.includes(role)) registerSourceCode(plan);
  const plugins = o.extraDetectors.filter((d) => d.roles === undefined || d.roles.includes(role));
  if (plugins.length > 0) plan.pass(pluginPass(plugins));
  return plan.seal();
}

/**
 * A detection as `inspect` returns it. The hash is computed when first read: a prompt full of code blocks
 * yields hundreds of detections, and the audit trail keeps only a few hashes per type. It is still an own
 * enumerable property (spread, `JSON.stringify` and equality see it), defined with one shared accessor:
 * a closure per detection made every detection an object of its own shape, ten times slower to create.
 * The text and the key are private fields, out of reach of logs and serialisation.
 */
class Found implements Detection {
  readonly dataClass: Detection["dataClass"];
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
  declare readonly hash: string;
  #text: string;
  #key: KeyObject;
  #hash: string | undefined;
  /** Fields worked out when first read (see `LazyFields`), and what they came to once read. */
  #lazy: LazyFields | undefined = undefined;
  #fields: Readonly<Record<string, string>> | undefined = undefined;

  constructor(h: Hit, text: string, key: KeyObject) {
    this.dataClass = h.dataClass;
    this.type = h.type;
    this.start = h.start;
    this.end = h.end;
    this.confidence = h.confidence;
    this.#text = text;
    this.#key = key;
    Object.defineProperty(this, "hash", Found.#hashProperty);
  }

  static readonly #hashProperty: PropertyDescriptor = {
    enumerable: true,
    get(this: Found): string {
      return (this.#hash ??= keyedHash(this.#key, this.#text.slice(this.start, this.end)));
    },
  };

  /** Give `d` the fields of `lazy`, each an accessor that works all of them out on the first read. */
  static withLazy(d: Found, lazy: LazyFields): Found {
    d.#lazy = lazy;
    for (const name of lazy.names) Object.defineProperty(d, name, Found.#lazyProperty(name));
    return d;
  }

  static readonly #lazyProperties = new Map<string, PropertyDescriptor>();

  static #lazyProperty(name: string): PropertyDescriptor {
    let p = Found.#lazyProperties.get(name);
    if (p === undefined) {
      p = {
        enumerable: true,
        get(this: Found): string | undefined {
          if (this.#lazy !== undefined) {
            this.#fields = this.#lazy.resolve(this.#text);
            this.#lazy = undefined;
          }
          return this.#fields?.[name];
        },
      };
      Found.#lazyProperties.set(name, p);
    }
    return p;
  }
}

/**
 * Build an inspector from options (validated: a bad option or pattern throws
 * `DetenteError("INVALID_CONFIG")` naming it). Each role gets its own scan plan with only the detectors
 * that run there, so `inspect` walks the text once. Detections carry offsets and a keyed hash, never the
 * matched text.
 *
 * @example
 * const inspector = createInspector({ hashKey: "per-deployment secret" });
 * inspector.inspect("postgres://app:Tr0ub4dor3@db.internal/app", "user");
 * // [{ dataClass: "secret", type: "connection-string", start: 19, end: 29, confidence: 0.92, hash: "..." }]
 */
export function createInspector(options: InspectorOptions): Inspector {
  const o = resolveOptions(options);
  const patterns = compilePatterns(o.patterns);
  const decoded = new Plan();
  registerInjectionPhrases(decoded);
  decoded.seal();
  const plans = new Map<TextRole, Plan>(
    TEXT_ROLES.map((role) => [role, buildPlan(role, o, patterns, decoded)]),
  );
  const allowlist = o.allowlist;
  const key = hashKeyOf(o.hashKey);
  return {
    inspect(text: string, role: TextRole): Detection[] {
      if (typeof text !== "string") throw new DetenteError("INVALID_INPUT", "inspect: expected text");
      const plan = plans.get(role);
      if (plan === undefined)
        throw new DetenteError("INVALID_INPUT", `inspect: unknown text role "${role as string}"`);
      const scan = new Scan(text);
      plan.run(text, scan);
      let hits = scan.hits;
      if (allowlist.size > 0) {
        hits = hits.filter(
          (h) =>
            h.dataClass === "injection" ||
            h.dataClass === "unsafe-code" ||
            h.dataClass === "source-code" ||
            !allowlist.has(text.slice(h.start, h.end)),
        );
      }
      const found: Detection[] = [];
      for (const h of resolveOverlaps(hits)) {
        const d = new Found(h, text, key);
        const extra = h.extra;
        if (extra === undefined) found.push(d);
        else if (extra instanceof LazyFields) found.push(Found.withLazy(d, extra));
        else found.push(Object.assign(d, extra));
      }
      return found;
    },
  };
}
