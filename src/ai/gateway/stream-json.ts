import { jsonStringContent } from "../inspect/index.js";
import { membersIn, parseJson, stringifyJson } from "./wire/json-parse.js";
import { pushJsonText } from "./wire/json-slots.js";
import type { TextSlot } from "./wire/types.js";

/**
 * How much of one streamed tool call's arguments is held back to be read whole (see `inspectArguments`).
 * Past it, the call's arguments are inspected as the text they are, piece by piece.
 */
export const MAX_HELD_ARGUMENTS = 8 * 1024 * 1024;

/**
 * A streamed tool call's arguments (Anthropic's `input_json_delta`, OpenAI's tool-call `arguments`, the
 * Responses API's `function_call_arguments.delta`) are JSON source. Read as text, the detectors would see
 * escapes (`\n`, `\"`) as part of the values next to them: a masked password would swallow the lines
 * after it, or a `\` and leave the JSON invalid, and a secret in a JSON file the model writes would go
 * unseen behind its escaped quotes. So the gateway holds them until the call ends (nothing can run a
 * tool before its arguments are whole) and reads them as a whole answer's tool input is read: each string
 * value decoded and inspected by `inspect` (which returns the text after its first `from` characters,
 * masked and with placeholders put back), and the JSON written again only when a value changed.
 * Arguments that are not a JSON object or array are read as the text they are, with placeholders put
 * back JSON-escaped.
 *
 * @example inspectArguments('{"cmd":"echo hi"}', (t, _, from) => t.slice(from)); // '{"cmd":"echo hi"}'
 */
export function inspectArguments(
  json: string,
  inspect: (
    text: string,
    encode: ((value: string) => string) | undefined,
    from: number,
    slot: TextSlot,
  ) => string,
): string {
  // A key given twice would leave the text to be read as JSON source, escapes and all. Clients read the
  // last value (JSON.parse, Python's json), so the arguments go as parsed: each key once, read decoded.
  const holder = { json: withoutRepeatedKeys(json) };
  const slots: TextSlot[] = [];
  // Each value with its key, as requests are read: `"password": "..."` is a password, its value alone
  // may not look like one.
  pushJsonText(slots, holder, "json", "response", "arguments");
  // Not JSON (cut short, or a key twice): one slot over the source itself.
  const source = slots.length === 1 && slots[0]!.text === holder.json;
  for (const slot of slots) {
    // A sibling's name shown before a `value` is read with it but is the sibling's own slot's: only what
    // follows is masked and restored here, so that the context is never rewritten (the slot could not
    // be split back into a key and a value).
    const ctx = slot.contextLength ?? 0;
    const text = inspect(slot.text, source ? jsonStringContent : undefined, ctx, slot);
    if (text !== slot.text.slice(ctx)) slot.replace(slot.text.slice(0, ctx) + text);
  }
  return holder.json;
}

/** `json` serialized as parsed when an object in it has a key twice; otherwise (or not JSON) as it is. */
function withoutRepeatedKeys(json: string): string {
  let parsed: { value: unknown; members: number };
  try {
    parsed = parseJson(json);
  } catch {
    return json;
  }
  if (typeof parsed.value !== "object" || parsed.value === null) return json;
  return parsed.members === membersIn(json) ? json : stringifyJson(parsed.value);
}
