import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/**
 * What the gateway reads of a request once its body is in hand: `node:http`'s `IncomingMessage` has it,
 * and so does the gateway's own HTTP/1.1 front (`http1.ts`), which answers model requests without
 * `node:http`'s per-request machinery.
 *
 * @example presentedKey(req.headers)
 */
export interface GatewayRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Lower-case names, as `node:http` gives them. */
  readonly headers: IncomingHttpHeaders;
}

/**
 * What the gateway does with a response: the part of `node:http`'s `ServerResponse` it uses, which the
 * gateway's own HTTP/1.1 front implements with the same meaning ('close' once the response is done or
 * the client went away; `writableFinished` only after the last byte was handed to the kernel).
 *
 * @example res.writeHead(200, { "content-type": "text/event-stream" }); res.write(event); res.end();
 */
export interface GatewayResponse {
  writeHead(status: number, headers: OutgoingHttpHeaders): unknown;
  /** Send the head now (a stream's headers go out before its first event). */
  flushHeaders(): void;
  /** False when the client is not keeping up: wait for 'drain'. */
  write(chunk: string | Buffer): boolean;
  end(chunk?: string | Buffer): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  on(event: "close" | "drain", listener: () => void): unknown;
  off(event: "close" | "drain", listener: () => void): unknown;
}
