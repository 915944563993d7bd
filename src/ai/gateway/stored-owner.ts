import type { StoredResponseOwner } from "../../services/ai/stored-responses.js";
import type { GatewayDeps } from "./deps.js";
import type { Upstream, UpstreamType } from "./upstream.js";
import type { Exchange } from "./exchange.js";
import type { GatewayResponse } from "./http-shapes.js";
import { parseJson, stringifyJson } from "./wire/json-parse.js";

/** The longest response or item id noted (OpenAI's are 50-odd characters); a longer one is not a real id. */
const MAX_ID = 512;
/** Ids noted per response at most (its own and its output items'): an upstream cannot make it note without end. */
const MAX_NOTED = 1000;

/**
 * Note who created a stored response, from the response object of a Responses answer (the whole
 * answer's body, or a stream's `response.created` and `response.completed`) or an Anthropic thread's
 * message (the whole answer, or a stream's `message_start`), when the exchange creates one (see
 * `Exchange.createsStored`): its id, and the ids of the output items it holds, which a later request can
 * name by id (see `mayContinue`).
 *
 * @example createdStoredResponse(deps, x, parsed.response);
 */
export function createdStoredResponse(deps: GatewayDeps, x: Exchange, response: unknown): void {
  if (x.createsStored === null || typeof response !== "object" || response === null) return;
  noteId(deps, x, (response as { id?: unknown }).id);
  const output = (response as { output?: unknown }).output;
  if (Array.isArray(output)) for (const item of output as unknown[]) createdStoredItem(deps, x, item);
}

/**
 * Note who created an output item of a stored response (a stream's `response.output_item.added` and
 * `.done`), by its id, as `createdStoredResponse` does for the items of a whole answer.
 */
export function createdStoredItem(deps: GatewayDeps, x: Exchange, item: unknown): void {
  if (x.createsStored === null || typeof item !== "object" || item === null) return;
  noteId(deps, x, (item as { id?: unknown }).id);
}

function noteId(deps: GatewayDeps, x: Exchange, id: unknown): void {
  if (x.createsStored !== null) noteOnce(deps, (x.storedNoted ??= new Set()), x.createsStored, id);
}

/** Record `owner` for `id` unless `noted` has it already or is full (MAX_NOTED), or it is no real id. */
function noteOnce(deps: GatewayDeps, noted: Set<string>, owner: StoredResponseOwner, id: unknown): void {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID) return;
  if (noted.has(id) || noted.size >= MAX_NOTED) return;
  noted.add(id);
  deps.storedResponses.record(id, owner);
}

/**
 * Note who owns the code-execution containers an answer tells of (see `WireFormat.answerContainers` and
 * `.streamContainers`): the user the request was for (`Exchange.owner`), for every request, stored or
 * not, since a container outlives the answer whatever `store` says and holds the files uploaded to it and
 * those its code wrote. Up to `MAX_NOTED` per answer, in the table of stored responses, so that
 * `mayContinue` finds them.
 *
 * @example createdContainers(deps, x, wire.answerContainers?.(json));
 */
export function createdContainers(deps: GatewayDeps, x: Exchange, ids: readonly string[] | undefined): void {
  const owner = x.owner;
  if (owner === null || ids === undefined || ids.length === 0) return;
  const noted = (x.containersNoted ??= new Set());
  for (const id of ids) noteOnce(deps, noted, owner, id);
}

/**
 * The containers a request names (`WireFormat.namedContainers`) that could have been noted: ids no
 * longer than any noted one.
 */
export function namedContainers(ids: readonly string[] | undefined): readonly string[] {
  if (ids === undefined || ids.length === 0) return NONE;
  return ids.filter((id) => id.length <= MAX_ID);
}

const NONE: readonly string[] = [];

/** Distinct ids a request may name in its input at most: each is looked up in the store before it is sent. */
const MAX_REFERENCES = 10_000;

/**
 * The distinct ids a Responses request's `input` items carry: an `item_reference` (`{"type":
 * "item_reference", "id": ...}`, or an item with an `id` and no `type`) names an item of a stored
 * response, and so do other items by their `id`: the provider reads a generated image
 * (`image_generation_call`) or reasoning from what it stored by its id, whatever else the item holds,
 * and an `mcp_approval_response` names the request it approves (`approval_request_id`). Ids longer than
 * any noted one are left out: none of them can be another user's.
 *
 * @example itemReferences([{ type: "item_reference", id: "msg_1" }, { role: "user", content: "hi" }]) // ["msg_1"]
 */
export function itemReferences(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  const ids = new Set<string>();
  for (const item of input as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const { id, approval_request_id: approves } = item as { id?: unknown; approval_request_id?: unknown };
    if (typeof id === "string" && id.length > 0 && id.length <= MAX_ID) ids.add(id);
    // An `mcp_approval_response` names the `mcp_approval_request` item (of a stored answer) it approves.
    if (typeof approves === "string" && approves.length > 0 && approves.length <= MAX_ID) ids.add(approves);
  }
  return [...ids];
}

/**
 * A request may continue a stored response (`previous_response_id`), name items of stored responses
 * (`item_reference`), or run code in a container (see `createdContainers`), unless another user created
 * them through detente on the upstream it goes to: every caller shares detente's upstream credential, so
 * the provider would read anyone's conversation to whoever names its id. Refused as the provider refuses an id it does not know (400; for a response,
 * `previous_response_not_found`, so the SDKs raise the same error), but by detente (decision `deny`): the
 * answer does not pretend to be the provider's. An id nobody created through detente (made at the
 * provider directly, an input item's, or one whose note could not be written) is the provider's to judge.
 * Upstreams on the same server are one provider's store (two names for one account, a zero-retention
 * key beside the usual one): an id created through either is checked on both (see `storeMates`).
 *
 * @example if (!(await mayContinue(deps, x, res, { id, references, upstream: "openai" }, user))) return; // answered
 */
export async function mayContinue(
  deps: GatewayDeps,
  x: Exchange,
  res: GatewayResponse,
  previous: {
    id: string | null;
    references: readonly string[];
    containers: readonly string[];
    upstream: string;
  },
  user: string,
): Promise<boolean> {
  if (previous.references.length + previous.containers.length > MAX_REFERENCES)
    return deny(
      x,
      res,
      "names more items by id than detente looks up",
      `The request names more than ${MAX_REFERENCES.toLocaleString("en-US")} items or containers by id: detente looks up who created each before sending the request. Send fewer.`,
      "too_many_item_references",
    );
  let response: "mine" | "theirs" | "unknown" = "unknown";
  let items: "mine" | "theirs" | "unknown" = "unknown";
  let containers: "mine" | "theirs" | "unknown" = "unknown";
  try {
    const upstreams = storeMates(deps, previous.upstream);
    if (previous.id !== null) response = await deps.storedResponses.whose(previous.id, user, upstreams);
    if (response !== "theirs" && previous.references.length > 0)
      items = await deps.storedResponses.whoseAll(previous.references, user, upstreams);
    if (response !== "theirs" && items !== "theirs" && previous.containers.length > 0)
      containers = await deps.storedResponses.whoseAll(previous.containers, user, upstreams);
  } catch {
    x.fail(
      res,
      503,
      "detente could not look up who created the stored response, items or containers this request names: its store is unavailable.",
      "store_unavailable",
    );
    return false;
  }
  if (response === "theirs")
    return deny(
      x,
      res,
      "continues a stored response another user created through detente",
      "The response named by previous_response_id (or a thread's previous_message_id) was not created through detente by you: a conversation another user stored cannot be continued through detente.",
      "previous_response_not_found",
    );
  if (items === "theirs")
    return deny(
      x,
      res,
      "names an item of a stored response another user created through detente",
      "An input item names, by its id, an item of a response that was not created through detente by you: another user's stored conversation cannot be read through detente. Send the item's content instead.",
      "item_not_found",
    );
  if (containers === "theirs")
    return deny(
      x,
      res,
      "names a code-execution container another user's request made or used through detente",
      "The request names a container that was not made or used through detente by you: another user's files cannot be read through detente. Leave the container out, or let the provider make a new one.",
      "container_not_found",
    );
  return true;
}

/**
 * The body to send for a request whose Anthropic cache diagnostics compare its prompt with that of an
 * earlier answer (`diagnostics.previous_message_id`): as it is when the caller created that answer
 * through detente, else with the id left out (`null`, which still asks for diagnostics): the provider
 * would tell how much of the other request's prompt this one matched, a way to guess someone else's
 * prompt token by token. Not refused, as the diagnostics are all the id is for: the request is
 * answered, without them. Unlike a thread's id, one nobody created through detente is left out too:
 * every answer of a request that asks for diagnostics is noted (a client asks from its first turn on,
 * with `null`), and the answers of the others, which are not, may be another user's. So is a value that
 * is no id (`compares` is then ""), and any id when the store cannot tell. The audit event says which.
 *
 * @example const body = await comparedMessage(deps, x, next.body, { id: next.compares, upstream: "anthropic" }, user);
 */
export async function comparedMessage(
  deps: GatewayDeps,
  x: Exchange,
  body: string | Buffer,
  previous: { id: string; upstream: string },
  user: string,
): Promise<string | Buffer> {
  let whose: "mine" | "theirs" | "unknown" | "untold" = "unknown";
  if (previous.id.length > 0 && previous.id.length <= MAX_ID) {
    try {
      whose = await deps.storedResponses.whose(previous.id, user, storeMates(deps, previous.upstream));
    } catch {
      // The store cannot tell: left out, as an id nobody noted is (never the id in the log).
      deps.log.warn({ requestId: x.id }, "the store could not tell whose answer cache diagnostics name");
      whose = "untold";
    }
  }
  if (whose === "mine") return body;
  const json = parseJson(typeof body === "string" ? body : body.toString("utf8")).value as {
    diagnostics: Record<string, unknown>;
  };
  json.diagnostics.previous_message_id = null;
  x.event.reasons = [
    ...x.event.reasons,
    whose === "untold"
      ? "cache diagnostics' previous_message_id left out: the store could not tell whose answer it names"
      : "cache diagnostics' previous_message_id left out: not an answer you created through detente",
  ];
  return stringifyJson(json);
}

/** Refuse the request (400, decision `deny`, `reason` in its audit event); false, for `mayContinue`. */
function deny(x: Exchange, res: GatewayResponse, reason: string, message: string, code: string): false {
  x.event.action = "deny";
  x.event.reasons = [...x.event.reasons, reason];
  x.fail(res, 400, message, code);
  return false;
}

/** The names of the upstreams on the same server as `name` (itself included), by the upstreams map. */
const mates = new WeakMap<ReadonlyMap<string, Upstream>, Map<string, readonly string[]>>();

/**
 * The upstreams whose stored responses and containers are those of `name`: every configured upstream
 * on the same server (scheme, host and port), `name` first. The server, not the whole base URL: where
 * the API sits below it depends on the upstream's type (`anthropic` adds `/v1`, `azure-openai` adds
 * `/openai/v1` for the Responses API), so one account is reached through bases that differ in their
 * path (`https://r.openai.azure.com` as `azure-openai`, `https://r.openai.azure.com/openai/v1` as
 * `openai-compatible`). Ids are the provider's random ones: two stores on one host do not share any.
 * And for the providers' own APIs (`openai`, `anthropic`, `azure-openai`), every upstream of those
 * types: one account answers under several host names (Azure's `*.openai.azure.com` and
 * `*.cognitiveservices.azure.com`, regional hosts), and their ids are random.
 *
 * @example storeMates(deps, "openai") // ["openai", "openai-zdr"] when both point at https://api.openai.com
 */
export function storeMates(deps: GatewayDeps, name: string): readonly string[] {
  let byName = mates.get(deps.upstreams);
  if (byName === undefined) {
    byName = new Map();
    mates.set(deps.upstreams, byName);
  }
  let names = byName.get(name);
  if (names === undefined) {
    const own = deps.upstreams.get(name);
    const found = [name];
    if (own !== undefined) {
      const server = serverOf(own.baseUrl);
      for (const [other, u] of deps.upstreams)
        if (other !== name && serverOf(u.baseUrl) === server) found.push(other);
      // The providers' own APIs give random ids, and one account answers under several host names.
      if (RANDOM_IDS.has(own.type))
        for (const [other, u] of deps.upstreams)
          if (RANDOM_IDS.has(u.type) && !found.includes(other)) found.push(other);
    }
    names = found;
    byName.set(name, names);
  }
  return names;
}

/**
 * Upstream types whose ids are the provider's own random ones (`resp_…`, `msg_…`, `cntr_…`): an id noted
 * on one of them cannot be another store's, so it is checked on all of them. An `openai-compatible`
 * server may number its ids, so only upstreams on its own server share its store.
 */
const RANDOM_IDS: ReadonlySet<UpstreamType> = new Set(["openai", "anthropic", "azure-openai"]);

/**
 * The server a base URL reaches: its scheme, host (lower-cased, without the trailing dot of a fully
 * qualified name) and port (none for the scheme's default).
 *
 * @example serverOf("HTTPS://API.openai.com.:443/v1/") // "https://api.openai.com"
 */
function serverOf(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/\.$/, "");
    return `${u.protocol}//${host}${u.port === "" ? "" : `:${u.port}`}`;
  } catch {
    return url.replace(/\/+$/, ""); // not a URL: compared as written
  }
}
