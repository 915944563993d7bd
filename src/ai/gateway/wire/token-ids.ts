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

/**
 * Each encoding's tokens (the bytes of token id i, as a latin1 string: one character a byte) and special
 * tokens, read once when first needed.
 */
const vocabularies = new Map<Encoding, { tokens: string[]; special: Map<number, string> }>();

/** The most text the ids of one input may decode to (a cl100k token is up to 128 bytes): past it, a 400. */
export const MAX_DECODED_BYTES = 16 * 1024 * 1024;
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
      for (let k = 2; k < parts.length; k++)
        tokens[first + k - 2] = Buffer.from(parts[k]!, "base64").toString("latin1");
    }
    const special = new Map(
      Object.entries(bpe.special_tokens).map(([text, id]) => [id, Buffer.from(text).toString("latin1")]),
    );
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

/**
 * The text of token ids, or why not: an id that is not one of `encoding`'s, or more than
 * MAX_DECODED_BYTES of text.
 */
function decode(
  encoding: Encoding,
  ids: readonly unknown[],
  budget: { left: number },
): { text: string } | { why: string } {
  const { tokens, special } = vocabulary(encoding);
  const parts: string[] = [];
  for (const id of ids) {
    const token =
      typeof id === "number" && Number.isInteger(id) && id >= 0 ? (tokens[id] ?? special.get(id)) : undefined;
    if (token === undefined)
      return { why: `holds ${String(id).slice(0, 20)}, which is not a token of ${encoding}` };
    budget.left -= token.length;
    if (budget.left < 0)
      return {
        why: `decodes to more than ${MAX_DECODED_BYTES / 1024 / 1024} MiB of text with the rest of the input`,
      };
    parts.push(token);
  }
  return { text: Buffer.from(parts.join(""), "latin1").toString("utf8") };
}

/** True for a non-empty array of numbers: token ids, not text. */
export function isTokenIds(value: unknown): value is readonly number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "number");
}

/**
 * Slots over the token ids in `holder[key]`: the ids themselves (one list) or a list of lists, each read
 * as `model`'s tokenizer reads them. A replacement writes text in place of ids, for every list of the
 * input at once, since the API takes text or ids but not both in one input. A slot's `text` throws
 * `UnreadableInput` when the ids cannot be read; the gateway answers that with a 400.
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
  const value = readEntry(holder, key);
  const encoding = encodingOf(model);
  // One list of ids, or a list of lists (strings among them are read as strings by the caller).
  const lists: { holder: Holder; key: string | number; path: string }[] = isTokenIds(value)
    ? [{ holder, key, path }]
    : (value as unknown[]).flatMap((v, i) =>
        isTokenIds(v) ? [{ holder: value as unknown[], key: i, path: `${path}[${i}]` }] : [],
      );
  const texts: string[] = [];
  const budget = { left: MAX_DECODED_BYTES }; // shared by the lists: one request, one budget
  for (const list of lists) {
    const ids = readEntry(list.holder, list.key) as readonly unknown[];
    const read = encoding === undefined ? undefined : decode(encoding, ids, budget);
    if (read === undefined || "why" in read) {
      const why =
        read === undefined
          ? `\`${list.path}\` is token ids, and detente can only read the ids of OpenAI's models (o200k_base, cl100k_base): send the text instead.`
          : `\`${list.path}\` ${read.why}.`;
      out.push(new UnreadableSlot(role, list.path, why));
      return;
    }
    texts.push(read.text);
  }
  lists.forEach((list, i) => {
    out.push(
      new OwnSlot(role, list.path, texts[i]!, (next) => {
        texts[i] = next;
        // Every list of the input becomes its text: ids and text cannot be mixed in one input.
        lists.forEach((l, j) => {
          writeEntry(l.holder, l.key, texts[j]);
        });
        return next;
      }),
    );
  });
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
