import type { FastifyReply, FastifyRequest } from "fastify";
import type { RedactionVault } from "../inspect/index.js";
import type { Route } from "../policy/index.js";
import type { GatewayDeps } from "./deps.js";
import type { Exchange } from "./exchange.js";
import { readBounded, respondJson } from "./respond-json.js";
import { respondStream } from "./respond-stream.js";
import {
  UpstreamFailure,
  upstreamHeaders,
  upstreamUrl,
  type Upstream,
  type UpstreamResponse,
} from "./upstream.js";

/** What `forward` needs: the request as decided, ready to send. */
export interface ForwardArgs {
  readonly deps: GatewayDeps;
  readonly x: Exchange;
  readonly req: FastifyRequest;
  readonly reply: FastifyReply;
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
 * @example await forward({ deps, x, req, reply, upstream, route, body, vault });
 */
export async function forward(args: ForwardArgs): Promise<void> {
  const { deps, x, req, reply, upstream, route } = args;
  const wire = x.wire!;
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  reply.raw.on("close", onClose);
  let res: UpstreamResponse;
  try {
    res = await deps.client.send(upstream, {
      url: upstreamUrl(upstream, wire.id, route.model, queryOf(req.url)),
      headers: upstreamHeaders(upstream, req.headers),
      body: args.body,
      signal: controller.signal,
    });
  } catch (e) {
    if (controller.signal.aborted) {
      x.event.error = "client_closed";
      x.finish(499);
      return;
    }
    if (!(e instanceof UpstreamFailure)) throw e;
    x.event.action = x.event.action === "allow" ? "error" : x.event.action;
    x.fail(reply, e.status, e.message, e.status === 504 ? "upstream_timeout" : "upstream_unreachable");
    return;
  }
  try {
    if (res.status >= 400) await passError(args, res);
    else if (x.event.stream && res.contentType.startsWith("text/event-stream"))
      await respondStream({ ...args, res, controller });
    else await respondJson({ ...args, res });
  } catch (e) {
    if (controller.signal.aborted || isAbort(e)) {
      x.event.error = "client_closed";
      x.finish(499);
      return;
    }
    throw e;
  } finally {
    reply.raw.off("close", onClose);
  }
}

/** An upstream error goes to the client as the provider sent it, minus our own credential if it echoes it. */
async function passError(args: ForwardArgs, res: UpstreamResponse): Promise<void> {
  const { x, reply, upstream, deps } = args;
  let text = await readBounded(res.body, deps.maxResponseBytes);
  const key = upstream.apiKey;
  if (key && key.length >= 8 && text.includes(key)) text = text.split(key).join("[upstream key]");
  x.event.error = `upstream_${res.status}`;
  x.event.status = res.status;
  void reply
    .code(res.status)
    .headers(res.headers)
    .headers(x.decisionHeaders())
    .header("content-type", res.contentType)
    .send(text);
  x.finish(res.status);
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
