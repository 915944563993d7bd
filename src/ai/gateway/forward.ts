import type { IncomingMessage, ServerResponse } from "node:http";
import type { RedactionVault } from "../inspect/index.js";
import type { Route } from "../policy/index.js";
import type { GatewayDeps } from "./deps.js";
import { sendAnswer } from "./answer.js";
import type { Exchange } from "./exchange.js";
import { respondJson } from "./respond-json.js";
import { respondStream } from "./respond-stream.js";
import { upstreamHeaders, upstreamUrl, type Upstream } from "./upstream.js";
import { UpstreamFailure, type UpstreamResponse } from "./upstream-client.js";

/** What `forward` needs: the request as decided, ready to send. */
export interface ForwardArgs {
  readonly deps: GatewayDeps;
  readonly x: Exchange;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly upstream: Upstream;
  readonly route: Route;
  readonly body: string | Buffer;
  readonly vault: RedactionVault;
}

/**
 * Send the decided request upstream and answer the client: errors pass through as the provider sent
 * them, streams are inspected event by event, other answers whole. A client that goes away cancels the
 * upstream request.
 *
 * @example await forward({ deps, x, req, res, upstream, route, body, vault });
 */
export async function forward(args: ForwardArgs): Promise<void> {
  const { deps, x, req, upstream, route } = args;
  const out = args.res;
  const wire = x.wire!;
  const call = deps.client.send(upstream, {
    url: upstreamUrl(upstream, wire.id, route.model, queryOf(req.url ?? "")),
    headers: upstreamHeaders(upstream, req.headers),
    body: args.body,
  });
  const onClose = () => {
    if (!out.writableFinished) call.cancel();
  };
  out.on("close", onClose);
  let up: UpstreamResponse;
  try {
    up = await call.response;
  } catch (e) {
    if (call.cancelled) {
      out.off("close", onClose);
      x.event.error = "client_closed";
      x.finish(499);
      return;
    }
    out.off("close", onClose);
    if (!(e instanceof UpstreamFailure)) throw e;
    x.event.action = x.event.action === "allow" ? "error" : x.event.action;
    x.fail(out, e.status, e.message, e.status === 504 ? "upstream_timeout" : "upstream_unreachable");
    return;
  }
  try {
    if (up.status >= 400) await passError(args, up);
    // The answer's own type decides how it is read, not what the request asked for: an upstream that
    // streams an answer the client wanted whole (or the reverse) is still inspected with the right parser.
    else if (isEventStream(up.contentType)) await respondStream({ ...args, up, call });
    else await respondJson({ ...args, up });
  } catch (e) {
    if (call.cancelled || isAbort(e)) {
      x.event.error = "client_closed";
      x.finish(499);
      return;
    }
    throw e;
  } finally {
    out.off("close", onClose);
  }
}

/** An upstream error goes to the client as the provider sent it, minus our own credential if it echoes it. */
async function passError(args: ForwardArgs, up: UpstreamResponse): Promise<void> {
  const { x, upstream, deps } = args;
  let text = await up.body.text(deps.maxResponseBytes);
  const key = upstream.apiKey;
  if (key && key.length >= 8 && text.includes(key)) text = text.split(key).join("[upstream key]");
  x.event.error = `upstream_${up.status}`;
  x.event.status = up.status;
  const headers = x.decisionHeaders(up.headers);
  headers["content-type"] = up.contentType;
  sendAnswer(args.res, up.status, headers, text);
  x.finish(up.status);
}

/** True for `text/event-stream`, in any case, with or without parameters (`; charset=utf-8`). */
function isEventStream(contentType: string): boolean {
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === "text/event-stream";
}

function queryOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q);
}

function isAbort(e: unknown): boolean {
  return (
    e instanceof Error && (e.name === "AbortError" || (e as { code?: string }).code === "UND_ERR_ABORTED")
  );
}
