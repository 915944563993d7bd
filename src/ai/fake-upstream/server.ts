import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorBody, type WireFamily } from "../gateway/wire/index.js";
import { estimateTokens, lastUserText } from "./echo.js";
import { messageJson, messageStream } from "./anthropic.js";
import {
  chatJson,
  chatStream,
  completionJson,
  completionStream,
  embeddingsJson,
  fimJson,
  fimStream,
  modelsJson,
} from "./openai.js";
import { compactJson, responsesJson, responsesStream } from "./openai-responses.js";
import { checkAuth, ECHO_SOURCE, routeOf, type Endpoint, type Route } from "./routes.js";
import { StoredResponses, storedRequestOf, type StoredRequest } from "./stored.js";
import type { Say, Streamed, Turn } from "./turn.js";
import type { FakeCitation, FakeReply, FakeRequest, FakeUpstream, FakeUpstreamOptions } from "./types.js";

/** The endpoints that stream when asked to (`"stream": true`). */
const STREAMED: ReadonlySet<Endpoint> = new Set(["chat", "responses", "completions", "fim", "messages"]);

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
const DEFAULT_MODEL: Readonly<Record<WireFamily, string>> = {
  openai: "gpt-4.1",
  anthropic: "claude-sonnet-4-5-20250929",
};

/**
 * Start a fake LLM provider on 127.0.0.1 that speaks OpenAI's, Azure OpenAI's and Anthropic's APIs
 * closely enough for the official SDKs and real assistants: chat completions, responses (and their
 * compaction and input token count, and the responses it stored: see stored.ts), completions, FIM, embeddings and models; messages and count_tokens; streaming exactly as each provider streams;
 * usage in every answer; the provider's own error bodies (401 for a missing or refused key). By default
 * the assistant answers `You said: <the last user message>`, so a test can see what reached the model
 * and what came back; `respondWith` queues other answers. Built for speed (the benchmark drives
 * thousands of requests a second through it): no logging, no copies, nothing kept when
 * `recordRequests` is false.
 *
 * @example
 * const fake = await startFakeUpstream();
 * const openai = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: "sk-test" });
 * fake.respondWith({ kind: "error", status: 429 });
 * await fake.close();
 */
export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const record = options.recordRequests ?? true;
  const defaultChunkSize = options.defaultChunkSize ?? 8;
  const keys = options.apiKeys ? new Set(options.apiKeys) : undefined;
  const requireAuth = options.requireAuth ?? true;
  const requests: FakeRequest[] = [];
  const queue: FakeReply[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let aborted = 0;
  let closing = false;
  let counter = 0;

  const stored = new StoredResponses();

  const answerStored = (
    req: IncomingMessage,
    res: ServerResponse,
    request: StoredRequest,
    query: URLSearchParams,
  ): void => {
    const route: Route = {
      endpoint: "responses",
      family: "openai",
      auth: request.azure ? "azure" : "bearer",
      method: "GET",
    };
    const problem = checkAuth(route, req.headers, keys, requireAuth);
    if (problem) {
      sendJson(res, problem.status, errorBody("openai", problem.status, problem.message), "openai");
      return;
    }
    // A programmed failure applies here too (a text or tool call is for the model endpoints).
    const reply = queue[0]?.kind === "error" || queue[0]?.kind === "hang" ? queue.shift() : undefined;
    if (reply?.kind === "error") {
      const message = reply.message ?? `The fake upstream was told to fail with ${reply.status}.`;
      sendJson(res, reply.status, errorBody("openai", reply.status, message), "openai");
      return;
    }
    if (reply?.kind === "hang") return; // never answered: the client gives up, or close() cuts it
    const answer = stored.answer(request, query);
    if ("stream" in answer) sendStream(res, answer.stream, 0, timers);
    else sendJson(res, answer.status, answer.body, "openai");
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q < 0 ? url : url.slice(0, q);
    const route = routeOf(pathname, req.headers);
    const json = parseJson(raw);
    if (record)
      requests.push({ method: req.method ?? "GET", path: url, headers: req.headers, body: raw, json });
    const storedRequest =
      !route || route.method !== req.method ? storedRequestOf(req.method ?? "GET", pathname) : undefined;
    if (storedRequest) {
      answerStored(req, res, storedRequest, new URLSearchParams(q < 0 ? "" : url.slice(q + 1)));
      return;
    }
    if (!route || route.method !== req.method) {
      const family: WireFamily = url.startsWith("/v1/messages") ? "anthropic" : "openai";
      const message =
        family === "openai"
          ? `Invalid URL (${req.method ?? "GET"} ${url})`
          : `Not found: ${req.method ?? "GET"} ${url}`;
      sendJson(res, 404, errorBody(family, 404, message), family);
      return;
    }
    const problem = checkAuth(route, req.headers, keys, requireAuth);
    if (problem) {
      sendJson(res, problem.status, errorBody(route.family, problem.status, problem.message), route.family);
      return;
    }
    if (route.endpoint === "models") {
      sendJson(res, 200, modelsJson(route.family === "anthropic"), route.family);
      return;
    }
    if (!isRecord(json)) {
      const message = "We could not parse the JSON body of your request. The body must be a JSON object.";
      sendJson(res, 400, errorBody(route.family, 400, message), route.family);
      return;
    }
    const reply = queue.shift();
    const stream = json.stream === true && STREAMED.has(route.endpoint);
    if (reply?.kind === "error") {
      const message = reply.message ?? `The fake upstream was told to fail with ${reply.status}.`;
      sendJson(res, reply.status, errorBody(route.family, reply.status, message), route.family);
      return;
    }
    if (reply?.kind === "hang") {
      if (stream) {
        res.writeHead(200, SSE_HEADERS);
        res.flushHeaders();
      }
      return; // never finished: the client gives up, or close() cuts it
    }
    const model =
      route.deployment ?? (typeof json.model === "string" ? json.model : DEFAULT_MODEL[route.family]);
    const inputTokens = estimateTokens(raw.length);
    if (route.endpoint === "embeddings") {
      sendJson(res, 200, embeddingsJson(json, model), route.family);
      return;
    }
    if (route.endpoint === "count_tokens") {
      sendJson(res, 200, { input_tokens: inputTokens }, route.family);
      return;
    }
    if (route.endpoint === "input_tokens") {
      sendJson(res, 200, { object: "response.input_tokens", input_tokens: inputTokens }, route.family);
      return;
    }
    if (route.endpoint === "compact") {
      const id = (++counter).toString().padStart(10, "0");
      sendJson(res, 200, compactJson(json, model, inputTokens, id), route.family);
      return;
    }
    const say =
      reply?.kind === "tool-call"
        ? { kind: "tool-call" as const, name: reply.name, arguments: JSON.stringify(reply.arguments) }
        : saidText(
            reply?.text ?? `You said: ${lastUserText(json, ECHO_SOURCE[route.endpoint])}`,
            reply?.kind === "text" ? reply.citations : undefined,
          );
    const turn: Turn = {
      id: (++counter).toString().padStart(10, "0"),
      created: Math.floor(Date.now() / 1000),
      model,
      say,
      chunkSize: reply?.kind === "text" ? (reply.chunkSize ?? defaultChunkSize) : defaultChunkSize,
      inputTokens,
      outputTokens: estimateTokens(say.kind === "text" ? say.text.length : say.arguments.length),
      body: json,
    };
    // OpenAI stores a response unless told not to; the stored-response routes answer from here.
    if (route.endpoint === "responses" && json.store !== false) stored.keep(turn);
    if (stream)
      sendStream(res, streamOf(route, turn), reply?.kind === "text" ? (reply.delayMs ?? 0) : 0, timers);
    else sendJson(res, 200, jsonOf(route, turn), route.family);
  };

  const server = createServer((req, res) => {
    res.on("close", () => {
      if (!res.writableEnded && !closing) aborted++;
    });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) {
        const family: WireFamily = (req.url ?? "").startsWith("/v1/messages") ? "anthropic" : "openai";
        sendJson(res, 413, errorBody(family, 413, "Request too large."), family);
        return;
      }
      const raw =
        chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8");
      handle(req, res, raw);
    });
  });
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get aborted() {
      return aborted;
    },
    respondWith(reply) {
      queue.push(reply);
    },
    reset() {
      requests.length = 0;
      queue.length = 0;
      aborted = 0;
      stored.clear();
    },
    async close() {
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      server.closeAllConnections();
      await closed;
    },
  };
}

function jsonOf(route: Route, turn: Turn): Record<string, unknown> {
  switch (route.endpoint) {
    case "responses":
      return responsesJson(turn);
    case "completions":
      return completionJson(turn);
    case "fim":
      return fimJson(turn);
    case "messages":
      return messageJson(turn);
    default:
      return chatJson(turn);
  }
}

function streamOf(route: Route, turn: Turn): Streamed {
  switch (route.endpoint) {
    case "responses":
      return responsesStream(turn);
    case "completions":
      return completionStream(turn);
    case "fim":
      return fimStream(turn);
    case "messages":
      return messageStream(turn);
    default:
      return chatStream(turn);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

let requestIds = 0;

function sendJson(res: ServerResponse, status: number, body: unknown, family: WireFamily): void {
  const id = `req_fake${(++requestIds).toString(36)}`;
  res.writeHead(status, {
    "content-type": "application/json",
    [family === "anthropic" ? "request-id" : "x-request-id"]: id,
  });
  res.end(JSON.stringify(body));
}

/** Write a stream: all at once, or `head` + first chunk now and one chunk per `delayMs` after. */
function sendStream(res: ServerResponse, s: Streamed, delayMs: number, timers: Set<NodeJS.Timeout>): void {
  res.writeHead(200, SSE_HEADERS);
  if (delayMs <= 0 || s.chunks.length === 0) {
    res.end(s.head + s.chunks.join("") + s.tail);
    return;
  }
  res.write(s.head + s.chunks[0]!);
  let i = 1;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    if (timer) timers.delete(timer);
    if (res.destroyed) return;
    if (i < s.chunks.length) {
      res.write(s.chunks[i++]!);
      timer = setTimeout(tick, delayMs);
      timers.add(timer);
    } else res.end(s.tail);
  };
  res.on("close", () => {
    if (timer) {
      clearTimeout(timer);
      timers.delete(timer);
    }
  });
  timer = setTimeout(tick, delayMs);
  timers.add(timer);
}

/** What the fake says: `text`, citing the given pages at the offsets their spans have in it. */
function saidText(text: string, citations: readonly FakeCitation[] = []): Say {
  return {
    kind: "text",
    text,
    citations: citations.map((c) => {
      const [start, end] =
        typeof c.cites === "string"
          ? [text.indexOf(c.cites), text.indexOf(c.cites) + c.cites.length]
          : c.cites;
      if (start < 0) throw new Error(`the fake's text does not say "${String(c.cites)}"`);
      return { start, end, url: c.url, title: c.title ?? c.url };
    }),
  };
}
