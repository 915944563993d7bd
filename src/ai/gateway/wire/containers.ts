// Where requests and answers carry the ids of code-execution containers: the provider keeps a
// container (with the files uploaded to it and those its code wrote) for later requests that name it,
// and reads it to whoever names it, since every caller shares detente's credential.
import { arrayOf, isRecord, stringOf, type Json } from "./slots.js";
import type { WireEvent } from "./types.js";

/**
 * The containers a Responses request names by id: a `code_interpreter` tool's `container` when it is a
 * string (not `{ "type": "auto", ... }`), a `container_reference`'s `container_id` as a `shell`
 * tool's `environment` or an input `shell_call`'s (openai-node's `ContainerReference`), and an input
 * `code_interpreter_call`'s `container_id`.
 *
 * @example responsesNamedContainers({ tools: [{ type: "code_interpreter", container: "cntr_1" }] }); // ["cntr_1"]
 */
export function responsesNamedContainers(body: Json): string[] {
  const ids = new Set<string>();
  for (const tool of arrayOf(body.tools)) {
    if (!isRecord(tool)) continue;
    if (tool.type === "code_interpreter") push(ids, stringOf(tool.container));
    pushReference(ids, tool.environment);
  }
  // Input items as the answer's output items are read: a `code_interpreter_call` given back names its
  // container too (openai-node's `ResponseInputItem` includes `ResponseCodeInterpreterToolCall`).
  for (const item of arrayOf(body.input)) responsesItemContainers(ids, item);
  return [...ids];
}

/**
 * The containers a Responses answer (a response object: a whole answer, a retrieved one) ran code in:
 * its output items' (see `responsesItemContainers`).
 *
 * @example responsesAnswerContainers({ output: [{ type: "code_interpreter_call", container_id: "cntr_1" }] }); // ["cntr_1"]
 */
export function responsesAnswerContainers(body: Json): string[] {
  const ids = new Set<string>();
  for (const item of arrayOf(body.output)) responsesItemContainers(ids, item);
  return [...ids];
}

/**
 * The containers a Responses stream event tells of: in the response of `response.created`,
 * `.completed` (and the other `response.*` events that carry it), and in the item of
 * `response.output_item.added` and `.done`.
 */
export function responsesStreamContainers(event: WireEvent): readonly string[] {
  const d = event.data;
  if (isRecord(d.response)) return responsesAnswerContainers(d.response);
  if (d.type !== "response.output_item.added" && d.type !== "response.output_item.done") return NONE;
  const ids = new Set<string>();
  responsesItemContainers(ids, d.item);
  return [...ids];
}

/** A `code_interpreter_call`'s `container_id`; a `shell_call`'s `environment`, a container reference. */
function responsesItemContainers(ids: Set<string>, item: unknown): void {
  if (!isRecord(item)) return;
  if (item.type === "code_interpreter_call") push(ids, stringOf(item.container_id));
  pushReference(ids, item.environment);
}

function pushReference(ids: Set<string>, environment: unknown): void {
  if (isRecord(environment) && environment.type === "container_reference")
    push(ids, stringOf(environment.container_id));
}

/**
 * The container an Anthropic Messages request names to reuse: its top-level `container`, an id, or an
 * object with an `id` (and the `skills` to load).
 *
 * @example anthropicNamedContainers({ container: { id: "container_1", skills: [] } }); // ["container_1"]
 */
export function anthropicNamedContainers(body: Json): string[] {
  const ids = new Set<string>();
  const { container } = body;
  push(ids, isRecord(container) ? stringOf(container.id) : stringOf(container));
  return [...ids];
}

/**
 * The container an Anthropic answer used (code execution, skills): the message's `container.id`.
 *
 * @example anthropicAnswerContainers({ container: { id: "container_1", expires_at: "..." } }); // ["container_1"]
 */
export function anthropicAnswerContainers(body: Json): string[] {
  const ids = new Set<string>();
  if (isRecord(body.container)) push(ids, stringOf(body.container.id));
  return [...ids];
}

/** The container an Anthropic stream tells of: in `message_start`'s message, or `message_delta`'s delta. */
export function anthropicStreamContainers(event: WireEvent): readonly string[] {
  const d = event.data;
  if (d.type === "message_start" && isRecord(d.message)) return anthropicAnswerContainers(d.message);
  if (d.type === "message_delta" && isRecord(d.delta)) return anthropicAnswerContainers(d.delta);
  return NONE;
}

/** What most events carry: no container (shared, never written to). */
const NONE: readonly string[] = [];

function push(ids: Set<string>, id: string | undefined): void {
  if (id !== undefined && id.length > 0) ids.add(id);
}
