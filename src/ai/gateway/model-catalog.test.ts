import { describe, expect, it } from "vitest";
import { DEV, examplePolicy } from "../policy/testing.js";
import { createModelCatalog } from "./model-catalog.js";
import type { Upstream } from "./upstream.js";
import type { UpstreamClient } from "./upstream-client.js";

const OPENAI: Upstream = {
  name: "openai",
  type: "openai",
  baseUrl: "https://api.openai.com/v1",
  apiKey: "sk-test",
  formats: ["openai"],
  timeoutMs: 1000,
  headers: {},
};

/** A client whose model listing answers what `answers` holds next (null: the upstream failed). */
function listingClient(answers: (string[] | null)[]): UpstreamClient & { asked: number } {
  const client = {
    asked: 0,
    send: () => {
      throw new Error("not used");
    },
    listModels: (upstream: Upstream) => {
      client.asked++;
      return Promise.resolve(upstream.name === "openai" ? (answers.shift() ?? null) : []);
    },
    close: () => Promise.resolve(),
  };
  return client;
}

describe("the model catalog", () => {
  it("does not keep an upstream's failed listing for the whole cache time, and keeps its last good list", async () => {
    let clock = 0;
    const client = listingClient([null, ["gpt-4o", "gpt-4o-mini"], null]);
    const catalog = createModelCatalog({
      policy: examplePolicy(),
      upstreams: new Map([["openai", OPENAI]]),
      client,
      ttlMs: 300_000,
      retryMs: 10_000,
      now: () => clock,
    });
    const gpt = async () => (await catalog.list(DEV)).filter((m) => m.startsWith("gpt-4o"));
    expect(await gpt()).toEqual([]); // failed: nothing known yet
    clock = 5_000;
    expect(await gpt()).toEqual([]); // not asked again within retryMs
    expect(client.asked).toBe(1);
    clock = 10_000;
    expect(await gpt()).toEqual(["gpt-4o", "gpt-4o-mini"]);
    clock = 200_000;
    expect(await gpt()).toEqual(["gpt-4o", "gpt-4o-mini"]); // cached
    expect(client.asked).toBe(2);
    clock = 310_000;
    expect(await gpt()).toEqual(["gpt-4o", "gpt-4o-mini"]); // failed again: the last good list
    expect(client.asked).toBe(3);
  });
});
