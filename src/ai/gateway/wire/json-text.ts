import type { TextRole } from "../../inspect/types.js";
import { isRecord, pushString, readEntry, type Holder } from "./slots.js";
import { membersIn, parseJson, stringifyJson } from "./json-parse.js";
import { keepLayout } from "./json-layout.js";
import { ViewSlot } from "./slot-kinds.js";
import type { TextSlot } from "./types.js";

/**
 * A function that pushes the slots of the JSON value `holder[key]`: `pushJsonValue` (json-slots.ts).
 */
export type JsonWalk = (
  out: TextSlot[],
  holder: Holder,
  key: string | number,
  role: TextRole,
  path: string,
) => void;

/**
 * Slots over a string that holds JSON (OpenAI's tool-call `arguments`, a JSON tool result): the slots
 * `walk` finds in the parsed value, each replacement changing the
 * string. A string that is not a JSON object or array is one slot over the raw text, and so is one with a
 * key twice in an object: parsing keeps the last value only, but the string goes upstream as it came
 * when nothing is redacted, and the model reads both.
 *
 * @example pushJsonLeaves(out, call.function, "arguments", "response", "tool_calls[0].function.arguments", pushJsonValue);
 */
export function pushJsonLeaves(
  out: TextSlot[],
  holder: Holder,
  key: string | number,
  role: TextRole,
  path: string,
  walk: JsonWalk,
): void {
  const raw = readEntry(holder, key);
  if (typeof raw !== "string" || raw.length === 0) return;
  const first = raw.trimStart().charCodeAt(0);
  let parsed: unknown;
  let members = 0;
  if (first === 0x7b || first === 0x5b) {
    try {
      ({ value: parsed, members } = parseJson(raw));
    } catch {
      parsed = undefined;
    }
  }
  if ((!isRecord(parsed) && !Array.isArray(parsed)) || members !== membersIn(raw)) {
    pushString(out, holder, key, role, path);
    return;
  }
  const leaves: TextSlot[] = [];
  const box = [parsed];
  walk(leaves, box, 0, role, path);
  const changed = serializeOnRead(holder, key, box, raw);
  for (const leaf of leaves) out.push(new ViewSlot(leaf, role, leaf.path, changed));
}

/**
 * Make `holder[key]` the JSON text of `box[0]`, in the layout of `raw` (the text it was parsed from: see
 * `keepLayout`), serialized when it is read (by the `JSON.stringify` that sends the body) rather than
 * after every replacement, which would be quadratic in a JSON tool result with thousands of redacted
 * values. Returns the function to call after each change of `box[0]`; a write to `holder[key]` makes it
 * a plain value again.
 */
function serializeOnRead(holder: Holder, key: string | number, box: unknown[], raw: string): () => void {
  let installed = false;
  let serialized: string | undefined;
  const plain = (value: unknown) => {
    installed = false;
    Object.defineProperty(holder, key, { value, writable: true, enumerable: true, configurable: true });
  };
  return () => {
    serialized = undefined;
    if (installed) return;
    installed = true;
    Object.defineProperty(holder, key, {
      enumerable: true,
      configurable: true,
      get: () => (serialized ??= keepLayout(raw, stringifyJson(box[0]))),
      set: plain,
    });
  };
}
