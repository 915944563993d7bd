/**
 * Name the coding assistant behind a request from its User-Agent and the few other headers assistants
 * set to identify themselves. Only the first 512 characters of each value are looked at, with plain
 * substring tests (no regular expression that could backtrack), so a hostile header costs nothing.
 *
 * Sources (see the tests for the strings): Claude Code sends `claude-cli/<version> (external, cli)` and
 * `anthropic-beta: claude-code-...`; Codex sends `codex_cli_rs/<version> (...)` (or `codex_vscode`,
 * `codex_exec`) and an `originator` header; Copilot Chat `GitHubCopilotChat/<version>` with
 * `Copilot-Integration-Id`; Cline `Cline/<version>` and `X-Title: Cline`; Roo Code `RooCode/<version>`
 * and `X-Title: Roo Code`; Continue `Continue/<version> (...)` or `Continue-CLI/<version>`; Zed
 * `Zed/<version> (<os>; <arch>)`; aider `X-Title: Aider` with `HTTP-Referer: https://aider.chat`; the
 * Stainless SDKs `OpenAI/JS <version>`, `OpenAI/Python <version>`, `Anthropic/JS <version>`.
 * Cursor, Windsurf and JetBrains AI are recognised by their product names, unconfirmed.
 */

const LIMIT = 512;

/** Tools that put their own name in the User-Agent, most specific first. */
const BY_USER_AGENT: readonly (readonly [string, (ua: string) => boolean])[] = [
  ["claude-code", (ua) => ua.startsWith("claude-cli/") || ua.startsWith("claude-code/")],
  [
    "codex",
    (ua) =>
      ua.startsWith("codex_") ||
      ua.startsWith("codex/") ||
      ua.startsWith("codex ") ||
      ua.startsWith("codex-"),
  ],
  ["copilot", (ua) => ua.startsWith("githubcopilotchat/") || ua.includes("copilot")],
  ["roo-code", (ua) => ua.startsWith("roocode/") || ua.startsWith("roo-code/")],
  ["cline", (ua) => ua.startsWith("cline/") || ua.startsWith("cline-")],
  [
    "continue",
    (ua) => ua.startsWith("continue/") || ua.startsWith("continue-cli/") || ua.startsWith("continue.dev"),
  ],
  ["aider", (ua) => ua.startsWith("aider/") || ua.includes("aider.chat")],
  ["zed", (ua) => ua.startsWith("zed/")],
  ["cursor", (ua) => ua.startsWith("cursor/") || ua.includes(" cursor/")],
  ["windsurf", (ua) => ua.includes("windsurf") || ua.includes("codeium")],
  ["jetbrains-ai", (ua) => ua.includes("jetbrains") || ua.includes("intellij")],
];

/** Generic clients, recognised only when no tool names itself anywhere. */
const GENERIC: readonly (readonly [string, (ua: string) => boolean])[] = [
  ["openai-sdk", (ua) => ua.startsWith("openai/") || ua.startsWith("azureopenai/")],
  ["anthropic-sdk", (ua) => ua.startsWith("anthropic/")],
  ["curl", (ua) => ua.startsWith("curl/")],
];

const HEADERS_READ = new Set([
  "originator",
  "x-title",
  "http-referer",
  "x-cline-version",
  "copilot-integration-id",
  "editor-plugin-version",
  "anthropic-beta",
]);

/** The headers this module reads, lower-cased by name and value and cut to LIMIT characters. */
function readHeaders(headers: Readonly<Record<string, string | string[] | undefined>> | undefined) {
  const out = new Map<string, string>();
  if (!headers) return out;
  for (const name in headers) {
    const key = name.toLowerCase();
    const value = headers[name];
    if (!HEADERS_READ.has(key) || value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") out.set(key, first.slice(0, LIMIT).toLowerCase());
  }
  return out;
}

/** Tools that say who they are in headers other than the User-Agent (often beside an SDK's). */
function toolFromHeaders(h: Map<string, string>): string | undefined {
  const originator = h.get("originator");
  if (originator?.startsWith("codex")) return "codex";
  if (h.get("anthropic-beta")?.includes("claude-code-")) return "claude-code";
  if (h.has("copilot-integration-id") || h.get("editor-plugin-version")?.startsWith("copilot"))
    return "copilot";
  const title = h.get("x-title")?.trim();
  const referer = h.get("http-referer") ?? "";
  if (title === "cline" || h.has("x-cline-version") || referer.includes("cline.bot")) return "cline";
  if (title === "roo code" || referer.includes("roo-cline") || referer.includes("roocode")) return "roo-code";
  if (title === "aider" || referer.includes("aider.chat")) return "aider";
  if (title === "continue" || referer.includes("continue.dev")) return "continue";
  return undefined;
}

/**
 * The tool's id: claude-code, codex, copilot, cursor, continue, aider, cline, roo-code, windsurf, zed,
 * jetbrains-ai, openai-sdk, anthropic-sdk, curl, or "unknown". Header names are matched without case.
 *
 * @example
 * toolFromUserAgent("claude-cli/1.0.83 (external, cli)"); // "claude-code"
 * toolFromUserAgent("OpenAI/JS 6.1.0", { "x-title": "Cline" }); // "cline"
 */
export function toolFromUserAgent(
  userAgent: string | undefined,
  headers?: Readonly<Record<string, string | string[] | undefined>>,
): string {
  const ua = (userAgent ?? "").slice(0, LIMIT).toLowerCase().trim();
  for (const [tool, test] of BY_USER_AGENT) if (test(ua)) return tool;
  const fromHeaders = toolFromHeaders(readHeaders(headers));
  if (fromHeaders) return fromHeaders;
  for (const [tool, test] of GENERIC) if (test(ua)) return tool;
  return "unknown";
}
