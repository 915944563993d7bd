import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { toolFromUserAgent } from "./user-agent.js";

/**
 * Where each string comes from. Confirmed: Claude Code (`claude-cli/<v> (external, cli)` and
 * `(external, claude-vscode)`, captured requests quoted in anthropics/claude-code#72879 and
 * Wei-Shaw/claude-relay-service#490), Codex (codex-rs `get_codex_user_agent`: `<originator>/<v> (<os>
 * <version>; <arch>) <terminal>` plus an `originator` header), Copilot Chat (`GitHubCopilotChat/<v>`,
 * `Editor-Plugin-Version: copilot-chat/<v>`, `Copilot-Integration-Id: vscode-chat`), Cline
 * (`Cline/<v>` in cline's buildExternalBasicHeaders; `X-Title: Cline`, `HTTP-Referer: https://cline.bot`,
 * `X-Cline-Version` on its OpenAI-compatible clients), Roo Code (`RooCode/<v>`, `X-Title: Roo Code`,
 * `HTTP-Referer: https://github.com/RooVetGit/Roo-Cline` in src/api/providers/constants.ts), Continue
 * (`Continue/<v> (<ide name>; <ide type>)` and `Continue-CLI/<v>`, continuedev/continue#8532), aider
 * (`X-Title: Aider`, `HTTP-Referer: http://aider.chat`, sent to OpenRouter), the OpenAI and Anthropic SDKs
 * (captured below from the installed SDKs). Zed's `Zed/<v> (<os>; <arch>)` is from a third-party
 * client that copies it. Not confirmed: Cursor, Windsurf and JetBrains AI (no captured request found);
 * their cases below are built from the product names.
 */

async function sdkUserAgent(make: (fetch: typeof globalThis.fetch) => Promise<unknown>): Promise<string> {
  let seen = "";
  const fetch: typeof globalThis.fetch = (_url, init) => {
    seen = new Headers(init?.headers).get("user-agent") ?? "";
    return Promise.resolve(
      new Response(JSON.stringify({ data: [], has_more: false, object: "list" }), {
        headers: { "content-type": "application/json" },
      }),
    );
  };
  await make(fetch);
  return seen;
}

describe("toolFromUserAgent", () => {
  it.each([
    ["claude-cli/1.0.83 (external, cli)", "claude-code"],
    ["claude-cli/2.0.0 (external, claude-vscode)", "claude-code"],
    ["codex_cli_rs/0.38.0 (Ubuntu 24.04.2 LTS; x86_64) WindowsTerminal", "codex"],
    ["codex_vscode/0.144.1 (Mac OS 15.5.0; arm64) vscode/1.103.0", "codex"],
    ["codex_exec/0.50.0 (Debian 12.0.0; x86_64) unknown", "codex"],
    ["GitHubCopilotChat/0.26.7", "copilot"],
    ["Cline/3.42.0", "cline"],
    ["RooCode/3.53.0", "roo-code"],
    ["Continue/1.2.10 (Visual Studio Code; vscode)", "continue"],
    ["Continue-CLI/1.5.0", "continue"],
    ["Zed/0.180.0 (macos; aarch64)", "zed"],
    ["curl/8.5.0", "curl"],
    ["OpenAI/Python 1.51.0", "openai-sdk"],
    ["Anthropic/Python 0.40.0", "anthropic-sdk"],
    // Unconfirmed: built from the product names.
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Cursor/1.2.4 Chrome/132.0.6834.210 Electron/34.5.1 Safari/537.36",
      "cursor",
    ],
    ["windsurf/1.10.0", "windsurf"],
    ["JetBrains-AI-Assistant/251.26094 IntelliJ IDEA/2025.1", "jetbrains-ai"],
    // Generic clients that say nothing about the tool.
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
      "unknown",
    ],
    ["python-requests/2.31.0", "unknown"],
    ["node", "unknown"],
    ["", "unknown"],
  ])("names %s as %s", (ua, tool) => {
    expect(toolFromUserAgent(ua)).toBe(tool);
  });

  it("names the tool from its own headers when the User-Agent is an SDK's", () => {
    expect(
      toolFromUserAgent("OpenAI/JS 4.104.0", { "X-Title": "Cline", "HTTP-Referer": "https://cline.bot" }),
    ).toBe("cline");
    expect(toolFromUserAgent("OpenAI/JS 5.12.2", { "x-cline-version": "3.17.0" })).toBe("cline");
    expect(
      toolFromUserAgent("OpenAI/JS 5.12.2", {
        "http-referer": "https://github.com/RooVetGit/Roo-Cline",
        "x-title": "Roo Code",
      }),
    ).toBe("roo-code");
    expect(
      toolFromUserAgent("OpenAI/Python 1.51.0", { "x-title": "Aider", "http-referer": "http://aider.chat" }),
    ).toBe("aider");
    expect(
      toolFromUserAgent("Anthropic/JS 0.60.0", { "anthropic-beta": "claude-code-20250219,oauth-2025-04-20" }),
    ).toBe("claude-code");
    expect(toolFromUserAgent(undefined, { originator: "codex_cli_rs" })).toBe("codex");
    expect(
      toolFromUserAgent("node-fetch", {
        "editor-version": "vscode/1.99.3",
        "editor-plugin-version": "copilot-chat/0.26.7",
        "copilot-integration-id": "vscode-chat",
      }),
    ).toBe("copilot");
    expect(toolFromUserAgent(undefined, { "x-title": ["Continue", "other"] })).toBe("continue");
  });

  it("recognises the User-Agent the installed OpenAI and Anthropic SDKs really send", async () => {
    const openai = await sdkUserAgent((fetch) =>
      new OpenAI({ apiKey: "test", baseURL: "http://127.0.0.1:9/v1", fetch, maxRetries: 0 }).models.list(),
    );
    expect(openai).toMatch(/^OpenAI\/JS \d/);
    expect(toolFromUserAgent(openai)).toBe("openai-sdk");
    const anthropic = await sdkUserAgent((fetch) =>
      new Anthropic({ apiKey: "test", baseURL: "http://127.0.0.1:9", fetch, maxRetries: 0 }).models.list(),
    );
    expect(anthropic).toMatch(/^Anthropic\/JS \d/);
    expect(toolFromUserAgent(anthropic)).toBe("anthropic-sdk");
  });

  it("looks only at the first 512 characters of each value", () => {
    expect(toolFromUserAgent(`${"x".repeat(600)} claude-cli/1.0.0`)).toBe("unknown");
    expect(toolFromUserAgent(`claude-cli/1.0.0 ${"x".repeat(1_000_000)}`)).toBe("claude-code");
    expect(toolFromUserAgent(undefined, { "x-title": `${" ".repeat(600)}Cline` })).toBe("unknown");
  });
});
