import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { GatewayResponse } from "./http-shapes.js";

/**
 * Answer a gateway request whole on plain `node:http`: status, headers and body in one write, with its
 * length (never chunked). The gateway answers its own routes this way, without a framework's reply
 * machinery on the path of every proxied request.
 *
 * @example sendAnswer(res, 200, { "content-type": "application/json" }, '{"ok":true}');
 */
export function sendAnswer(
  res: GatewayResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: string | Buffer,
): void {
  headers["content-length"] = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * Read a request body whole, up to `limit` bytes; null when it is larger (told by its Content-Length
 * before anything is read, or counted as it arrives). One buffer when a length up to a megabyte is
 * declared, so a prompt is not copied twice. Rejects when the client goes away before the end.
 *
 * @example const body = await readRequestBody(req, 32 << 20); if (body === null) ... // 413
 */
/** Bytes set aside for a body before any of it arrived (larger bodies are gathered as they come). */
const PREALLOCATE = 1 << 20;

export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = req.headers["content-length"];
  const length = declared === undefined ? -1 : Number(declared);
  if (length > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    // A declared length is only a claim: memory for it is set aside up front only up to PREALLOCATE, so a
    // client that declares 32 MB and sends nothing holds no more than that.
    const known = length >= 0 && length <= PREALLOCATE;
    let parts: Buffer[] | null = known ? null : [];
    let whole = known ? Buffer.allocUnsafe(length) : null;
    let size = 0;
    const onData = (chunk: Buffer) => {
      const end = size + chunk.byteLength;
      if (end > limit) {
        cleanup();
        resolve(null);
        return;
      }
      if (whole && end <= whole.byteLength) chunk.copy(whole, size);
      else {
        // More than declared (Node refuses that) or no length at all: keep the chunks and join them.
        parts ??= whole ? [whole.subarray(0, size)] : [];
        whole = null;
        parts.push(chunk);
      }
      size = end;
    };
    const onEnd = () => {
      cleanup();
      resolve(
        whole ? (size === whole.byteLength ? whole : whole.subarray(0, size)) : Buffer.concat(parts!, size),
      );
    };
    const onError = () => {
      cleanup();
      reject(new Error("the client went away before the request body ended"));
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onError);
  });
}
