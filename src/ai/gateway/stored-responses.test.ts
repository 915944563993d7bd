import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  eventually,
  startTestGateway,
  UPSTREAM_KEYS,
  type TestGateway,
} from "../../../test/helpers/gateway.js";
import { openPostgresStore, type TestStore } from "../../../test/helpers/stores.js";

// A synthetic credential with a real shape (not a documentation example, which the allowlist passes).
const AWS_KEY = "AKIAQ3EGRZ7TXLMN4VWP";

// The ops team may send credentials (to see what comes back of them in stored input); nobody else may.
const POLICY = `  rules:
    - { data: secret, teams: [ops], action: allow }
    - { data: secret, action: block }
    - { data: pii, action: redact }
`;

let gw: TestGateway;
let alice: OpenAI;

const clientFor = (apiKey: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });

beforeAll(async () => {
  gw = await startTestGateway({ extraYaml: POLICY });
  alice = clientFor(gw.key);
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.fake.reset();
});

/** The requests for stored responses the fake upstream received. */
function storedCalls() {
  return gw.fake.requests.filter((r) => r.path.includes("/responses/resp_"));
}

describe("stored responses through the gateway", () => {
  it("retrieves, lists the input of and deletes a response its creator made, at the upstream with detente's credential", async () => {
    const created = await alice.responses.create({ model: "gpt-4o", input: "What is a mutex?" });
    const { data: got, response } = await alice.responses.retrieve(created.id).withResponse();
    expect(got.id).toBe(created.id);
    expect(got.output_text).toBe("You said: What is a mutex?");
    expect(response.headers.get("x-detente-decision")).toBe("allow");
    expect(response.headers.get("x-detente-request-id")).toBeTruthy();
    const up = storedCalls().at(-1)!;
    expect(up.method).toBe("GET");
    expect(up.path).toBe(`/v1/responses/${created.id}`);
    expect(up.headers.authorization).toBe(`Bearer ${UPSTREAM_KEYS.FAKE_OPENAI_KEY}`);
    expect(JSON.stringify(up.headers)).not.toContain(gw.key);

    const page = await alice.responses.inputItems.list(created.id, { limit: 5, order: "asc" });
    expect(storedCalls().at(-1)!.path).toBe(`/v1/responses/${created.id}/input_items?limit=5&order=asc`);
    const first = page.data[0];
    expect(first?.type === "message" && first.content[0]).toMatchObject({
      type: "input_text",
      text: "What is a mutex?",
    });

    await alice.responses.delete(created.id);
    expect(storedCalls().at(-1)!.method).toBe("DELETE");
    await expect(alice.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);

    const endpoints = ["responses.retrieve", "responses.input_items", "responses.delete"];
    const events = await eventually(() => {
      const found = endpoints.map((e) => gw.events.find((ev) => ev.endpoint === e));
      return found.every((e) => e !== undefined) ? found : undefined;
    }, "the audit events of the three calls");
    for (const event of events)
      expect(event).toMatchObject({
        user: "alice@example.com",
        team: "payments",
        upstream: "openai",
        provider: "openai",
        modelUsed: "gpt-4o",
        modelRouted: "gpt-4o",
        action: "allow",
        status: 200,
        stream: false,
        // A retrieval uses no tokens: the creation counted them.
        tokensIn: null,
        tokensOut: null,
      });
    // Every call on one response carries the same keyed hash of its id, and never the id.
    expect(new Set(events.map((e) => e.requestHash)).size).toBe(1);
    expect(JSON.stringify(events)).not.toContain(created.id);
  });

  it("answers someone else's response as it answers an unknown one: not found, and nothing sent upstream", async () => {
    const created = await alice.responses.create({ model: "gpt-4o", input: "private notes" });
    const bob = clientFor(await gw.keyFor({ user: "bob@example.com", team: "payments" }));
    const theirs = await bob.responses.retrieve(created.id).catch((e: unknown) => e);
    const unknown = await alice.responses.retrieve("resp_made_at_the_provider").catch((e: unknown) => e);
    for (const err of [theirs, unknown]) {
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as Error).message).toContain("detente serves only the stored responses created through it");
    }
    expect((theirs as Error).message).toBe((unknown as Error).message);
    for (const call of [
      bob.responses.inputItems.list(created.id),
      bob.responses.delete(created.id),
      bob.responses.cancel(created.id),
    ])
      await expect(call).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(storedCalls()).toEqual([]);
    const denied = await eventually(
      () => gw.events.find((e) => e.endpoint === "responses.retrieve" && e.user === "bob@example.com"),
      "bob's retrieval",
    );
    expect(denied).toMatchObject({ status: 404, error: "response_not_found", upstream: null });
    // Alice's own other key (one per tool) reaches it: a response is its user's.
    const aliceCursor = clientFor(await gw.keyFor({ user: "alice@example.com", team: "payments" }));
    expect((await aliceCursor.responses.retrieve(created.id)).output_text).toBe("You said: private notes");
  });

  it("lets only its creator continue a stored response: someone else's previous_response_id is not found, and not sent", async () => {
    const created = await alice.responses.create({ model: "gpt-4o", input: "the plan for Q3" });
    const bob = clientFor(await gw.keyFor({ user: "bob@example.com", team: "payments" }));
    gw.fake.reset();
    const err = await bob.responses
      .create({ model: "gpt-4o", input: "repeat what I said", previous_response_id: created.id })
      .catch((e: unknown) => e);
    // The provider refuses an id it does not know with a 400 of this code: the SDKs raise the same error.
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain("not created through detente by you");
    expect((err as { code?: unknown }).code).toBe("previous_response_not_found");
    expect(gw.fake.requests).toEqual([]);
    const denied = await eventually(
      () => gw.events.find((e) => e.user === "bob@example.com" && e.error === "previous_response_not_found"),
      "bob's continuation",
    );
    expect(denied).toMatchObject({ endpoint: "responses", action: "deny", status: 400 });
    expect(JSON.stringify(denied)).not.toContain(created.id);

    // Its creator continues it; an id made at the provider directly is the provider's to judge.
    const next = await alice.responses.create({
      model: "gpt-4o",
      input: "and then?",
      previous_response_id: created.id,
    });
    expect(next.output_text).toBe("You said: and then?");
    await bob.responses.create({
      model: "gpt-4o",
      input: "hi",
      previous_response_id: "resp_made_at_the_provider",
    });
    const sent = gw.fake.requests.map(
      (r) => (JSON.parse(r.body) as { previous_response_id?: unknown }).previous_response_id,
    );
    expect(sent).toEqual([created.id, "resp_made_at_the_provider"]);
  });

  it("lets only its creator name a stored response's items in an item_reference, whole and streamed", async () => {
    const whole = await alice.responses.create({ model: "gpt-4o", input: "the salary list" });
    const stream = await alice.responses.create({
      model: "gpt-4o",
      input: "the board minutes",
      stream: true,
    });
    let streamed: string | undefined;
    for await (const ev of stream) if (ev.type === "response.output_item.done") streamed = ev.item.id;
    const items = [whole.output[0]!.id!, streamed!];
    expect(items.every((id) => id.startsWith("msg_"))).toBe(true);
    const bob = clientFor(await gw.keyFor({ user: "bob@example.com", team: "payments" }));
    gw.fake.reset();
    for (const id of items) {
      // The API reads an item with an id and neither a type nor a role as a reference too.
      for (const reference of [{ type: "item_reference" as const, id }, { id }]) {
        const err = await bob.responses
          .create({ model: "gpt-4o", input: [reference, { role: "user", content: "repeat that" }] })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
        expect((err as Error).message).toContain("not created through detente by you");
      }
    }
    expect(gw.fake.requests).toEqual([]);
    const denied = await eventually(
      () => gw.events.find((e) => e.user === "bob@example.com" && e.error === "item_not_found"),
      "bob's reference",
    );
    expect(denied).toMatchObject({ endpoint: "responses", action: "deny", status: 400 });
    expect(JSON.stringify(denied)).not.toContain(items[0]);

    // Its creator names them; an item nobody created through detente is the provider's to judge.
    await alice.responses.create({
      model: "gpt-4o",
      input: [
        ...items.map((id) => ({ type: "item_reference" as const, id })),
        { role: "user", content: "and?" },
      ],
    });
    await bob.responses.create({
      model: "gpt-4o",
      input: [
        { type: "item_reference", id: "msg_made_at_the_provider" },
        { role: "user", content: "hi" },
      ],
    });
    const sent = gw.fake.requests.map(
      (r) => (JSON.parse(r.body) as { input: { id?: string }[] }).input[0]?.id,
    );
    expect(sent).toEqual([items[0], "msg_made_at_the_provider"]);
  });

  it("refuses another user's item named by id in any input item the provider reads from what it stored", async () => {
    const whole = await alice.responses.create({ model: "gpt-4o", input: "the salary list" });
    const id = whole.output[0]!.id!;
    const bob = clientFor(await gw.keyFor({ user: "bob@example.com", team: "payments" }));
    gw.fake.reset();
    // The provider reads a generated image (`image_generation_call`) and reasoning by their ids, and an
    // item with an id and a `role` but no `type` is no message of the client's own either.
    const items: Record<string, unknown>[] = [
      { type: "image_generation_call", id },
      { type: "reasoning", id, summary: [] },
      { type: "message", role: "assistant", id, content: [] },
      { role: null, id },
      // An MCP approval names the approval request it answers (here an item of Alice's).
      { type: "mcp_approval_response", approval_request_id: id, approve: true },
    ];
    for (const item of items) {
      const err = await bob.responses
        .create({
          model: "gpt-4o",
          input: [
            item,
            { role: "user", content: "describe it" },
          ] as unknown as OpenAI.Responses.ResponseInput,
        })
        .catch((e: unknown) => e);
      expect(err, JSON.stringify(item)).toBeInstanceOf(OpenAI.BadRequestError);
    }
    expect(gw.fake.requests).toEqual([]);
  });

  it("notes a streamed item when it starts: a client that leaves half-way has its id, with no `output_item.done`", async () => {
    // Alice leaves half-way: the item's `output_item.done` never passes, its `output_item.added` did.
    gw.fake.respondWith({ kind: "text", text: "x".repeat(400), chunkSize: 4, delayMs: 20 });
    const stream = await alice.responses.create({
      model: "gpt-4o",
      input: "the board minutes",
      stream: true,
    });
    let id: string | undefined;
    for await (const ev of stream) {
      if (ev.type === "response.output_item.added") id = ev.item.id;
      if (ev.type === "response.output_text.delta") break;
    }
    const bob = clientFor(await gw.keyFor({ user: "bob@example.com", team: "payments" }));
    gw.fake.reset();
    const err = await bob.responses
      .create({
        model: "gpt-4o",
        input: [
          { type: "item_reference", id: id! },
          { role: "user", content: "go on" },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(gw.fake.requests).toEqual([]);
  });

  it("refuses a request naming more items by id than it looks up: each is looked up before it is sent", async () => {
    const bob = clientFor(await gw.keyFor({ user: "bob@example.com", team: "payments" }));
    const many = Array.from({ length: 10_001 }, (_, i) => ({
      type: "item_reference" as const,
      id: `msg_${i}`,
    }));
    const tooMany = await bob.responses
      .create({ model: "gpt-4o", input: [...many, { role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tooMany as Error).message).toContain("10,000");
    expect(gw.fake.requests).toEqual([]);
    const event = await eventually(
      () => gw.events.find((e) => e.user === "bob@example.com" && e.error === "too_many_item_references"),
      "the refusal's audit event",
    );
    expect(event).toMatchObject({ endpoint: "responses", action: "deny", status: 400 });
  });

  it("checks a continuation on every upstream with the same base URL: two names for one provider are one store", async () => {
    // In these tests `openai` and `local` both point at the fake upstream's /v1.
    const created = await alice.responses.create({ model: "gpt-4o", input: "the acquisition memo" });
    const bob = clientFor(await gw.keyFor({ user: "bob@example.com", team: "payments" }));
    gw.fake.reset();
    for (const request of [
      { model: "codestral-latest", input: "repeat it", previous_response_id: created.id },
      {
        model: "codestral-latest",
        input: [
          { type: "item_reference" as const, id: created.output[0]!.id! },
          { role: "user" as const, content: "again" },
        ],
      },
    ]) {
      const err = await bob.responses.create(request).catch((e: unknown) => e);
      expect(err, JSON.stringify(request)).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as Error).message).toContain("not created through detente by you");
    }
    expect(gw.fake.requests).toEqual([]);
    // Its creator continues it through either name.
    const next = await alice.responses.create({
      model: "codestral-latest",
      input: "and then?",
      previous_response_id: created.id,
    });
    expect(next.output_text).toBe("You said: and then?");
  });

  it("does not serve a response created with `store: false`", async () => {
    const created = await alice.responses.create({ model: "gpt-4o", input: "forget me", store: false });
    await expect(alice.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(storedCalls()).toEqual([]);
  });

  it("masks a secret in a stored answer on retrieval, whole and streamed, as when it was first answered", async () => {
    gw.fake.respondWith({ kind: "text", text: `The deploy key is ${AWS_KEY}, keep it safe.` });
    const created = await alice.responses.create({ model: "gpt-4o", input: "What is the deploy key?" });
    expect(created.output_text).not.toContain(AWS_KEY);
    const { data: got, response } = await alice.responses.retrieve(created.id).withResponse();
    expect(got.output_text).not.toContain(AWS_KEY);
    expect(got.output_text).toContain("keep it safe.");
    expect(response.headers.get("x-detente-decision")).toBe("allow");
    const event = await eventually(
      () => gw.events.find((e) => e.endpoint === "responses.retrieve" && e.action === "redact"),
      "the retrieval's audit event",
    );
    expect(event.detections).toMatchObject([{ dataClass: "secret", where: "response" }]);
    expect(JSON.stringify(event)).not.toContain(AWS_KEY);

    const stream = await alice.responses.retrieve(created.id, { stream: true });
    let text = "";
    for await (const ev of stream) if (ev.type === "response.output_text.delta") text += ev.delta;
    expect(text).toContain("keep it safe.");
    expect(text).not.toContain(AWS_KEY);
    expect(storedCalls().at(-1)!.path).toBe(`/v1/responses/${created.id}?stream=true`);
    await eventually(
      () => gw.events.find((e) => e.endpoint === "responses.retrieve" && e.stream && e.status === 200),
      "the streamed retrieval's audit event",
    );
  });

  it("masks a secret in the stored input of a caller allowed to send it", async () => {
    const ops = clientFor(await gw.keyFor({ user: "oscar@example.com", team: "ops" }));
    const created = await ops.responses.create({
      model: "gpt-4o",
      input: [{ role: "user", content: `Rotate ${AWS_KEY} tonight.` }],
    });
    const page = await ops.responses.inputItems.list(created.id);
    const item = page.data[0];
    const text =
      item?.type === "message" && item.content[0]?.type === "input_text" ? item.content[0].text : "";
    expect(text).toContain("tonight.");
    expect(text).not.toContain(AWS_KEY);
  });

  it("masks a secret in the instructions a retrieved response echoes, as in its input items", async () => {
    const ops = clientFor(await gw.keyFor({ user: "oscar@example.com", team: "ops" }));
    const created = await ops.responses.create({
      model: "gpt-4o",
      instructions: `Use ${AWS_KEY} to deploy.`,
      input: "Deploy it.",
    });
    const raw = await fetch(`${gw.url}/v1/responses/${created.id}`, {
      headers: { authorization: `Bearer ${await gw.keyFor({ user: "oscar@example.com", team: "ops" })}` },
    });
    const body = (await raw.json()) as { instructions?: unknown };
    expect(String(body.instructions)).toContain("to deploy.");
    expect(JSON.stringify(body)).not.toContain(AWS_KEY);
  });

  it("does not resume a stored stream part-way (`starting_after`): what came before would go uninspected", async () => {
    const created = await alice.responses.create({ model: "gpt-4o", input: "What is a mutex?" });
    gw.fake.reset();
    const err = await alice.responses
      .retrieve(created.id, { stream: true, starting_after: 4 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain("retrieve it from the start");
    expect(storedCalls()).toEqual([]);
  });

  it("knows a streamed response by its `response.created`, and cancels a background one", async () => {
    const stream = await alice.responses.create({ model: "gpt-4o", input: "stream it", stream: true });
    let id = "";
    for await (const ev of stream) if (ev.type === "response.created") id = ev.response.id;
    expect((await alice.responses.retrieve(id)).output_text).toBe("You said: stream it");
    // A response made in the foreground cannot be cancelled: the upstream's 400 passes as it came.
    const cancelled = await alice.responses.cancel(id).catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(OpenAI.BadRequestError);
    expect((cancelled as Error).message).toContain("background=true");

    const background = await alice.responses.create({ model: "gpt-4o", input: "later", background: true });
    const { data, response } = await alice.responses.cancel(background.id).withResponse();
    expect(data.status).toBe("cancelled");
    expect(response.headers.get("x-detente-decision")).toBe("allow");
    expect(storedCalls().at(-1)).toMatchObject({
      method: "POST",
      path: `/v1/responses/${background.id}/cancel`,
    });
    await eventually(
      () => gw.events.find((e) => e.endpoint === "responses.cancel" && e.status === 200),
      "the cancellation's audit event",
    );
  });

  it("passes the upstream's errors as they came, and cancels the upstream call when the client leaves", async () => {
    const created = await alice.responses.create({ model: "gpt-4o", input: "busy day" });
    gw.fake.respondWith({ kind: "error", status: 429, message: "Rate limit reached for requests." });
    const limited = await alice.responses.retrieve(created.id).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as Error).message).toContain("Rate limit reached for requests.");
    const event = await eventually(
      () => gw.events.find((e) => e.endpoint === "responses.retrieve" && e.status === 429),
      "the limited retrieval's audit event",
    );
    expect(event.error).toBe("upstream_429");

    gw.fake.respondWith({ kind: "hang" });
    const controller = new AbortController();
    const pending = alice.responses.retrieve(created.id, {}, { signal: controller.signal });
    await eventually(() => (storedCalls().length === 2 ? true : undefined), "the upstream call");
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await eventually(() => (gw.fake.aborted > 0 ? true : undefined), "the upstream call to be cancelled");
    await eventually(
      () => gw.events.find((e) => e.endpoint === "responses.retrieve" && e.error === "client_closed"),
      "the abandoned retrieval's audit event",
    );
  });

  it("goes to Azure OpenAI's v1 API with its credential for a response created there", async () => {
    const created = await alice.responses.create({ model: "azure-gpt-4o", input: "hello azure" });
    expect((await alice.responses.retrieve(created.id)).output_text).toBe("You said: hello azure");
    const up = storedCalls().at(-1)!;
    expect(up.path).toBe(`/openai/v1/responses/${created.id}`);
    expect(up.headers["api-key"]).toBe(UPSTREAM_KEYS.FAKE_AZURE_KEY);
  });

  it("wants a valid detente key, with or without the framework in front", async () => {
    const created = await alice.responses.create({ model: "gpt-4o", input: "mine" });
    const anonymous = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: "unused",
      defaultHeaders: { Authorization: null },
      maxRetries: 0,
    });
    const missing = await anonymous.responses.retrieve(created.id).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((missing as Error).message).toContain("No detente key");
    const wrong = clientFor("dtk_not_a_real_key");
    await expect(wrong.responses.inputItems.list(created.id)).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const injected = await gw.app.inject({ method: "DELETE", url: `/v1/responses/${created.id}` });
    expect(injected.statusCode).toBe(401);
    expect(injected.headers["x-detente-decision"]).toBe("deny");
    expect(storedCalls()).toEqual([]);
  });

  it("lists the stored-response routes among what it serves", async () => {
    const err = await alice.files.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as Error).message).toContain("GET /v1/responses/{id}/input_items");
  });
});

describe("stored responses across gateway instances on PostgreSQL", () => {
  let pg: TestStore;
  let first: TestGateway;
  let second: TestGateway;

  beforeAll(async () => {
    pg = await openPostgresStore();
    first = await startTestGateway({ store: pg });
    // A second instance on the same database, in front of the same upstream.
    second = await startTestGateway({ store: pg, upstreamUrl: first.fake.url });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await pg?.dispose();
  });

  it("serves on one instance what was created through another, to its creator only", async () => {
    const viaFirst = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: first.key, maxRetries: 0 });
    const created = await viaFirst.responses.create({ model: "gpt-4o", input: "shared state" });
    const viaSecond = new OpenAI({ baseURL: `${second.url}/v1`, apiKey: first.key, maxRetries: 0 });
    // The first instance writes who created it as its answer goes out: another knows it moments later.
    let got: OpenAI.Responses.Response | undefined;
    for (let tries = 0; got === undefined; tries++) {
      try {
        got = await viaSecond.responses.retrieve(created.id);
      } catch (e) {
        if (!(e instanceof OpenAI.NotFoundError) || tries === 50) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(got.output_text).toBe("You said: shared state");
    const bob = new OpenAI({
      baseURL: `${second.url}/v1`,
      apiKey: await second.keyFor({ user: "bob@example.com", team: "payments" }),
      maxRetries: 0,
    });
    await expect(bob.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
