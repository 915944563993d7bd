import { createHmac } from "node:crypto";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k_base from "js-tiktoken/ranks/cl100k_base";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  eventually,
  startTestGateway,
  UPSTREAM_KEYS,
  type TestGateway,
} from "../../../test/helpers/gateway.js";

// Synthetic credentials with real shapes (not documentation examples, which the allowlist lets through).
const AWS_KEY = "AKIAQ3EGRZ7TXLMN4VWP";
const EMAIL = "jane.doe@customer-mail.com";
const GITHUB_TOKEN = "ghp_" + "Zr4Tq8Wm2Xn6Bv9Lc3Hd7Jf1Kg5Ps0Qa8Eu2";

let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gw = await startTestGateway();
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.fake.reset();
});

/** The last request the fake upstream received, parsed. */
function lastUpstream() {
  const r = gw.fake.requests.at(-1);
  if (!r) throw new Error("the upstream received nothing");
  return r;
}

describe("OpenAI Chat Completions through the gateway", () => {
  it("forwards a clean request with the upstream's own key and says it allowed it", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "What is a mutex?" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("You said: What is a mutex?");
    expect(response.headers.get("x-detente-decision")).toBe("allow");
    const up = lastUpstream();
    expect(up.path).toBe("/v1/chat/completions");
    expect(up.headers.authorization).toBe(`Bearer ${UPSTREAM_KEYS.FAKE_OPENAI_KEY}`);
    expect(JSON.stringify(up.headers)).not.toContain(gw.key);
    const event = await eventually(() => gw.events.at(-1), "the audit event");
    expect(event).toMatchObject({
      user: "alice@example.com",
      team: "payments",
      tool: "openai-sdk",
      endpoint: "chat.completions",
      upstream: "openai",
      provider: "openai",
      modelRequested: "gpt-4o",
      modelUsed: "gpt-4o",
      action: "allow",
      status: 200,
      stream: false,
    });
    expect(event.tokensIn).toBeGreaterThan(0);
    expect(event.tokensOut).toBeGreaterThan(0);
  });

  it("streams, and the text arrives whole and in order", async () => {
    gw.fake.respondWith({ kind: "text", text: "Streaming works, one small piece at a time.", chunkSize: 3 });
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "stream please" }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Streaming works, one small piece at a time.");
    const event = await eventually(
      () => gw.events.find((e) => e.stream && e.status === 200),
      "a stream event",
    );
    expect(event.ttftMs).not.toBeNull();
    expect(event.tokensOut).toBeGreaterThan(0);
  });

  it("redacts personal data before it leaves and restores it in the answer", async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: "gpt-4o",
        messages: [{ role: "user", content: `Write to ${EMAIL} about the refund.` }],
      })
      .withResponse();
    expect(response.headers.get("x-detente-decision")).toBe("redact");
    expect(response.headers.get("x-detente-detections")).toContain("pii=1");
    const sent = lastUpstream().body;
    expect(sent).not.toContain(EMAIL);
    expect(sent).toContain("[EMAIL_1]");
    // The fake model echoes the placeholder; the user sees the original again.
    expect(data.choices[0]?.message.content).toBe(`You said: Write to ${EMAIL} about the refund.`);
  });

  it("sends the numbers of a redacted request as they were written, integers beyond 2^53 included", async () => {
    // As a client in Python or Go sends them: a 64-bit seed and, in a JSON tool result, a 64-bit id and
    // an overflowing number. Parsed as doubles and written again, they would read ...567000 and null.
    const result = `{"order_id": 12345678901234567891, "customer": "${EMAIL}", "score": 1e400}`;
    const raw = `{"model":"gpt-4o","seed":18446744073709551557,"messages":[{"role":"user","content":"Summarise the order."},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_order","arguments":"{\\"id\\": 98765432109876543211}"}}]},{"role":"tool","tool_call_id":"c1","content":${JSON.stringify(result)}}]}`;
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-detente-decision")).toBe("redact");
    const sent = lastUpstream().body;
    expect(sent).not.toContain(EMAIL);
    expect(sent).toContain('"seed":18446744073709551557');
    expect(sent).toContain('\\"id\\": 98765432109876543211');
    // The tool result keeps its layout too: only the redacted value changed.
    expect(sent).toContain(JSON.stringify(result.replace(EMAIL, "[EMAIL_1]")));
  });

  it("decides on a conversation's repeated texts each turn as on the first (they are inspected twice, then remembered)", async () => {
    // Long enough to be remembered: assistants resend the system prompt and the history every turn.
    const system = `You support ${EMAIL}'s account team. ${"Answer briefly and cite the runbook. ".repeat(40)}`;
    const history: OpenAI.ChatCompletionMessageParam[] = [{ role: "system", content: system }];
    const remembered = async (): Promise<number> => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      return Number(
        /detente_gateway_request_text_chars_total\{how="remembered"\} (\d+)/.exec(text)?.[1] ?? 0,
      );
    };
    const before = await remembered();
    for (const ask of ["Summarise the refund policy.", "And for annual plans?", "Thanks."]) {
      history.push({ role: "user", content: ask });
      const { data, response } = await client.chat.completions
        .create({ model: "gpt-4o", messages: history })
        .withResponse();
      expect(response.headers.get("x-detente-decision")).toBe("redact");
      expect(response.headers.get("x-detente-detections")).toBe("pii=1");
      const sent = lastUpstream().body;
      expect(sent).not.toContain(EMAIL);
      expect(sent).toContain(`You support [EMAIL_1]'s account team.`);
      history.push({ role: "assistant", content: data.choices[0]!.message.content! });
    }
    // The third turn took the system prompt from memory (the first two inspected it).
    expect((await remembered()) - before).toBe(system.length);
    // A credential in a remembered text is blocked every time it comes back.
    const leaky = `${"Context for the build failure follows. ".repeat(30)} key=${AWS_KEY}`;
    for (let i = 0; i < 3; i++) {
      const err = await client.chat.completions
        .create({ model: "gpt-4o", messages: [{ role: "user", content: leaky }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((err as Error).message).toContain("aws-access-key-id");
    }
    const blocks = await eventually(() => {
      const b = gw.events.filter(
        (e) => e.action === "block" && e.detections[0]?.type === "aws-access-key-id",
      );
      return b.length >= 3 ? b : undefined;
    }, "the three block events");
    // The third was decided on what the memory kept: the same detections, keyed hash included.
    expect(blocks.at(-1)!.detections).toEqual(blocks.at(-3)!.detections);
  });

  it.each([1, 2, 5])(
    "restores a placeholder split across stream chunks of %i characters",
    async (chunkSize) => {
      gw.fake.respondWith({
        kind: "text",
        text: "Reply to [EMAIL_1] today, then [EMAIL_1] again.",
        chunkSize,
      });
      const stream = await client.chat.completions.create({
        model: "gpt-4o",
        stream: true,
        messages: [{ role: "user", content: `Customer: ${EMAIL}` }],
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toBe(`Reply to ${EMAIL} today, then ${EMAIL} again.`);
      expect(lastUpstream().body).not.toContain(EMAIL);
    },
  );

  it("restores placeholders inside tool-call arguments, streamed or whole, and the arguments stay valid JSON", async () => {
    const params = {
      model: "gpt-4o",
      messages: [{ role: "user" as const, content: `Send the refund note to ${EMAIL}` }],
      tools: [{ type: "function" as const, function: { name: "send_mail", parameters: { type: "object" } } }],
    };
    const answer = { to: "[EMAIL_1]", body: "Dear [EMAIL_1], refund" };
    const expected = { to: EMAIL, body: `Dear ${EMAIL}, refund` };
    gw.fake.respondWith({ kind: "tool-call", name: "send_mail", arguments: answer });
    const stream = await client.chat.completions.create({ ...params, stream: true });
    let args = "";
    for await (const chunk of stream)
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "";
    expect(JSON.parse(args)).toEqual(expected);
    expect(lastUpstream().body).not.toContain(EMAIL);

    gw.fake.respondWith({ kind: "tool-call", name: "send_mail", arguments: answer });
    const whole = await client.chat.completions.create(params);
    const call = whole.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" ? JSON.parse(call.function.arguments) : undefined).toEqual(expected);
    expect(lastUpstream().body).not.toContain(EMAIL);
  });

  it("blocks a credential with the SDK's typed error and a message that says what to do", async () => {
    const err = await client.chat.completions
      .create({
        model: "gpt-4o",
        messages: [{ role: "user", content: `Why does this fail? key=${AWS_KEY}` }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const message = (err as Error).message;
    expect(message).toContain("aws-access-key-id");
    expect(message).not.toContain(AWS_KEY);
    expect(gw.fake.requests).toHaveLength(0);
    const event = await eventually(() => gw.events.find((e) => e.action === "block"), "the block event");
    expect(event.detections[0]).toMatchObject({ dataClass: "secret", type: "aws-access-key-id", count: 1 });
    expect(JSON.stringify(event)).not.toContain(AWS_KEY);
  });

  it("keeps up to 20 keyed hashes of values per type in the audit event, and 3 of code blocks", async () => {
    const emails = Array.from({ length: 25 }, (_, i) => `jane.doe${i}@customer-mail.com`);
    const python = (i: number) =>
      `def load_${i}(path):\n    with open(path) as f:\n        return json.load(f)\n    raise ValueError("empty")`;
    const blocks = Array.from({ length: 5 }, (_, i) => python(i));
    const content =
      `Please mail ${emails.join(", ")} about these.\n\n` +
      blocks.map((b) => `${b}\n\nThat was one loader.\nHere is the next one.\n`).join("\n");
    await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content }] });
    const event = await eventually(() => gw.events.at(-1), "the audit event");
    const byType = (t: string) => event.detections.find((d) => d.where === "request" && d.type === t);
    expect(byType("email")).toMatchObject({ dataClass: "pii", count: 25 });
    expect(byType("source-code")).toMatchObject({ dataClass: "source-code", count: 5 });
    // Keyed with the gateway's hash key: the first 20 e-mails' and the first 3 blocks'.
    const keyed = (v: string) => createHmac("sha256", gw.hashKey).update(v).digest("hex").slice(0, 32);
    expect(byType("email")!.hashes).toEqual(emails.slice(0, 20).map(keyed));
    expect(byType("source-code")!.hashes).toEqual(blocks.slice(0, 3).map(keyed));
    expect(JSON.stringify(event)).not.toContain(emails[0]);

    // The same block six times: counted six times, one hash.
    const again = Array.from({ length: 6 }, () => `${python(7)}\n\nThat was it.\nOnce more:\n`).join("\n");
    await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: again }] });
    const second = await eventually(
      () => (gw.events.at(-1) === event ? undefined : gw.events.at(-1)),
      "the event",
    );
    expect(second.detections.find((d) => d.type === "source-code")).toMatchObject({
      count: 6,
      hashes: [keyed(python(7))],
    });
  });

  it("redacts the name of a name-value pair in tool call arguments and keeps the pair", async () => {
    await client.chat.completions.create({
      model: "gpt-4o",
      messages: [
        { role: "user", content: "make her admin" },
        {
          role: "assistant",
          tool_calls: [
            {
              id: "c1",
              type: "function",
              function: { name: "grant", arguments: `{"key": "${EMAIL}", "value": "admin"}` },
            },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "done" },
      ],
    });
    const sent = lastUpstream().json as {
      messages: { tool_calls?: { function: { arguments: string } }[] }[];
    };
    expect(JSON.parse(sent.messages[1]!.tool_calls![0]!.function.arguments)).toEqual({
      key: "[EMAIL_1]",
      value: "admin",
    });
  });

  it("inspects tool results and tool call arguments like any other text", async () => {
    const err = await client.chat.completions
      .create({
        model: "gpt-4o",
        messages: [
          { role: "user", content: "read the config" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call_1",
                type: "function",
                function: { name: "read_file", arguments: '{"path":".env"}' },
              },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: `AWS_ACCESS_KEY_ID=${AWS_KEY}` },
        ],
        tools: [{ type: "function", function: { name: "read_file", parameters: { type: "object" } } }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(gw.fake.requests).toHaveLength(0);
  });

  it("masks a credential the model writes in its answer, streamed or not", async () => {
    const leaked = "ghp_" + "R8a2Kq9ZtLm4Xw7Vb3Np6Cd1Ef5Gh0Jk2Ls8";
    gw.fake.respondWith({ kind: "text", text: `Use the token ${leaked} to push.` });
    const whole = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "how do I push?" }],
    });
    expect(whole.choices[0]?.message.content).not.toContain(leaked);
    expect(whole.choices[0]?.message.content).toContain("Use the token ");

    gw.fake.respondWith({ kind: "text", text: `Use the token ${leaked} to push.`, chunkSize: 4 });
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "how do I push?" }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).not.toContain(leaked.slice(8));
    expect(text.startsWith("Use the token ")).toBe(true);
    expect(text.endsWith(" to push.")).toBe(true);
  });

  it("rejects an unknown key with AuthenticationError and forwards nothing", async () => {
    const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "dtk_not-a-real-key", maxRetries: 0 });
    const err = await bad.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(gw.fake.requests).toHaveLength(0);
  });

  it("passes upstream errors through faithfully", async () => {
    gw.fake.respondWith({ kind: "error", status: 429, message: "Rate limit reached for gpt-4o" });
    const err = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as Error).message).toContain("Rate limit reached for gpt-4o");
  });

  it("never passes on a quote of its upstream credential, whole or masked", async () => {
    // As OpenAI words a rejected key: its prefix and last four characters around asterisks.
    const key = UPSTREAM_KEYS.FAKE_OPENAI_KEY;
    const quoted = `${key.slice(0, 10)}${"*".repeat(20)}${key.slice(-4)}`;
    gw.fake.respondWith({ kind: "error", status: 401, message: `Incorrect API key provided: ${quoted}.` });
    const auth = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((auth as Error).message).toMatch(
      /Upstream "openai" refused detente's credential.*detente key is fine/,
    );
    expect((auth as Error).message).not.toContain(key.slice(-4));
    gw.fake.respondWith({ kind: "error", status: 403, message: `Key ${quoted} may not use gpt-4o.` });
    const denied = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((denied as Error).message).toContain("Key [upstream key] may not use gpt-4o.");
  });

  it("answers a model with no route with a 404 listing what the caller may use", async () => {
    const err = await client.chat.completions
      .create({ model: "llama-unknown", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as Error).message).toContain("llama-unknown");
  });

  it("accepts query strings and large requests like real assistants send", async () => {
    const system = "You are a careful coding assistant. ".repeat(3000); // ~100 KB
    const tools = Array.from({ length: 40 }, (_, i) => ({
      type: "function" as const,
      function: {
        name: `tool_${i}`,
        description: "Does one thing well. ".repeat(20),
        parameters: { type: "object" },
      },
    }));
    const res = await fetch(`${gw.url}/v1/chat/completions?client=ide&v=2`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o",
        messages: [
          { role: "system", content: system },
          { role: "user", content: "hello" },
        ],
        tools,
      }),
    });
    expect(res.status).toBe(200);
    expect(lastUpstream().path).toBe("/v1/chat/completions?client=ide&v=2");
    expect(lastUpstream().body.length).toBeGreaterThan(100_000);
  });

  it("routes Azure models to their deployment with the Azure key", async () => {
    const res = await client.chat.completions.create({
      model: "azure-gpt-4o",
      messages: [{ role: "user", content: "hello azure" }],
    });
    expect(res.choices[0]?.message.content).toBe("You said: hello azure");
    const up = lastUpstream();
    expect(up.path).toBe("/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21");
    expect(up.headers["api-key"]).toBe(UPSTREAM_KEYS.FAKE_AZURE_KEY);
    // Azure serves the Responses API on its v1 API only, with the deployment as the model.
    const r = await client.responses.create({ model: "azure-gpt-4o", input: "hello azure" });
    expect(r.output_text).toBe("You said: hello azure");
    expect(lastUpstream().path).toBe("/openai/v1/responses");
    expect((lastUpstream().json as { model: string }).model).toBe("prod-gpt4o");
    expect(lastUpstream().headers["api-key"]).toBe(UPSTREAM_KEYS.FAKE_AZURE_KEY);
    // So is compaction.
    const compacted = await client.responses.compact({ model: "azure-gpt-4o", input: "hello azure" });
    expect(compacted.output.map((o) => o.type)).toEqual(["message", "compaction"]);
    expect(lastUpstream().path).toBe("/openai/v1/responses/compact");
    expect((lastUpstream().json as { model: string }).model).toBe("prod-gpt4o");
  });
});

describe("the other OpenAI endpoints", () => {
  it("serves the Responses API, streamed and not", async () => {
    const r = await client.responses.create({ model: "gpt-4o", input: "hello responses" });
    expect(r.output_text).toBe("You said: hello responses");
    const stream = await client.responses.create({ model: "gpt-4o", input: `mail ${EMAIL}`, stream: true });
    let text = "";
    for await (const ev of stream) if (ev.type === "response.output_text.delta") text += ev.delta;
    expect(text).toBe(`You said: mail ${EMAIL}`);
    expect(lastUpstream().body).not.toContain(EMAIL);
  });

  it("compacts a Responses conversation as Codex does, user messages redacted going up and restored coming back", async () => {
    const { data, response } = await client.responses
      .compact({
        model: "gpt-4o",
        instructions: "Summarize the conversation so far.",
        input: [
          { role: "user", content: `Refund the order for ${EMAIL}` },
          { role: "assistant", content: "Done, the refund is on its way." },
          { role: "user", content: [{ type: "input_text", text: `Also write to ${EMAIL} when it lands` }] },
        ],
      })
      .withResponse();
    expect(response.headers.get("x-detente-decision")).toBe("redact");
    const up = lastUpstream();
    expect(up.path).toBe("/v1/responses/compact");
    expect(up.body).not.toContain(EMAIL);
    expect(up.body).toContain("[EMAIL_1]");
    expect(data.object).toBe("response.compaction");
    const texts = data.output.flatMap((item) =>
      item.type === "message" ? item.content.map((c) => ("text" in c ? c.text : "")) : [],
    );
    expect(texts).toEqual([`Refund the order for ${EMAIL}`, `Also write to ${EMAIL} when it lands`]);
    expect(data.output.at(-1)?.type).toBe("compaction");
    const event = await eventually(
      () => gw.events.find((e) => e.endpoint === "responses.compact" && e.action === "redact"),
      "the compaction's audit event",
    );
    expect(event).toMatchObject({ action: "redact", status: 200, stream: false });
    expect(event.tokensIn).toBeGreaterThan(0);

    // A credential is blocked there as on every endpoint, with the SDK's typed error.
    const blocked = await client.responses
      .compact({ model: "gpt-4o", input: `my key is ${AWS_KEY}` })
      .catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((blocked as Error).message).toContain("aws-access-key-id");
    expect(gw.fake.requests.filter((r) => r.body.includes(AWS_KEY))).toEqual([]);
  });

  it("counts a Responses request's input tokens, inspecting it as the request it counts", async () => {
    const counted = await client.responses.inputTokens.count({
      model: "gpt-4o",
      input: `How long is this? Reply to ${EMAIL}`,
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(lastUpstream().path).toBe("/v1/responses/input_tokens");
    expect(lastUpstream().body).not.toContain(EMAIL);
  });

  it("answers what it does not serve under /v1 with the provider's 404, and takes a trailing slash", async () => {
    const missing = await client.files.retrieve("file_123").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as Error).message).toMatch(
      /does not serve GET \/v1\/files\/file_123\. It serves POST \/v1\/chat\/completions, /,
    );
    const res = await fetch(`${gw.url}/v1/responses/`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", input: "slash" }),
    });
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { output: { content: { text: string }[] }[] }).output[0]?.content[0]?.text,
    ).toBe("You said: slash");
    // The model list with a trailing slash, and HEAD as health checks send it, answer as before.
    const listed = await fetch(`${gw.url}/v1/models/`, { headers: { authorization: `Bearer ${gw.key}` } });
    expect(((await listed.json()) as { object: string }).object).toBe("list");
    const head = await fetch(`${gw.url}/v1/models`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${gw.key}` },
    });
    expect(head.status).toBe(200);
  });

  it("inspects an MCP tool's headers and OAuth token, which go to the provider with the request", async () => {
    const mcp = (fields: Partial<OpenAI.Responses.Tool.Mcp>): OpenAI.Responses.Tool => ({
      type: "mcp",
      server_label: "github",
      server_url: "https://api.githubcopilot.com/mcp/",
      require_approval: "never",
      ...fields,
    });
    const clean = await client.responses.create({
      model: "gpt-4o",
      input: "Open an issue.",
      tools: [mcp({ headers: { "X-Client": "codex" } })],
    });
    expect(clean.output_text).toBe("You said: Open an issue.");
    expect((lastUpstream().json as { tools: unknown[] }).tools[0]).toEqual(
      mcp({ headers: { "X-Client": "codex" } }),
    );

    // An opaque token that only its name makes one, also after a scheme word no detector knows.
    const oauth = "k3Jd9QwXz7LmNp2Rt5Vb8Yc4Hf6Gs1Ae0Uo";
    const cases: [string, Partial<OpenAI.Responses.Tool.Mcp>][] = [
      [GITHUB_TOKEN, { headers: { Authorization: `Bearer ${GITHUB_TOKEN}` } }],
      [oauth, { authorization: oauth }],
      [oauth, { headers: { "X-Client": "codex", authorization: `Token ${oauth}` } }],
    ];
    for (const [secret, fields] of cases) {
      gw.fake.reset();
      const err = await client.responses
        .create({ model: "gpt-4o", input: "Open an issue.", tools: [mcp(fields)] })
        .catch((e: unknown) => e);
      expect(err, Object.keys(fields)[0]).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((err as Error).message).not.toContain(secret);
      expect(gw.fake.requests).toHaveLength(0);
    }
  });

  it("serves legacy completions and fill-in-the-middle", async () => {
    const c = await client.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: "def add(a, b):" });
    expect(c.choices[0]?.text).toContain("def add(a, b):");
    const res = await fetch(`${gw.url}/v1/fim/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "codestral-latest", prompt: "def add(a, b):\n    ", suffix: "\n" }),
    });
    expect(res.status).toBe(200);
    expect(lastUpstream().path).toBe("/v1/fim/completions");
  });

  it("inspects embedding inputs", async () => {
    const e = await client.embeddings.create({ model: "text-embedding-3-small", input: ["plain text"] });
    expect(e.data[0]?.embedding.length).toBeGreaterThan(0);
    const err = await client.embeddings
      .create({ model: "text-embedding-3-small", input: [`secret ${AWS_KEY}`] })
      .catch((x: unknown) => x);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it("reads embedding and completion inputs sent as token ids, as LangChain sends them", async () => {
    const enc = new Tiktoken(cl100k_base);
    const ids = (text: string): number[] => enc.encode(text);
    // Clean ids go as they came.
    await client.embeddings.create({ model: "text-embedding-3-small", input: [ids("plain text")] });
    expect((lastUpstream().json as { input: unknown }).input).toEqual([ids("plain text")]);
    // A credential is blocked whatever its encoding.
    const blocked = await client.embeddings
      .create({ model: "text-embedding-3-small", input: [ids(`secret ${AWS_KEY}`)] })
      .catch((x: unknown) => x);
    expect(blocked).toBeInstanceOf(OpenAI.PermissionDeniedError);
    // What is redacted goes as text.
    gw.fake.reset();
    await client.embeddings.create({ model: "text-embedding-3-small", input: ids(`contact ${EMAIL} today`) });
    expect((lastUpstream().json as { input: unknown }).input).toBe("contact [EMAIL_1] today");
    await client.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: [ids(`mail ${EMAIL}`)] });
    expect((lastUpstream().json as { prompt: unknown }).prompt).toEqual(["mail [EMAIL_1]"]);
    // One list redacted in a batch: every list goes as text, as ids and text cannot be mixed.
    await client.embeddings.create({
      model: "text-embedding-3-small",
      input: [ids("plain document"), ids(`mail ${EMAIL} now`)],
    });
    expect((lastUpstream().json as { input: unknown }).input).toEqual([
      "plain document",
      "mail [EMAIL_1] now",
    ]);
    // Ids of a tokenizer detente does not have, or too many to read: a 400 that says what to do,
    // whatever the failMode, and nothing sent.
    gw.fake.reset();
    const unknown = await client.embeddings
      .create({ model: "text-embedding-nomic", input: [[1, 2, 3]] })
      .catch((x: unknown) => x);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unknown as Error).message).toMatch(/`input\[0\]` is token ids.*send the text instead/);
    const flood = await client.embeddings
      .create({ model: "text-embedding-3-small", input: [Array<number>(200_000).fill(58040)] })
      .catch((x: unknown) => x);
    expect(flood).toBeInstanceOf(OpenAI.BadRequestError);
    expect((flood as Error).message).toMatch(/`input\[0\]` decodes to more than 16 MiB of text/);
    // The budget is the input's, not each list's.
    const lists = await client.embeddings
      .create({
        model: "text-embedding-3-small",
        input: Array.from({ length: 3 }, () => Array<number>(60_000).fill(58040)),
      })
      .catch((x: unknown) => x);
    expect(lists).toBeInstanceOf(OpenAI.BadRequestError);
    expect((lists as Error).message).toMatch(
      /`input\[2\]` decodes to more than 16 MiB of text with the rest/,
    );
    expect(gw.fake.requests).toHaveLength(0);
  });

  it("lists the policy's models and, for wildcard routes, the upstreams' own models that route there", async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain("azure-gpt-4o");
    expect(ids).toContain("qwen2.5-coder");
    // gpt-* routes to the openai upstream, whose own list has gpt-4.1; claude-* to anthropic's list;
    // codestral-* to the self-hosted one.
    expect(ids).toContain("gpt-4.1");
    expect(ids).toContain("claude-sonnet-4-5-20250929");
    expect(ids).toContain("codestral-latest");
    expect(list.data.find((m) => m.id === "gpt-4.1")?.owned_by).toBe("openai");
    expect(list.data.find((m) => m.id === "codestral-latest")?.owned_by).toBe("local");
    expect(ids.some((id) => id.includes("*"))).toBe(false);
  });
});
