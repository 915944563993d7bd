import { DetenteError } from "../../errors.js";

/**
 * One server-sent event as the providers' streams use it: an optional event name (Anthropic and the
 * Responses API name every event; Chat Completions names none), the data (lines joined with "\n") and
 * the event's own `id:` field when it had one.
 */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
  readonly id?: string;
}

/** The incremental parser `createSseParser` returns. */
export interface SseParser {
  /** Feed the next bytes (or text) as they arrive; returns the events completed by them. */
  push(chunk: Uint8Array | string): SseEvent[];
  /** The stream ended: returns the last event when it was not followed by a blank line. */
  end(): SseEvent[];
}

const LF = 0x0a;
const CR = 0x0d;
const DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;
const encoder = new TextEncoder();

/**
 * An incremental parser for `text/event-stream` (the WHATWG rules the providers' SDKs follow): feed it
 * bytes as they arrive and it returns the events completed so far. Lines may end in `\n`, `\r\n` or `\r`
 * (also when a `\r\n` pair is split between chunks); `data:` lines of one event are joined with `\n`;
 * comments (`: ping`) and unknown fields are ignored; a field, a line or a multi-byte UTF-8 character may
 * be split anywhere across chunks. Lines are cut on the raw bytes (CR and LF never occur inside a
 * multi-byte UTF-8 sequence), so a character is only decoded once its line is complete. Unlike a browser,
 * `end()` still returns an unterminated last event, so a proxy forwards what the upstream sent.
 *
 * Bounded: a line, or the data of one event, longer than `maxEventBytes` (default 8 MiB) throws a
 * `DetenteError("UPSTREAM")`, so a hostile upstream cannot make the gateway buffer without limit. Linear
 * time: each byte is looked at a constant number of times; no regular expressions.
 *
 * @example
 * const parser = createSseParser();
 * for await (const chunk of upstream.body) for (const ev of parser.push(chunk)) handle(ev);
 * for (const ev of parser.end()) handle(ev);
 */
export function createSseParser(options: { maxEventBytes?: number } = {}): SseParser {
  const max = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  // The incomplete line carried over from earlier chunks.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // After a chunk that ended in CR, a LF at the start of the next chunk belongs to the same line end.
  let afterCr = false;
  let atStart = true;
  // The event being collected.
  let data: string[] = [];
  let dataBytes = 0;
  let hasData = false;
  let eventName: string | undefined;
  let id: string | undefined;

  const tooLarge = (): DetenteError =>
    new DetenteError(
      "UPSTREAM",
      `The upstream sent a server-sent event larger than ${max} bytes; the stream was stopped.`,
      { maxEventBytes: max },
    );

  const dispatch = (out: SseEvent[]): void => {
    if (hasData) {
      const ev: { event?: string; data: string; id?: string } = { data: data.join("\n") };
      if (eventName !== undefined) ev.event = eventName;
      if (id !== undefined) ev.id = id;
      out.push(ev);
    }
    data = [];
    dataBytes = 0;
    hasData = false;
    eventName = undefined;
    id = undefined;
  };

  const line = (text: string, bytes: number, out: SseEvent[]): void => {
    if (text.length === 0) {
      dispatch(out);
      return;
    }
    const colon = text.indexOf(":");
    if (colon === 0) return; // a comment
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case "data":
        dataBytes += bytes + 1;
        if (dataBytes > max) throw tooLarge();
        data.push(value);
        hasData = true;
        return;
      case "event":
        eventName = value;
        return;
      case "id":
        if (!value.includes("\0")) id = value;
        return;
      default:
        return; // `retry` and unknown fields mean nothing to a proxy
    }
  };

  /** Decode bytes [from, to) of `chunk`, prefixed by the pending pieces, as one line. */
  const completeLine = (chunk: Buffer, from: number, to: number, out: SseEvent[]): void => {
    let bytes: Buffer;
    let start: number;
    let end: number;
    if (pendingBytes > 0 || pending.length > 0) {
      pending.push(chunk.subarray(from, to));
      bytes = Buffer.concat(pending, pendingBytes + (to - from));
      start = 0;
      end = bytes.length;
      pending = [];
      pendingBytes = 0;
    } else {
      bytes = chunk;
      start = from;
      end = to;
    }
    if (atStart) {
      atStart = false;
      // A UTF-8 byte order mark at the very start of the stream is not part of the first line.
      if (end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf)
        start += 3;
    }
    if (end - start > max) throw tooLarge();
    line(bytes.toString("utf8", start, end), end - start, out);
  };

  return {
    push(input) {
      const out: SseEvent[] = [];
      const chunk =
        typeof input === "string"
          ? Buffer.from(encoder.encode(input))
          : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      let pos = 0;
      if (afterCr && chunk.length > 0) {
        afterCr = false;
        if (chunk[0] === LF) pos = 1;
      }
      // The next CR and LF at or after `pos`; -1 when there is none in this chunk.
      let nextLf = chunk.indexOf(LF, pos);
      let nextCr = chunk.indexOf(CR, pos);
      while (nextLf >= 0 || nextCr >= 0) {
        const eol = nextCr < 0 || (nextLf >= 0 && nextLf < nextCr) ? nextLf : nextCr;
        completeLine(chunk, pos, eol, out);
        pos = eol + 1;
        if (chunk[eol] === CR) {
          if (eol + 1 === chunk.length) afterCr = true;
          else if (chunk[eol + 1] === LF) pos = eol + 2;
        }
        if (nextLf >= 0 && nextLf < pos) nextLf = chunk.indexOf(LF, pos);
        if (nextCr >= 0 && nextCr < pos) nextCr = chunk.indexOf(CR, pos);
      }
      if (pos < chunk.length) {
        const rest = chunk.subarray(pos);
        pendingBytes += rest.length;
        if (pendingBytes > max) throw tooLarge();
        // Keep our own copy: the caller may reuse its buffer once push() returns.
        pending.push(Buffer.from(rest));
      }
      return out;
    },
    end() {
      const out: SseEvent[] = [];
      if (pendingBytes > 0) completeLine(Buffer.alloc(0), 0, 0, out);
      dispatch(out);
      afterCr = false;
      return out;
    },
  };
}

/**
 * Serialize one event: an `event:` line when it has a name, an `id:` line when it has one, one `data:`
 * line per line of data (so data containing line breaks survives), and the blank line that ends it. A
 * name or id containing a line break is a bug in the caller (a parsed one cannot), so it throws.
 *
 * @example
 * formatSseEvent({ event: "ping", data: '{"type":"ping"}' }); // 'event: ping\ndata: {"type":"ping"}\n\n'
 */
export function formatSseEvent(event: SseEvent): string {
  let out = "";
  if (event.event !== undefined) out += `event: ${singleLine(event.event, "event")}\n`;
  if (event.id !== undefined) out += `id: ${singleLine(event.id, "id")}\n`;
  const data = event.data;
  if (data.includes("\r") || data.includes("\n")) {
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      out += `data: ${data.slice(start, i)}\n`;
      if (c === CR && data.charCodeAt(i + 1) === LF) i++;
      start = i + 1;
    }
    out += `data: ${data.slice(start)}\n\n`;
  } else out += `data: ${data}\n\n`;
  return out;
}

function singleLine(value: string, field: string): string {
  if (value.includes("\n") || value.includes("\r"))
    throw new Error(`formatSseEvent: the ${field} field must not contain a line break`);
  return value;
}
