import { errorBody } from "../gateway/wire/index.js";
import { responsesJson, responsesStream } from "./openai-responses.js";
import type { Streamed, Turn } from "./turn.js";

type Json = Record<string, unknown>;

/** A stored-response request: which response, and what is asked of it. */
export interface StoredRequest {
  readonly action: "retrieve" | "delete" | "input_items" | "cancel";
  readonly id: string;
  /** Azure's v1 API (`/openai/v1/responses/...`, `api-key`), or OpenAI's (`/v1/responses/...`). */
  readonly azure: boolean;
}

/** What to answer: a JSON body with its status, or an event stream. */
export type StoredAnswer =
  { readonly status: number; readonly body: unknown } | { readonly stream: Streamed };

/**
 * The stored-response request of a method and path (query removed), or undefined: `GET` and `DELETE
 * /v1/responses/{id}`, `GET .../input_items`, `POST .../cancel`, also under Azure's `/openai/v1`.
 *
 * @example storedRequestOf("GET", "/v1/responses/resp_1") // { action: "retrieve", id: "resp_1", azure: false }
 */
export function storedRequestOf(method: string, path: string): StoredRequest | undefined {
  const azure = path.startsWith("/openai/v1/responses/");
  if (!azure && !path.startsWith("/v1/responses/")) return undefined;
  const parts = path.slice(azure ? 21 : 14).split("/");
  if (parts[0] === "" || parts.length > 2) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(parts[0]!);
  } catch {
    return undefined;
  }
  if (parts.length === 1) {
    if (method === "GET") return { action: "retrieve", id, azure };
    if (method === "DELETE") return { action: "delete", id, azure };
    return undefined;
  }
  if (parts[1] === "input_items" && method === "GET") return { action: "input_items", id, azure };
  if (parts[1] === "cancel" && method === "POST") return { action: "cancel", id, azure };
  return undefined;
}

/** What is kept of a response: the turn that made it (to build it again), whether it was cancelled. */
interface Kept {
  readonly turn: Turn;
  cancelled: boolean;
}

/**
 * The responses the fake created with `store` on (the Responses API's default), the most recent
 * `max` of them, answered as OpenAI answers the stored-response routes: the response (whole, or its
 * events with `?stream=true`), its input items (paged by `after`, `limit` and `order`, newest first by
 * default), its deletion, and cancelling one made with `background: true` (any other is a 400). An id
 * it does not hold is a 404 with OpenAI's message.
 *
 * @example const stored = new StoredResponses(); stored.keep(turn); stored.answer(request, query);
 */
export class StoredResponses {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly max = 1000) {}

  /** Keep the response a turn made (its id is `resp_<turn id>`). */
  keep(turn: Turn): void {
    this.kept.set(`resp_${turn.id}`, { turn, cancelled: false });
    if (this.kept.size > this.max) this.kept.delete(this.kept.keys().next().value!);
  }

  clear(): void {
    this.kept.clear();
  }

  answer(request: StoredRequest, query: URLSearchParams): StoredAnswer {
    const kept = this.kept.get(request.id);
    if (!kept) {
      const message = `Response with id '${request.id}' not found.`;
      return { status: 404, body: errorBody("openai", 404, message) };
    }
    const response = (): Json => ({
      ...responsesJson(kept.turn),
      ...(kept.cancelled ? { status: "cancelled" } : {}),
    });
    switch (request.action) {
      case "retrieve":
        if (query.get("stream") === "true") return { stream: responsesStream(kept.turn) };
        return { status: 200, body: response() };
      case "delete":
        this.kept.delete(request.id);
        return { status: 200, body: { id: request.id, object: "response.deleted", deleted: true } };
      case "cancel":
        if (kept.turn.body.background !== true) {
          const message = "Only responses created with background=true can be cancelled.";
          return { status: 400, body: errorBody("openai", 400, message) };
        }
        kept.cancelled = true;
        return { status: 200, body: response() };
      case "input_items":
        return { status: 200, body: inputItemsPage(kept.turn, query) };
    }
  }
}

/** A page of a response's input items, as OpenAI lists them. */
function inputItemsPage(turn: Turn, query: URLSearchParams): Json {
  const all = inputItems(turn);
  if (query.get("order") !== "asc") all.reverse(); // newest first unless asked otherwise
  const after = query.get("after");
  const from = after === null ? 0 : all.findIndex((item) => item.id === after) + 1;
  const limit = Math.min(Math.max(Number(query.get("limit") ?? 20) || 20, 1), 100);
  const data = all.slice(from, from + limit);
  return {
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: from + limit < all.length,
  };
}

/** The request's input as stored items, each with an id (a string input is one user message). */
function inputItems(turn: Turn): Json[] {
  const input = turn.body.input;
  const items: unknown[] = typeof input === "string" ? [{ role: "user", content: input }] : [];
  if (Array.isArray(input)) items.push(...(input as unknown[]));
  return items
    .filter((item): item is Json => typeof item === "object" && item !== null)
    .map((item, i) => {
      const id = typeof item.id === "string" ? item.id : `msg_${turn.id}_${i}`;
      if (item.type !== undefined && item.type !== "message") return { ...item, id };
      const content =
        typeof item.content === "string"
          ? [{ type: item.role === "assistant" ? "output_text" : "input_text", text: item.content }]
          : item.content;
      return { id, type: "message", role: item.role, status: "completed", content };
    });
}
