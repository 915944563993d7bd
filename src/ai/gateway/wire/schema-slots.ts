import type { TextRole } from "../../inspect/types.js";
import { pushJsonValue } from "./json-slots.js";
import { indexPath, isRecord, keyPath, pushString, readEntry, type Holder, type Json } from "./slots.js";
import type { TextSlot } from "./types.js";

/** Keywords whose value is data the model reads (allowed, default and example values), not a schema. */
const VALUE_KEYWORDS = new Set(["enum", "const", "default", "examples", "example"]);
/** Keywords whose value maps names to schemas: its keys are property names, not keywords. */
const NAMED_SCHEMAS = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
]);
/** Keywords whose string the model reads: descriptions, titles, a custom tool's grammar `definition`. */
const TEXT_KEYWORDS = new Set(["description", "title", "definition"]);

/** What a place in a schema holds. */
const SCHEMA = 0;
const NAMES = 1;
const VALUE = 2;
const TEXT = 3;
type Kind = typeof SCHEMA | typeof NAMES | typeof VALUE | typeof TEXT;

/**
 * Slots for what a model reads in a JSON schema (tool parameters, a structured-output schema, a custom
 * tool's grammar): every `description`, `title` and grammar `definition` at any depth, and the values of
 * `enum`, `const`, `default`, `examples` and `example` (see `pushJsonValue`: strings, long numbers and the
 * keys of object values). Property names are left alone: renaming one would break the tool's contract
 * with the client. A redacted enum or const value becomes its placeholder, which the model then answers
 * with and the gateway restores in the answer; a redacted number becomes a string (see `pushJsonValue`):
 * the schema stays valid JSON, and what the policy redacts is not sent.
 *
 * @example pushSchemaTexts(out, tool.input_schema, "tool-definition", "tools[0].input_schema");
 */
export function pushSchemaTexts(out: TextSlot[], schema: unknown, role: TextRole, path: string): void {
  const stack: [Holder, string | number, string, Kind][] = [[[schema], 0, path, SCHEMA]];
  while (stack.length > 0) {
    const [holder, key, p, kind] = stack.pop()!;
    if (kind === VALUE) {
      pushJsonValue(out, holder, key, role, p);
      continue;
    }
    if (kind === TEXT) {
      pushString(out, holder, key, role, p);
      continue;
    }
    const node = readEntry(holder, key);
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--)
        if (typeof node[i] === "object" && node[i] !== null) stack.push([node, i, indexPath(p, i), SCHEMA]);
    } else if (isRecord(node)) {
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        const value = node[k];
        const q = keyPath(p, k);
        const object = typeof value === "object" && value !== null;
        if (kind === NAMES) {
          if (object) stack.push([node, k, q, SCHEMA]);
        } else if (VALUE_KEYWORDS.has(k)) stack.push([node, k, q, VALUE]);
        else if (TEXT_KEYWORDS.has(k) && typeof value === "string") stack.push([node, k, q, TEXT]);
        else if (object) stack.push([node, k, q, NAMED_SCHEMAS.has(k) ? NAMES : SCHEMA]);
      }
    }
  }
}

/**
 * Push slots for a tool definition: its name, description and what the model reads in its JSON schema
 * `fn[schemaKey]` (see `pushSchemaTexts`).
 *
 * @example pushToolDefinition(out, tool.function, "tools[0].function", "parameters");
 */
export function pushToolDefinition(out: TextSlot[], fn: Json, path: string, schemaKey: string): void {
  pushString(out, fn, "name", "tool-definition", `${path}.name`);
  pushString(out, fn, "description", "tool-definition", `${path}.description`);
  pushSchemaTexts(out, fn[schemaKey], "tool-definition", `${path}.${schemaKey}`);
}
