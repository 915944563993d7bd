import { createRequire } from "node:module";
import { type TiktokenBPE, type TiktokenModel, getEncodingNameForModel } from "js-tiktoken/lite";
import type { TextRole } from "../../inspect/types.js";
import { type Holder, OwnSlot, readEntry, writeEntry } from "./slot-kinds.js";
import type { TextSlot } from "./types.js";

/**
 * Token ids as input. The embeddings and legacy completions endpoints take `input` / `prompt` as arrays
 * of token ids as well as text, and LangChain's `OpenAIEmbeddings` sends token ids by default: unread,
 * every document of a RAG pipeline would reach the provider uninspected, and anyone could pass the policy
 * by encoding text. So the gateway decodes them with OpenAI's tokenizer for the model (o200k_base or
 * cl100k_base, from the `js-tiktoken` package) and inspects the text; a redaction sends the redacted
 * text instead of the ids, which both endpoints accept. Ids it cannot read (a model with another
 * tokenizer, an id outside the vocabulary) make the request uninspectable, which `failMode` decides.
 */

/** Why a request's token ids could not be read; its message says what to do instead. */
export class UnreadableInput extends Error {
  override readonly name = "UnreadableInput";
}

/** The encodings the gateway can decode: what OpenAI's current models use. */
const ENCODINGS = ["o200k_base", "cl100k_base"] as const;
type Encoding = (typeof ENCODINGS)[number];

/** Each encoding's tokens (the bytes of token id i, in base64) and special tokens, read once when first needed. */
const vocabularies = new Map<Encoding, { tokens: string[]; special: Map<number, string> }>();
const requireCjs = createRequire(import.meta.url);

function vocabulary(encoding: Encoding): { tokens: string[]; special: Map<number, string> } {
  let v = vocabularies.get(encoding);
  if (v === undefined) {
    const ranks = requireCjs(`js-tiktoken/ranks/${encoding}`) as TiktokenBPE | { default: TiktokenBPE };
    const bpe = "default" in ranks ? ranks.default : ranks;
    // Lines of `<prefix> <first id> <token> <token> ...`, the tokens base64, their ids consecutive.
    const tokens: string[] = [];
    for (const line of bpe.bpe_ranks.split("\n")) {
      const parts = line.split(" ");
      const first = Number.parseInt(parts[1] ?? "", 10);
      if (!Number.isInteger(first)) continue;
      for (let k = 2; k < parts.length; k++) tokens[first + k - 2] = parts[k]!;
    }
    const special = new Map(Object.entries(bpe.special_tokens).map(([text, id]) => [id, text]));
    v = { tokens, special };
    vocabularies.set(encoding, v);
  }
  return v;
}

/** The encoding OpenAI's tokenizer uses for `model`, or undefined when it is not one of ENCODINGS. */
function encodingOf(model: unknown): Encoding | undefined {
  if (typeof model !== "string") return undefined;
  try {
    const name = getEncodingNameForModel(model as TiktokenModel);
    return (ENCODINGS as readonly string[]).includes(name) ? (name as Encoding) : undefined;
  } catch {
    return undefined; // not an OpenAI model the tokenizer knows
  }
}

/** The text of token ids, or undefined when one is not an id of `encoding`. */
function decode(encoding: Encoding, ids: readonly unknown[]): string | undefined {
  const { tokens, special } = vocabulary(encoding);
  const parts: Buffer[] = [];
  for (const id of ids) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) return undefined;
    const b64 = tokens[id];
    if (b64 !== undefined) parts.push(Buffer.from(b64, "base64"));
    else {
      const text = special.get(id);
      if (text === undefined) return undefined;
      parts.push(Buffer.from(text, "utf8"));
    }
  }
  return Buffer.concat(parts).toString("utf8");
}

/** True for a non-empty array of numbers: token ids, not text. */
export function isTokenIds(value: unknown): value is readonly number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "number");
}

/**
 * A slot over token ids at `holder[key]`, read as `model`'s tokenizer reads them; a replacement writes
 * the text there instead of the ids. Its `text` throws `UnreadableInput` when they cannot be read, which
 * the gateway handles as an inspection failure.
 *
 * @example pushTokenIds(out, body, "input", "user", "input", "text-embedding-3-small");
 */
export function pushTokenIds(
  out: TextSlot[],
  holder: Holder,
  key: string | number,
  role: TextRole,
  path: string,
  model: unknown,
): void {
  const ids = readEntry(holder, key) as readonly unknown[];
  const encoding = encodingOf(model);
  const text = encoding === undefined ? undefined : decode(encoding, ids);
  if (text === undefined) {
    const why =
      encoding === undefined
        ? `\`${path}\` is token ids, and detente can only read the ids of OpenAI's models (o200k_base, cl100k_base): send the text instead.`
        : `\`${path}\` holds an id that is not a token of ${encoding}.`;
    out.push(new UnreadableSlot(role, path, why));
    return;
  }
  out.push(
    new OwnSlot(role, path, text, (next) => {
      writeEntry(holder, key, next);
      return next;
    }),
  );
}

/** A slot whose text cannot be read: reading it throws, so the request is not inspected (see failMode). */
class UnreadableSlot implements TextSlot {
  readonly #why: string;

  constructor(
    readonly role: TextRole,
    readonly path: string,
    why: string,
  ) {
    this.#why = why;
  }

  get text(): string {
    throw new UnreadableInput(this.#why);
  }

  replace(): void {
    throw new UnreadableInput(this.#why);
  }
}
