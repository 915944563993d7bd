import { Anthropic } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../../test/helpers/gateway.js";
import {
  type ScriptedUpstream,
  messageStart,
  sseEvents,
  startScriptedUpstream,
} from "../../../test/helpers/scripted-upstream.js";

/** An upstream's own errors reach the client as the SDKs need them to decide what to do next. */

let upstream: ScriptedUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startScriptedUpstream();
  gw = await startTestGateway({ upstreamUrl: upstream.url });
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
});

describe("upstream errors", () => {
  it("passes on whether and when to retry", async () => {
    const overloaded = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
    upstream.answer(JSON.stringify(overloaded), {
      status: 529,
      headers: { "x-should-retry": "false", "retry-after-ms": "1500", "retry-after": "2" },
    });
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": gw.key, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model: "claude-sonnet-4-5",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(res.status).toBe(529);
    expect(res.headers.get("x-should-retry")).toBe("false");
    expect(res.headers.get("retry-after-ms")).toBe("1500");
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toEqual(overloaded);
  });

  it("sends the text held back for inspection before an error event the upstream sends mid-stream", async () => {
    // The last word looks like it could become a credential, so it is held until more text comes.
    const text = "Deploy with DEPLOY_KEY=Kq8ZrT2mWx9vLp4N";
    upstream.answer(
      sseEvents([
        messageStart(),
        { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        ...(text.match(/.{1,8}/g) ?? []).map((t) => ({
          type: "content_block_delta",
          index: 0,
          delta: { type: "text_delta", text: t },
        })),
        { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      ]),
    );
    const stream = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 }).messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "deploy" }],
    });
    let got = "";
    stream.on("text", (delta) => {
      got += delta;
    });
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain("Overloaded");
    expect(got).toBe(text);
  });
});
