// Reading a request head for the gateway's HTTP/1.1 front (see http1.ts): only heads it can frame
// without doubt; anything else is `node:http`'s.
import type { IncomingHttpHeaders } from "node:http";

/** The most bytes of a request head read here: `node:http`'s default `maxHeaderSize` too. */
const MAX_HEAD = 16 * 1024;
/** More header lines than this go to `node:http`. */
const MAX_HEADERS = 100;
const END_OF_HEAD = Buffer.from("\r\n\r\n", "latin1");

/** A request head this front can answer: its body is exactly `contentLength` bytes after `size`. */
export interface RequestHead {
  readonly method: string;
  readonly url: string;
  /** Lower-case names, no repeats, values trimmed (as `node:http` gives them). */
  readonly headers: IncomingHttpHeaders;
  readonly contentLength: number;
  /** Bytes of the head, the blank line that ends it included. */
  readonly size: number;
}

// RFC 9110: token characters (methods, header names) and a header value's (tab, visible ASCII, space,
// obs-text; no control characters). Each regular expression is linear: no two of its branches can
// match the same character, so nothing is ever tried twice.
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \/[\x21-\x7e]* HTTP\/1\.1\r\n/;
/** Header lines to the end of the head, each `name:value` CRLF (obs-fold, a bare CR or LF: no match). */
const HEADER_LINES = /(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*\r\n)*$/y;

/**
 * Read a request head at the start of `buf`: the head when this front can answer it, "more" when the
 * head has not all arrived, "other" when it is one for `node:http` (see the top of this file).
 *
 * @example parseRequestHead(Buffer.from("POST /v1/x HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n{}"))
 */
export function parseRequestHead(buf: Buffer): RequestHead | "more" | "other" {
  const window = buf.length > MAX_HEAD + 4 ? buf.subarray(0, MAX_HEAD + 4) : buf;
  const end = window.indexOf(END_OF_HEAD);
  if (end < 0) return buf.length > MAX_HEAD + 4 ? "other" : "more";
  // The head with the CRLF that ends its last line.
  const s = buf.toString("latin1", 0, end + 2);
  if (!REQUEST_LINE.test(s)) return "other";
  const sp1 = s.indexOf(" ");
  const sp2 = s.indexOf(" ", sp1 + 1);
  let pos = s.indexOf("\r\n") + 2;
  HEADER_LINES.lastIndex = pos;
  if (!HEADER_LINES.test(s)) return "other";
  const headers: Record<string, string> = {};
  let count = 0;
  let contentLength = -1;
  while (pos < s.length) {
    const next = s.indexOf("\r\n", pos);
    if (++count > MAX_HEADERS) return "other";
    const colon = s.indexOf(":", pos);
    let from = colon + 1;
    let to = next;
    while (from < to && (s.charCodeAt(from) === 0x20 || s.charCodeAt(from) === 9)) from++;
    while (to > from && (s.charCodeAt(to - 1) === 0x20 || s.charCodeAt(to - 1) === 9)) to--;
    const name = s.slice(pos, colon).toLowerCase();
    const value = s.slice(from, to);
    // A repeat (node:http joins some, drops others), or a name that is not an own property's.
    if (headers[name] !== undefined || name === "__proto__") return "other";
    switch (name) {
      case "content-length":
        if (value.length === 0 || value.length > 15) return "other";
        for (let i = 0; i < value.length; i++) {
          const c = value.charCodeAt(i);
          if (c < 0x30 || c > 0x39) return "other";
        }
        contentLength = Number(value);
        break;
      case "transfer-encoding":
      case "expect":
      case "upgrade":
        return "other";
      case "connection":
        if (value.toLowerCase() !== "keep-alive") return "other";
        break;
    }
    headers[name] = value;
    pos = next + 2;
  }
  if (contentLength < 0 || headers.host === undefined) return "other";
  return { method: s.slice(0, sp1), url: s.slice(sp1 + 1, sp2), headers, contentLength, size: end + 4 };
}
