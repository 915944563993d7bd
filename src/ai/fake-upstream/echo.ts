/**
 * The fake model's "intelligence": what it says by default (`You said: <the last user message>`), how
 * a reply is cut into stream chunks, token counts and embedding vectors. Deterministic, so tests can
 * compare exact output.
 */

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The text parts of a message's content: a string, or the `text` of its text-like parts, joined. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const part of content) {
    if (!isRecord(part) || typeof part.text !== "string") continue;
    if (part.type === "text" || part.type === "input_text" || part.type === undefined) out += part.text;
  }
  return out;
}

/** The last message with role `user` in a list of messages or Responses input items. */
function lastUser(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m: unknown = messages[i];
    if (isRecord(m) && m.role === "user" && (m.type === undefined || m.type === "message"))
      return contentText(m.content);
  }
  return "";
}

/** Which request shape to read the user's words from. */
export type EchoSource = "chat" | "responses" | "prompt" | "anthropic";

/**
 * The last user message's text: chat and Anthropic `messages`, Responses `input` (a string or items),
 * or a completion/FIM `prompt` (a string, or the first of a list).
 *
 * @example lastUserText({ messages: [{ role: "user", content: "hi" }] }, "chat") // "hi"
 */
export function lastUserText(body: Json, source: EchoSource): string {
  switch (source) {
    case "chat":
    case "anthropic":
      return lastUser(body.messages);
    case "responses":
      return typeof body.input === "string" ? body.input : lastUser(body.input);
    case "prompt": {
      const p = body.prompt;
      if (typeof p === "string") return p;
      return Array.isArray(p) && typeof p[0] === "string" ? p[0] : "";
    }
  }
}

/**
 * Cut `text` into pieces of `size` UTF-16 units without splitting a surrogate pair, so every chunk is
 * valid text on its own (as a provider's tokens are).
 *
 * @example chunkText("abcdef", 4) // ["abcd", "ef"]
 */
export function chunkText(text: string, size: number): string[] {
  const step = Math.max(1, Math.floor(size));
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(text.length, i + step);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * A token count that behaves like a real one (about four characters a token, at least one), cheap
 * enough for thousands of requests a second.
 *
 * @example estimateTokens("hello world") // 3
 */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/**
 * A deterministic unit vector for `text` (FNV-1a seeded per dimension), so the same input always embeds
 * to the same small vector.
 *
 * @example embed("hello", 8).length // 8
 */
export function embed(text: string, dimensions: number): number[] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193) >>> 0;
  const out: number[] = [];
  let norm = 0;
  for (let d = 0; d < dimensions; d++) {
    seed = Math.imul(seed ^ (d + 1), 0x01000193) >>> 0;
    seed ^= seed >>> 13;
    const v = (seed / 0xffffffff) * 2 - 1;
    out.push(v);
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return out.map((v) => Math.fround(v * scale));
}

/**
 * A vector as OpenAI sends it with `encoding_format: "base64"`: little-endian float32, base64.
 *
 * @example embeddingBase64([1, 0]); // "AACAPwAAAAA="
 */
export function embeddingBase64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString("base64");
}
