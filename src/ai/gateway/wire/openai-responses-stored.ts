import { openaiResponses } from "./openai-responses.js";
import { inputItemTexts, responsesRequestTexts } from "./openai-responses-input.js";
import { arrayOf, indexPath, isRecord } from "./slots.js";
import { streamless, type StreamlessFormat } from "./streamless.js";
import type { TextSlot, WireFormat } from "./types.js";

/**
 * What a stored response's input items and deletion share: no model, no request texts, no usage, and no
 * stream (see `streamless`: an event stream sent for one is inspected as text, never passed unread).
 */
const STORED: Omit<StreamlessFormat, "id" | "responseTexts"> = {
  family: "openai",
  model: () => undefined,
  setModel() {
    // Nothing to route: a stored response goes to the upstream that holds it.
  },
  requestTexts: () => [],
  usage: () => ({ input: null, output: null }),
};

/**
 * A stored response, retrieved (`GET /v1/responses/{id}`, whole or with `?stream=true` as the events
 * it streamed) or cancelled (`POST /v1/responses/{id}/cancel`): a Responses answer, read as one, whose
 * usage is not counted again (it was when the response was created).
 *
 * @example openaiResponsesStored.usage({ usage: { input_tokens: 5, output_tokens: 7 } }); // { input: null, output: null }
 */
export const openaiResponsesStored: WireFormat = {
  ...openaiResponses,
  id: "openai-responses-stored",
  // The stored object also echoes the request's instructions and tool definitions: read as answer text
  // too, as its input items are (`input_items`), since they reach the client again from the provider.
  responseTexts(body) {
    const out = openaiResponses.responseTexts(body);
    for (const slot of responsesRequestTexts(body)) out.push(slot);
    arrayOf(body.instructions).forEach((item, i) => {
      if (isRecord(item)) inputItemTexts(out, item, indexPath("instructions", i));
    });
    return out;
  },
  usage: () => ({ input: null, output: null }),
  streamUsage: () => ({}),
};

/**
 * The input items of a stored response (`GET /v1/responses/{id}/input_items`, the SDK's
 * `responses.inputItems.list()`): `{ object: "list", data: [items...], first_id, last_id, has_more }`.
 * The items are what the caller sent (messages, tool calls and their outputs), read as a Responses
 * request's input items are, but as answer text: a secret in them is masked or withheld by
 * `ai.responses` like one in a stored answer, since it reaches the client again from the provider.
 *
 * @example openaiResponsesInputItems.responseTexts({ object: "list", data: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }] })[0]!.path; // "data[0].content[0].text"
 */
export const openaiResponsesInputItems: WireFormat = streamless({
  ...STORED,
  id: "openai-responses-input-items",
  responseTexts(body) {
    const out: TextSlot[] = [];
    arrayOf(body.data).forEach((item, i) => {
      if (isRecord(item)) inputItemTexts(out, item, indexPath("data", i));
    });
    return out;
  },
});

/**
 * The answer to deleting a stored response (`DELETE /v1/responses/{id}`): `{ id, object:
 * "response.deleted", deleted: true }`, with no text to read.
 *
 * @example openaiResponsesDeleted.responseTexts({ id: "resp_1", object: "response.deleted", deleted: true }); // []
 */
export const openaiResponsesDeleted: WireFormat = streamless({
  ...STORED,
  id: "openai-responses-deleted",
  responseTexts: () => [],
});
