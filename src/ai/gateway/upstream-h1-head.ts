// What the upstream HTTP/1.1 client (upstream-h1.ts) and its callers share: the request, the handler its
// answer is delivered to, its errors, and the reading of a response head (status, headers, how the body
// is framed, how long the connection may then stay idle).

/** Steers a request in flight (undici calls it a dispatch controller). */
export interface H1Controller {
  /** Stop: the connection is closed and the handler gets `onResponseError(reason)`. */
  abort(reason: Error): void;
  /** Deliver no more of the body until `resume` (the reader is behind). */
  pause(): void;
  resume(): void;
}

/** What a request's answer is delivered to, in this order: start, data..., then end or error. */
export interface H1Handler {
  onRequestStart(controller: H1Controller): void;
  onResponseStart(controller: H1Controller, status: number, headers: Record<string, string | string[]>): void;
  onResponseData(controller: H1Controller, chunk: Buffer): void;
  onResponseEnd(controller: H1Controller): void;
  onResponseError(controller: H1Controller | null, err: Error): void;
}

/** One request: the path with its query, headers (lower-case names), the body, and the two timeouts in ms. */
export interface H1Request {
  /** POST unless given (`GET` and `DELETE` go without a body, and without a length). */
  readonly method?: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
}

/** The upstream sent no head within `headersTimeout`, or nothing more of the body within `bodyTimeout`. */
export class UpstreamTimeout extends Error {
  override readonly name = "UpstreamTimeout";
  constructor(readonly phase: "headers" | "body") {
    super(`no ${phase === "headers" ? "answer" : "more of the answer"} in time`);
  }
}

/** The connection failed in a way that has a short name for messages (`code`, as Node's errors have). */
export class UpstreamConnectionError extends Error {
  override readonly name = "UpstreamConnectionError";
  constructor(readonly code: "invalid response" | "closed early" | "invalid request" | "connect timeout") {
    super(code);
  }
}

const MAX_HEADERS = 200;
/** How long an idle connection is kept when the upstream gives no `Keep-Alive: timeout` (undici's too). */
export const DEFAULT_KEEP_ALIVE_MS = 4000;
const MAX_KEEP_ALIVE_MS = 600_000;
/** Header lines, each `name:value` and a CRLF but the last (a bare CR or LF, a folded line: no match). */
const HEADER_LINES = /(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*(?:\r\n|$))*$/y;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/;

/** A response head as read: status, HTTP/1.1 or not, lower-case names (repeats as arrays). */
export interface ResponseHead {
  readonly status: number;
  readonly http11: boolean;
  readonly headers: Record<string, string | string[]>;
}

/**
 * Read a response head (without the blank line that ends it), or null when it is not a well-formed one.
 *
 * @example parseResponseHead("HTTP/1.1 200 OK\r\ncontent-length: 2") // { status: 200, http11: true, ... }
 */
export function parseResponseHead(text: string): ResponseHead | null {
  let line = text.indexOf("\r\n");
  if (line < 0) line = text.length;
  const m = STATUS_LINE.exec(text.slice(0, line));
  if (!m) return null;
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  if (line < text.length) {
    HEADER_LINES.lastIndex = line + 2;
    if (!HEADER_LINES.test(text)) return null;
  }
  let count = 0;
  for (let pos = line + 2; pos < text.length;) {
    let next = text.indexOf("\r\n", pos);
    if (next < 0) next = text.length;
    if (++count > MAX_HEADERS) return null;
    const colon = text.indexOf(":", pos);
    const key = text.slice(pos, colon).toLowerCase();
    const value = text.slice(colon + 1, next).trim();
    const had = headers[key];
    if (had === undefined) headers[key] = value;
    else if (Array.isArray(had)) had.push(value);
    else headers[key] = [had, value];
    pos = next + 2;
  }
  return { status: Number(m[2]), http11: m[1] === "1", headers };
}

/** A Content-Length that is one number, as nearly every answer's is. */
const PLAIN_LENGTH = /^\d{1,15}$/;

/** How a response's body is framed, from its head: a length, chunks, or to the end of the connection. */
export function framing(head: ResponseHead): { length: number; chunked: boolean; reusable: boolean } | null {
  const h = head.headers;
  const connection = String(h.connection ?? "").toLowerCase();
  let reusable = head.http11 && !connection.includes("close");
  if (head.status === 204 || head.status === 304) return { length: 0, chunked: false, reusable };
  const te = h["transfer-encoding"];
  if (te !== undefined) {
    const codings = (Array.isArray(te) ? te.join(",") : te).toLowerCase().split(",");
    // With a Content-Length beside it, the answer is read by its chunks and the connection not reused.
    if (h["content-length"] !== undefined) reusable = false;
    if (codings.at(-1)!.trim() === "chunked") return { length: -1, chunked: true, reusable };
    return { length: -1, chunked: false, reusable: false };
  }
  const cl = h["content-length"];
  if (typeof cl === "string" && PLAIN_LENGTH.test(cl))
    return { length: Number(cl), chunked: false, reusable };
  if (cl !== undefined) {
    const values = (Array.isArray(cl) ? cl : [cl]).flatMap((v) => v.split(",").map((x) => x.trim()));
    if (!values.every((v) => PLAIN_LENGTH.test(v)) || new Set(values).size !== 1) return null;
    return { length: Number(values[0]), chunked: false, reusable };
  }
  return { length: -1, chunked: false, reusable: false };
}

/** The idle time an upstream allows (its `Keep-Alive: timeout=N`, less a second), or the default. */
export function keepAliveMs(head: ResponseHead): number {
  const hint = head.headers["keep-alive"];
  const m = /(?:^|[\s,])timeout=(\d+)/i.exec(Array.isArray(hint) ? hint.join(",") : (hint ?? ""));
  if (!m) return DEFAULT_KEEP_ALIVE_MS;
  return Math.min(Number(m[1]) * 1000 - 1000, MAX_KEEP_ALIVE_MS);
}
