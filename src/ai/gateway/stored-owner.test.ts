import { describe, expect, it } from "vitest";
import type { GatewayDeps } from "./deps.js";
import { storeMates } from "./stored-owner.js";
import type { Upstream, UpstreamType } from "./upstream.js";

function depsWith(bases: Record<string, [UpstreamType, string]>): GatewayDeps {
  const upstreams = new Map<string, Upstream>();
  for (const [name, [type, baseUrl]] of Object.entries(bases))
    upstreams.set(name, { name, type, baseUrl, apiKey: undefined, formats: [], timeoutMs: 1, headers: {} });
  return { upstreams } as unknown as GatewayDeps;
}

describe("storeMates", () => {
  it("takes every upstream on the same server for one store, whatever the path, case or default port", () => {
    const deps = depsWith({
      openai: ["openai", "https://api.openai.com/v1"],
      zdr: ["openai-compatible", "HTTPS://API.OpenAI.com:443/v1/"],
      fqdn: ["openai-compatible", "https://api.openai.com./v1"],
      azure: ["azure-openai", "https://r.openai.azure.com"],
      azureV1: ["openai-compatible", "https://r.openai.azure.com/openai/v1"],
      anthropic: ["anthropic", "https://api.anthropic.com"],
      claudeCompat: ["openai-compatible", "https://api.anthropic.com/v1"],
      plain: ["openai-compatible", "http://api.openai.com/v1"],
      otherPort: ["openai-compatible", "https://api.openai.com:8443/v1"],
    });
    // The providers' own APIs (random ids) are checked on one another too.
    expect(storeMates(deps, "openai")).toEqual(["openai", "zdr", "fqdn", "azure", "anthropic"]);
    expect(storeMates(deps, "azureV1")).toEqual(["azureV1", "azure"]);
    expect(storeMates(deps, "claudeCompat")).toEqual(["claudeCompat", "anthropic"]);
    expect(storeMates(deps, "plain")).toEqual(["plain"]);
    expect(storeMates(deps, "otherPort")).toEqual(["otherPort"]);
    expect(storeMates(deps, "gone")).toEqual(["gone"]);
  });

  it("checks an id on every upstream of the providers' own APIs: one account answers under several host names", () => {
    const deps = depsWith({
      azure: ["azure-openai", "https://contoso.openai.azure.com"],
      foundry: ["azure-openai", "https://contoso.cognitiveservices.azure.com"],
      eu: ["openai", "https://eu.api.openai.com/v1"],
      local: ["openai-compatible", "http://127.0.0.1:11434/v1"],
    });
    expect(storeMates(deps, "azure")).toEqual(["azure", "foundry", "eu"]);
    expect(storeMates(deps, "foundry")).toEqual(["foundry", "azure", "eu"]);
    // A self-hosted server may number its ids: only its own server shares its store.
    expect(storeMates(deps, "local")).toEqual(["local"]);
  });
});
