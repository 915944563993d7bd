// Reading an upstream's answer off its connection (see upstream-h1-connection.ts), in the state the
// answer is in: the head, then a body framed by its length, by chunks (trailers read past) or by the end
// of the connection. What is read is delivered to the request's handler as it arrives; what cannot be
// framed without doubt fails the request.
import type { H1Connection } from "./upstream-h1-connection.js";
import { framing, keepAliveMs, parseResponseHead, UpstreamConnectionError } from "./upstream-h1-head.js";

const MAX_HEAD = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
const CRLF = Buffer.from("\r\n", "latin1");
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})[\t ]*(?:;[^\r\n]*)?$/;

/** Where a connection is in its answer (`idle`: no request; `to-close`: a body that ends with the connection). */
export type AnswerState = "idle" | "head" | "length" | "size" | "data" | "data-end" | "trailers" | "to-close";

/**
 * Read what arrived on `c` (after what it left pending), in the state its answer is in, and deliver it.
 * Stops where the reader paused (the rest stays pending), where the bytes end, or when the answer ends
 * or fails.
 *
 * @example readAnswer(connection, chunk) // in the socket's "data" listener
 */
export function readAnswer(c: H1Connection, chunk: Buffer): void {
  let buf = chunk;
  if (c.pending !== null) {
    buf = chunk.length === 0 ? c.pending : Buffer.concat([c.pending, chunk]);
    c.pending = null;
  }
  let pos = 0;
  while (c.handler !== null) {
    if (c.paused) {
      if (pos < buf.length) c.pending = buf.subarray(pos);
      return;
    }
    if (pos >= buf.length) return;
    switch (c.state) {
      case "head": {
        const end = buf.indexOf(CRLFCRLF, pos);
        if (end < 0) {
          if (buf.length - pos > MAX_HEAD) c.fail(new UpstreamConnectionError("invalid response"));
          else c.pending = buf.subarray(pos);
          return;
        }
        if (end - pos > MAX_HEAD) {
          c.fail(new UpstreamConnectionError("invalid response"));
          return;
        }
        const head = parseResponseHead(buf.toString("latin1", pos, end));
        pos = end + 4;
        if (head === null || head.status === 101) {
          c.fail(new UpstreamConnectionError("invalid response"));
          return;
        }
        if (head.status < 200) break; // 1xx: the answer's own head follows
        const frame = framing(head);
        if (frame === null) {
          c.fail(new UpstreamConnectionError("invalid response"));
          return;
        }
        c.reusable = frame.reusable;
        c.keepAliveMs = keepAliveMs(head);
        c.state = frame.chunked ? "size" : frame.length < 0 ? "to-close" : "length";
        c.remaining = frame.length;
        c.socket.setTimeout(c.request!.bodyTimeout);
        c.clearHeadTimer();
        c.handler.onResponseStart(c.current!, head.status, head.headers);
        if (c.handler !== null && c.state === "length" && c.remaining === 0) c.finish(pos < buf.length);
        break;
      }
      case "length":
      case "data": {
        const n = Math.min(c.remaining, buf.length - pos);
        const piece = pos === 0 && n === buf.length ? buf : buf.subarray(pos, pos + n);
        pos += n;
        c.remaining -= n;
        c.handler.onResponseData(c.current!, piece);
        if (c.remaining === 0 && c.handler !== null) {
          if (c.state === "length") c.finish(pos < buf.length);
          else c.state = "data-end";
        }
        break;
      }
      case "data-end": {
        if (buf.length - pos < 2) {
          if (pos < buf.length) c.pending = buf.subarray(pos);
          return;
        }
        if (buf[pos] !== 13 || buf[pos + 1] !== 10) {
          c.fail(new UpstreamConnectionError("invalid response"));
          return;
        }
        pos += 2;
        c.state = "size";
        break;
      }
      case "size": {
        const end = buf.indexOf(CRLF, pos);
        if (end < 0 || end - pos > MAX_CHUNK_LINE) {
          if (end >= 0 || buf.length - pos > MAX_CHUNK_LINE) {
            c.fail(new UpstreamConnectionError("invalid response"));
            return;
          }
          c.pending = buf.subarray(pos);
          return;
        }
        const m = CHUNK_SIZE.exec(buf.toString("latin1", pos, end));
        if (!m) {
          c.fail(new UpstreamConnectionError("invalid response"));
          return;
        }
        pos = end + 2;
        c.remaining = parseInt(m[1]!, 16);
        c.state = c.remaining === 0 ? "trailers" : "data";
        break;
      }
      case "trailers": {
        const end = buf.indexOf(CRLF, pos);
        if (end < 0) {
          if (buf.length - pos > MAX_HEAD) {
            c.fail(new UpstreamConnectionError("invalid response"));
            return;
          }
          c.pending = buf.subarray(pos);
          return;
        }
        // Trailer lines are read past; the blank line ends the answer.
        const blank = end === pos;
        pos = end + 2;
        if (blank) c.finish(pos < buf.length);
        break;
      }
      case "to-close": {
        const piece = pos === 0 ? buf : buf.subarray(pos);
        pos = buf.length;
        c.handler.onResponseData(c.current!, piece);
        break;
      }
      case "idle":
        return;
    }
  }
}
