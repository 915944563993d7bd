import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestGateway } from "../helpers/gateway.js";
import { openPgliteStore, type TestStore } from "../helpers/stores.js";
import { cliSandbox, parseJson, type CliSandbox } from "./helpers.js";

// A request that failed after its answer started (the upstream dropped the connection mid-stream) must
// not read as allowed in `detente ai events`: the real gateway writes the event into a store, then the
// CLI lists that store.

let upstream: Server;
let ts: TestStore;
let cli: CliSandbox;
let requestId = "";
let leftId = "";

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = {
        id: "chatcmpl-1",
        object: "chat.completion.chunk",
        created: 1,
        model: "gpt-4o",
        choices: [{ index: 0, delta: { content: "Half an answer" }, logprobs: null, finish_reason: null }],
      };
      // "wait": the answer starts and never ends, until the client leaves.
      if (body.includes("wait")) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      else
        res.write(`data: ${JSON.stringify(chunk)}\n\n`, () => {
          res.destroy();
        });
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  ts = await openPgliteStore();
  cli = await cliSandbox();
  const gw = await startTestGateway({
    store: ts,
    upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  });
  try {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    requestId = response.headers.get("x-detente-request-id") ?? "";
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toThrow(/interrupted/);
    await eventually(() => gw.events.find((e) => e.requestId === requestId), "the event");
    // A client that leaves halfway through the answer.
    const abort = new AbortController();
    const left = await client.chat.completions
      .create(
        { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "wait" }] },
        { signal: abort.signal },
      )
      .withResponse();
    leftId = left.response.headers.get("x-detente-request-id") ?? "";
    // The SDK ends the iteration quietly or with an abort error, depending on where the abort lands.
    await (async () => {
      for await (const _ of left.data) abort.abort();
    })().catch(() => undefined);
    await eventually(
      () => gw.events.find((e) => e.requestId === leftId),
      "the event of the client that left",
    );
    await gw.flush();
  } finally {
    await gw.close();
    // The CLI opens the same embedded database: it must be closed here first.
    await ts.store.close();
  }
}, 120_000);

afterAll(async () => {
  await cli.dispose();
  await ts.dispose();
  await new Promise<void>((resolve) => {
    upstream.close(() => {
      resolve();
    });
  });
});

describe(
  "detente ai events after an upstream stream broke off, and a client left",
  { timeout: 120_000 },
  () => {
    it("shows the broken stream as an error with status 502 (found with --action error) and the client leaving as 499", async () => {
      const table = await cli.run(["ai", "events"], { env: { DETENTE_HOME: ts.where } });
      expect(table.code, table.stderr).toBe(0);
      const rows = table.stdout.split("\n").filter((l) => /^\d{4}-\d{2}-\d{2}T/.test(l));
      expect(rows).toHaveLength(2);
      // Newest first: the client that left, then the broken stream.
      expect(rows[0]).toMatch(/\/gpt-4o\s+allow 499\s/);
      expect(rows[1]).toMatch(/\/gpt-4o\s+error 502\s/);
      const json = await cli.run(["ai", "events", "--json", "--action", "error"], {
        env: { DETENTE_HOME: ts.where },
      });
      expect(json.code, json.stderr).toBe(0);
      expect(parseJson(json)).toMatchObject([
        { requestId, action: "error", status: 502, error: "upstream_stream_error" },
      ]);
    });
  },
);
