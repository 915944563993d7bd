import { describe, expect, it } from "vitest";
import { storedResponseRoute } from "./stored-routes.js";
import { storedResponseUrl, type Upstream } from "./upstream.js";

const upstream = (type: Upstream["type"], baseUrl: string): Upstream => ({
  name: type,
  type,
  baseUrl,
  apiKey: "sk-test",
  formats: ["openai"],
  timeoutMs: 1000,
  headers: {},
});

describe("stored-response routes", () => {
  it("knows each route by method and path, a trailing slash allowed, the id decoded", () => {
    expect(storedResponseRoute("GET", "/v1/responses/resp_1")).toEqual({ action: "retrieve", id: "resp_1" });
    expect(storedResponseRoute("DELETE", "/v1/responses/resp_1/")).toEqual({
      action: "delete",
      id: "resp_1",
    });
    expect(storedResponseRoute("GET", "/v1/responses/resp_1/input_items")).toEqual({
      action: "input_items",
      id: "resp_1",
    });
    expect(storedResponseRoute("POST", "/v1/responses/resp_1/cancel")).toEqual({
      action: "cancel",
      id: "resp_1",
    });
    expect(storedResponseRoute("GET", "/v1/responses/a%2Fb")).toEqual({ action: "retrieve", id: "a/b" });
  });

  it("is none of them for other methods, deeper paths, an empty id or a bad escape", () => {
    for (const [method, path] of [
      ["POST", "/v1/responses/resp_1"],
      ["GET", "/v1/responses/resp_1/cancel"],
      ["POST", "/v1/responses/resp_1/input_items"],
      ["GET", "/v1/responses/resp_1/input_items/x"],
      ["GET", "/v1/responses/"],
      ["GET", "/v1/responses//input_items"],
      ["GET", "/v1/responses/%E0%A4%A"],
      ["GET", "/v1/models/resp_1"],
    ] as const)
      expect(storedResponseRoute(method, path), `${method} ${path}`).toBeUndefined();
  });

  it("goes to the upstream's `/responses/{id}` with the query, on Azure to its v1 API", () => {
    const openai = upstream("openai", "https://api.openai.com/v1/");
    expect(storedResponseUrl(openai, "resp_1", "/input_items", "?limit=5&include[]=x")).toBe(
      "https://api.openai.com/v1/responses/resp_1/input_items?limit=5&include[]=x",
    );
    expect(storedResponseUrl(openai, "a/b?c", "", "")).toBe("https://api.openai.com/v1/responses/a%2Fb%3Fc");
    const azure = upstream("azure-openai", "https://acme.openai.azure.com");
    expect(storedResponseUrl(azure, "resp_1", "/cancel", "")).toBe(
      "https://acme.openai.azure.com/openai/v1/responses/resp_1/cancel",
    );
  });
});
