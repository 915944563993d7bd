import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { startFakeUpstream, type FakeUpstream } from "../../src/ai/fake-upstream/index.js";
import { buildGatewayServer, loadHashKey } from "../../src/ai/gateway/server.js";
import type { Inspector } from "../../src/ai/inspect/engine.js";
import type { InspectionMemo } from "../../src/ai/inspect/memo.js";
import { createEventWriter, type AiEvent } from "../../src/services/ai/events.js";
import { createKey } from "../../src/services/ai/keys.js";
import { parseConfig } from "../../src/config/load.js";
import type { Store } from "../../src/store/open.js";
import { openPgliteStore, type TestStore } from "./stores.js";

/** The credentials the gateway holds for the fake upstreams; tests check clients never see them. */
export const UPSTREAM_KEYS = {
  FAKE_OPENAI_KEY: "sk-upstream-openai-0123456789abcdef",
  FAKE_ANTHROPIC_KEY: "sk-ant-upstream-0123456789abcdef",
  FAKE_AZURE_KEY: "azure-upstream-0123456789abcdef",
  FAKE_LOCAL_KEY: "local-upstream-0123456789abcdef",
};

/**
 * A detente.yaml `ai:` section whose upstreams all point at one fake upstream server: OpenAI, Anthropic,
 * Azure OpenAI, a "self-hosted" OpenAI-compatible model and one that times out after 500 ms, with
 * `extra` appended (rules, access...).
 */
export function gatewayYaml(fakeUrl: string, extra = ""): string {
  return `ai:
  upstreams:
    openai: { type: openai, baseUrl: "${fakeUrl}/v1", apiKey: { env: FAKE_OPENAI_KEY } }
    anthropic: { type: anthropic, baseUrl: "${fakeUrl}", apiKey: { env: FAKE_ANTHROPIC_KEY } }
    azure: { type: azure-openai, baseUrl: "${fakeUrl}", apiVersion: "2024-10-21", apiKey: { env: FAKE_AZURE_KEY } }
    local: { type: openai-compatible, baseUrl: "${fakeUrl}/v1", hosting: self-hosted, formats: [openai, anthropic], apiKey: { env: FAKE_LOCAL_KEY } }
    slow: { type: openai-compatible, baseUrl: "${fakeUrl}/v1", hosting: self-hosted, timeoutMs: 500, apiKey: { env: FAKE_LOCAL_KEY } }
  models:
    - { name: "gpt-*", upstream: openai }
    - { name: "text-embedding-*", upstream: openai }
    - { name: "claude-*", upstream: anthropic }
    - { name: "azure-gpt-4o", upstream: azure, as: "prod-gpt4o" }
    - { name: "codestral-*", upstream: local }
    - { name: "qwen2.5-coder", upstream: local, as: "qwen2.5-coder:32b" }
    - { name: "slow-*", upstream: slow }
${extra}`;
}

/** A running gateway against a fake upstream, with one key for alice on team payments. */
export interface TestGateway {
  readonly url: string;
  readonly key: string;
  readonly fake: FakeUpstream;
  readonly store: Store;
  readonly app: FastifyInstance;
  /** The key of the audit trail's request hashes. */
  readonly hashKey: string;
  /** Every audit event written so far (also in the store once flushed). */
  readonly events: AiEvent[];
  /** A new key for someone else. */
  keyFor(input: { user: string; team: string; tool?: string }): Promise<string>;
  /** Wait for the audit writer to flush to the store. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start the real gateway (Fastify, real store, real inspector) on a free port, in front of a fake
 * upstream that speaks OpenAI's and Anthropic's wire formats.
 *
 * @example
 * const gw = await startTestGateway();
 * const openai = new OpenAI({ baseURL: gw.url + "/v1", apiKey: gw.key });
 */
export async function startTestGateway(options?: {
  extraYaml?: string;
  store?: TestStore;
  keyCacheMs?: number;
  /** Receives every line the gateway logs. */
  log?: (line: string) => void;
  /** Point every upstream at this server instead (for answers the fake cannot give); the fake still runs. */
  upstreamUrl?: string;
  /**
   * Make inspection throw, as a detector's bug would, for any text (request or answer) containing this
   * string: the one fault the gateway's `failMode` is about, which no real input causes on purpose.
   */
  breakInspectionOn?: string;
}): Promise<TestGateway> {
  const fake = await startFakeUpstream();
  const home = await mkdtemp(join(tmpdir(), "detente-gw-"));
  const ts = options?.store ?? (await openPgliteStore());
  const config = parseConfig(
    gatewayYaml(options?.upstreamUrl ?? fake.url, options?.extraYaml),
    "detente.yaml",
  );
  // Every event is kept here as well as written to the store, so tests can wait for it.
  const events: AiEvent[] = [];
  const writer = createEventWriter({ store: ts.store, flushMs: 50 });
  const { app, gateway } = await buildGatewayServer({
    policy: config.ai,
    store: ts.store,
    home,
    env: { ...process.env, ...UPSTREAM_KEYS },
    keyCacheMs: options?.keyCacheMs,
    logger: options?.log ? { stream: { write: options.log } } : false,
    events: {
      write(e) {
        events.push(e);
        writer.write(e);
      },
      close: () => writer.close(),
    },
  });
  const marker = options?.breakInspectionOn;
  if (marker !== undefined) {
    const deps = gateway.deps as { inspector: Inspector; requestInspector: InspectionMemo };
    const { inspector, requestInspector } = deps;
    const check = (text: string): void => {
      if (text.includes(marker)) throw new Error("a detector failed");
    };
    deps.inspector = { inspect: (text, role) => (check(text), inspector.inspect(text, role)) };
    deps.requestInspector = {
      inspect: (scope, text, role) => (check(text), requestInspector.inspect(scope, text, role)),
      get size() {
        return requestInspector.size;
      },
    };
  }
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  const keyFor = async (input: { user: string; team: string; tool?: string }) =>
    (await createKey({ ctx: { store: ts.store, now: new Date() }, input })).key;
  const key = await keyFor({ user: "alice@example.com", team: "payments" });
  return {
    url,
    key,
    fake,
    store: ts.store,
    app,
    // The key as written in the gateway's home, as a user correlating hashes would have it.
    hashKey: loadHashKey(config.ai, home, process.env),
    events,
    keyFor,
    flush: () => writer.flush(),
    async close() {
      await app.close();
      await fake.close();
      if (!options?.store) await ts.dispose();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Wait until `predicate` holds (events are written after the response is sent). */
export async function eventually<T>(fn: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Read a Chat Completions stream to its end: the text of its deltas, and the error that ended it (null
 * when it ended normally).
 */
export async function readChatStream(
  stream: AsyncIterable<{ choices: readonly { delta: { content?: string | null } }[] }>,
): Promise<{ text: string; error: unknown }> {
  let text = "";
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    return { text, error: null };
  } catch (e) {
    return { text, error: e };
  }
}
