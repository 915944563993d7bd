import { DetenteError } from "../../errors.js";
import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  ValueScan,
  completeUtf8Length,
  firstArrayEnd,
  lastElementBoundary,
  stringEnd,
  valueEnd,
} from "./json-scan.js";

/**
 * A selective streaming JSON reader for multi-gigabyte reports.
 *
 * Only the containers on the way to the arrays you name are walked byte by byte; every element of a named
 * array, and every other value next to it, is cut out of the byte stream whole and handed to the native
 * `JSON.parse`. Memory stays at one chunk plus one element, and speed stays close to `JSON.parse` itself,
 * because the only JavaScript-level work per byte is a scan for quotes and brackets.
 *
 * Paths are dot-separated keys from the root, with `*` for "any array element":
 * `Results.*.Vulnerabilities` is every vulnerability of every result of a Trivy report.
 *
 * @example
 * const reader = new JsonStreamReader("trivy.json", {
 *   elements: { "Results.*.Vulnerabilities": (v, parents) => out.push(toFinding(v, parents)) },
 * });
 * for await (const chunk of stream) reader.push(chunk);
 * reader.end();
 */
export interface JsonStreamSpec {
  /**
   * Arrays whose elements are parsed one at a time. The callback receives the element and the objects
   * that enclose it (root first), holding the fields read *so far*: keys that come after the array in
   * the file are not there yet, which is what `onClose` is for.
   */
  readonly elements: Readonly<Record<string, ElementHandler>>;
  /** Objects on a walked path whose complete set of non-streamed fields you want when they close. */
  readonly onClose?: Readonly<Record<string, ElementHandler>>;
  /** Largest single value cut out of the stream; larger ones are an error, not an out-of-memory crash. */
  readonly maxValueBytes?: number;
  /**
   * Hand elements over one at a time with `offset` just past each (for messages that name the line of a
   * bad entry). By default runs of elements are parsed together, several times faster, and `offset` is
   * only exact between runs.
   */
  readonly exactOffsets?: boolean;
}

export type JsonObject = Record<string, unknown>;

/**
 * What a walked array (one whose elements go to a handler, or on the way to one) is in the object that
 * holds it: an empty frozen array, so that a handler can tell the key was there (`"vulnerabilities" in
 * root`) without the reader keeping its elements.
 */
export const WALKED: readonly unknown[] = Object.freeze([]);
export type ElementHandler = (value: unknown, parents: readonly JsonObject[]) => void;

const enum Expect {
  KeyOrEnd,
  Key,
  Colon,
  Value,
  ValueOrEnd,
  CommaOrEnd,
}

interface Frame {
  readonly isArray: boolean;
  readonly path: string;
  readonly obj: JsonObject | null;
  readonly onElement: ElementHandler | undefined;
  state: Expect;
  key: string;
}

const BOM = 0xfeff;
const COLON = 0x3a;

const DEFAULT_MAX_VALUE = 256 * 1024 * 1024;
/** Characters parsed by one JSON.parse call over a run of array elements (see PIECE_BYTES). */
const RUN_CHARS = 32 * 1024;
/** Bytes decoded into one string: with what is left of the last one, it stays a young-generation string. */
const PIECE_BYTES = 32 * 1024;

export class JsonStreamReader {
  private buf = "";
  private pos = 0;
  /** Absolute character offset of buf[0] in the whole input. */
  private base = 0;
  /** Bytes of a UTF-8 character split across two chunks. */
  private partial: Buffer | null = null;
  private readonly stack: Frame[] = [];
  private readonly parents: JsonObject[] = [];
  private readonly open: Set<string>;
  private readonly maxValue: number;
  /** Elements before this position of the buffer are cut out one by one (after a failed run guess). */
  private exactUntil = 0;
  private goodRuns = 0;
  private failedRuns = 0;
  private started = false;
  private done = false;
  /**
   * A key or value too large to rescan as each piece arrives: the pieces read of it so far, kept apart
   * instead of concatenated, with where it started and how far its scan got (see `holdLarge`).
   */
  private held: { pieces: string[]; chars: number; start: number; scan: ValueScan; isKey: boolean } | null =
    null;

  constructor(
    private readonly file: string,
    private readonly spec: JsonStreamSpec,
  ) {
    this.maxValue = spec.maxValueBytes ?? DEFAULT_MAX_VALUE;
    if (spec.exactOffsets) this.exactUntil = Number.MAX_SAFE_INTEGER;
    // Every prefix of a named path is walked rather than cut out whole.
    this.open = new Set<string>();
    for (const p of [...Object.keys(spec.elements), ...Object.keys(spec.onClose ?? {})]) {
      const parts = p === "" ? [] : p.split(".");
      for (let i = 0; i <= parts.length; i++) this.open.add(parts.slice(0, i).join("."));
    }
  }

  /** Characters consumed so far. */
  get offset(): number {
    return this.base + this.pos;
  }

  /**
   * Feed the next chunk. Handlers run synchronously inside this call, and nothing of `chunk` is kept
   * after it returns, so the caller may reuse its buffer.
   */
  push(chunk: Uint8Array): void {
    let bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.partial) {
      bytes = Buffer.concat([this.partial, bytes]);
      this.partial = null;
    }
    // Decode and scan in pieces: a string over V8's regular object size (128 KiB) is allocated in its
    // own mapped pages, and mapping fresh memory costs more than decoding and parsing it together.
    for (let start = 0; start < bytes.length;) {
      const limit = Math.min(bytes.length, start + PIECE_BYTES);
      // A piece is cut before a character it would split; at the end of the chunk, those bytes wait for
      // the next chunk.
      const cut = start + completeUtf8Length(bytes.subarray(start, limit));
      if (limit === bytes.length && cut < limit) this.partial = Buffer.from(bytes.subarray(cut));
      if (cut > start) {
        // Buffer#toString is a native decoder several times faster than a streaming TextDecoder.
        const text = bytes.toString("utf8", start, cut);
        if (this.held === null) {
          this.append(text);
          this.run(false);
        } else if (this.feedHeld(text)) this.run(false);
      }
      if (limit === bytes.length) break;
      start = cut;
    }
  }

  /** Signal the end of input; throws if the document is incomplete. */
  end(): void {
    if (this.partial) {
      const text = this.partial.toString("utf8");
      if (this.held === null) this.append(text);
      else if (this.feedHeld(text)) this.run(false);
    }
    this.partial = null;
    if (this.held !== null) throw this.unended(this.held.start, this.held.start + this.held.chars);
    this.run(true);
    this.skipWs();
    if (!this.started) throw this.error("the file is empty", this.offset);
    if (!this.done)
      throw this.error("unexpected end of input (the file is truncated)", this.base + this.buf.length);
    if (this.pos < this.buf.length)
      throw this.error("unexpected data after the end of the JSON document", this.offset);
  }

  private append(text: string): void {
    const rest = this.buf.length - this.pos;
    if (rest > this.maxValue)
      throw this.error(`a single value is larger than ${this.maxValue} characters`, this.offset);
    this.base += this.pos;
    this.buf = rest > 0 ? this.buf.slice(this.pos) + text : text;
    this.pos = 0;
    if (this.exactUntil !== Number.MAX_SAFE_INTEGER) this.exactUntil = 0;
  }

  private run(final: boolean): void {
    const buf = this.buf;
    for (;;) {
      this.skipWs();
      if (this.pos >= buf.length) return;
      if (this.done) return; // trailing bytes are reported by end()
      const c = buf.charCodeAt(this.pos);
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        // A UTF-8 byte order mark (as .NET and PowerShell tools write) before the document is skipped.
        if (c === BOM && !this.started && this.offset === 0) {
          this.pos++;
          continue;
        }
        if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
          throw this.error("expected a JSON object or array at the start of the file", this.offset);
        }
        this.started = true;
        this.pushFrame(c === OPEN_BRACKET, "", null, "");
        this.pos++;
        continue;
      }
      switch (top.state) {
        case Expect.KeyOrEnd:
        case Expect.Key: {
          if (c === CLOSE_BRACE && top.state === Expect.KeyOrEnd) {
            this.pos++;
            this.closeFrame();
            continue;
          }
          if (c !== QUOTE) throw this.error("expected a property name in double quotes", this.offset);
          const end = stringEnd(buf, this.pos + 1);
          if (end < 0) {
            this.needMore(final, true);
            return;
          }
          top.key = this.parseSlice(this.pos, end) as string;
          this.pos = end;
          top.state = Expect.Colon;
          continue;
        }
        case Expect.Colon:
          if (c !== COLON) throw this.error("expected ':' after a property name", this.offset);
          this.pos++;
          top.state = Expect.Value;
          continue;
        case Expect.Value:
        case Expect.ValueOrEnd: {
          if (top.isArray && c === CLOSE_BRACKET && top.state === Expect.ValueOrEnd) {
            this.pos++;
            this.closeFrame();
            continue;
          }
          const childPath = top.isArray ? (top.path === "" ? "*" : top.path + ".*") : join(top.path, top.key);
          if ((c === OPEN_BRACE || c === OPEN_BRACKET) && this.open.has(childPath)) {
            const isArray = c === OPEN_BRACKET;
            let obj: JsonObject | null = null;
            if (!isArray) {
              obj = {};
              if (!top.isArray && top.obj) top.obj[top.key] = obj;
            } else if (!top.isArray && top.obj) top.obj[top.key] = WALKED;
            top.state = Expect.CommaOrEnd;
            this.pushFrame(isArray, childPath, obj, "");
            this.pos++;
            continue;
          }
          if (top.onElement && c === OPEN_BRACE && this.pos >= this.exactUntil && this.parseRun(top))
            continue;
          const end = valueEnd(buf, this.pos, final);
          if (end === -2) throw this.error("unexpected character", this.offset);
          if (end < 0) {
            this.needMore(final, false);
            return;
          }
          const value = this.parseSlice(this.pos, end);
          this.pos = end;
          this.setValue(top, value);
          continue;
        }
        case Expect.CommaOrEnd:
          if (c === COMMA) {
            this.pos++;
            top.state = top.isArray ? Expect.Value : Expect.Key;
            continue;
          }
          if ((top.isArray && c === CLOSE_BRACKET) || (!top.isArray && c === CLOSE_BRACE)) {
            this.pos++;
            this.closeFrame();
            continue;
          }
          throw this.error(top.isArray ? "expected ',' or ']'" : "expected ',' or '}'", this.offset);
      }
    }
  }

  /**
   * Parse a run of whole elements with one JSON.parse call. The run ends at the last `},{` in the buffer:
   * JSON.parse("[" + run + "]") succeeds only when that cut really is between two elements of this array
   * (a cut inside a string or a nested object leaves something unclosed), so a wrong guess costs one
   * failed parse and the elements are then cut out one by one. This avoids scanning every byte in
   * JavaScript before the native parser scans it again.
   */
  private parseRun(top: Frame): boolean {
    const buf = this.buf;
    const start = this.pos;
    // The run ends where this array probably ends (`}]`), else at the last `},{` before the run limit.
    // Runs stay small enough that what one parse allocates dies young instead of being promoted.
    const limit = Math.min(buf.length, start + RUN_CHARS);
    const arrayEnd = firstArrayEnd(buf, start, limit);
    const cut = arrayEnd > 0 ? arrayEnd : lastElementBoundary(buf, start, limit);
    if (cut <= start) return false;
    let values: unknown[];
    try {
      values = JSON.parse("[" + buf.slice(start, cut) + "]") as unknown[];
    } catch {
      // Not a boundary of this array (or bad data, which the exact path then reports precisely). Formats
      // whose elements hold arrays of objects fail this guess every time: stop guessing for them.
      this.exactUntil = cut;
      if (++this.failedRuns > 16 && this.failedRuns > this.goodRuns)
        this.exactUntil = Number.MAX_SAFE_INTEGER;
      return false;
    }
    this.goodRuns++;
    const onElement = top.onElement!;
    for (const v of values) onElement(v, this.parents);
    this.pos = cut;
    top.state = Expect.CommaOrEnd;
    return true;
  }

  private pushFrame(isArray: boolean, path: string, obj: JsonObject | null, key: string): void {
    const o = isArray ? null : (obj ?? {});
    this.stack.push({
      isArray,
      path,
      obj: o,
      onElement: isArray ? this.spec.elements[path] : undefined,
      state: isArray ? Expect.ValueOrEnd : Expect.KeyOrEnd,
      key,
    });
    if (o) this.parents.push(o);
  }

  private closeFrame(): void {
    const frame = this.stack.pop()!;
    if (frame.obj) {
      this.parents.pop();
      this.spec.onClose?.[frame.path]?.(frame.obj, this.parents);
      const parent = this.stack[this.stack.length - 1];
      // An object walked as an array element is handed over like any other element.
      if (parent?.isArray) parent.onElement?.(frame.obj, this.parents);
    }
    if (this.stack.length === 0) this.done = true;
  }

  private skipWs(): void {
    const buf = this.buf;
    let p = this.pos;
    while (p < buf.length) {
      const c = buf.charCodeAt(p);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
  }

  /** Store a value read whole: an element goes to its handler, a field into its object. */
  private setValue(top: Frame, value: unknown): void {
    top.state = Expect.CommaOrEnd;
    if (top.isArray) top.onElement?.(value, this.parents);
    else if (top.obj) top.obj[top.key] = value;
  }

  /**
   * The key or value at `pos` does not end in the buffer. A small one waits for the next piece to be
   * appended and is scanned again from its start; past HOLD_AFTER characters it is held instead, so a
   * single huge value (an 80 MB description) costs linear time rather than a rescan and a copy of all
   * of it per 32 KiB piece.
   */
  private needMore(final: boolean, isKey: boolean): void {
    if (final) throw this.unended(this.offset, this.base + this.buf.length);
    const rest = this.buf.length - this.pos;
    if (rest > this.maxValue) {
      throw this.error(`a single value is larger than ${this.maxValue} characters`, this.offset);
    }
    if (rest <= HOLD_AFTER) return;
    const scan = new ValueScan();
    // The fast scan found no end, so neither does this one: it only records where the scan stands.
    scan.scan(this.buf, this.pos);
    const text = this.buf.slice(this.pos);
    this.held = { pieces: [text], chars: text.length, start: this.offset, scan, isKey };
    this.base += this.buf.length;
    this.buf = "";
    this.pos = 0;
  }

  /**
   * Feed the held key or value the next piece; true when it ended in it (it is then stored, and the
   * rest of the piece is the buffer), false when it is still held.
   */
  private feedHeld(text: string): boolean {
    const held = this.held!;
    const end = held.scan.scan(text, 0);
    if (end < 0) {
      held.pieces.push(text);
      held.chars += text.length;
      this.base += text.length;
      if (held.chars > this.maxValue)
        throw this.error(`a single value is larger than ${this.maxValue} characters`, held.start);
      return false;
    }
    held.pieces.push(text.slice(0, end));
    const whole = held.pieces.join("");
    this.held = null;
    this.buf = text;
    this.pos = end;
    if (this.exactUntil !== Number.MAX_SAFE_INTEGER) this.exactUntil = 0;
    const value = this.parseText(whole, held.start);
    const top = this.stack[this.stack.length - 1]!;
    if (held.isKey) {
      top.key = value as string;
      top.state = Expect.Colon;
    } else this.setValue(top, value);
    return true;
  }

  private parseSlice(start: number, end: number): unknown {
    return this.parseText(this.buf.slice(start, end), this.base + start);
  }

  /** JSON.parse of `text`, which starts at character `start` of the input, or an error naming where. */
  private parseText(text: string, start: number): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      const m = /position (\d+)/.exec(e instanceof Error ? e.message : "");
      const at = m ? Number(m[1]) : 0;
      const reason =
        e instanceof Error ? e.message.replace(/ in JSON at position \d+.*$/s, "") : "invalid JSON";
      throw this.error(`invalid JSON (${reason})`, start + at);
    }
  }

  /**
   * The input ended, at `end`, inside the key or value that starts at `start`: both are named, since
   * where the value starts is where a missing quote or bracket is when the file is whole.
   */
  private unended(start: number, end: number): DetenteError {
    const e = this.error(
      "unexpected end of input (the file is truncated, or a quote or bracket is missing)",
      end,
    );
    return new DetenteError(
      e.code,
      `${e.message}; the value that starts at character ${start + 1} never ends`,
      {
        ...e.details,
        startOffset: start,
      },
    );
  }

  private error(message: string, offset: number): DetenteError {
    return new DetenteError("INVALID_INPUT", `${this.file}: ${message} at character ${offset + 1}`, {
      file: this.file,
      charOffset: offset,
      reason: message,
    });
  }
}

/** Characters of an unfinished key or value past which it is held rather than rescanned (see needMore). */
const HOLD_AFTER = 1024 * 1024;

function join(path: string, key: string): string {
  return path === "" ? key : path + "." + key;
}
