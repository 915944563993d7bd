import { isIdentCode } from "../inspect/chars.js";
import type { RedactionVault } from "../inspect/index.js";
import type { Route } from "../policy/index.js";
import type { GatewayDeps } from "./deps.js";
import { sendAnswer } from "./answer.js";
import type { Exchange } from "./exchange.js";
import type { GatewayRequest, GatewayResponse } from "./http-shapes.js";
import { respondJson } from "./respond-json.js";
import { respondStream } from "./respond-stream.js";
import { upstreamHeaders, upstreamUrl, type Upstream } from "./upstream.js";
import { UpstreamFailure, type UpstreamResponse } from "./upstream-client.js";

/** What sending a request upstream and answering the client need: the exchange, both ends, the body. */
export interface AnswerArgs {
  readonly deps: GatewayDeps;
  readonly x: Exchange;
  readonly req: GatewayRequest;
  readonly res: GatewayResponse;
  readonly upstream: Upstream;
  readonly body: string | Buffer;
  /** The request's redaction placeholders, put back in the answer. */
  readonly vault: RedactionVault;
}

/** What `forward` needs: the request as decided, ready to send to `route`'s model. */
export interface ForwardArgs extends AnswerArgs {
  readonly route: Route;
}

/** Where `forwardTo` sends a request: a method and a URL on the upstream. */
export interface UpstreamTarget {
  readonly method: "GET" | "POST" | "DELETE";
  readonly url: string;
}

/**
 * Send the decided request upstream and answer the client: errors pass through as the provider sent
 * them, streams are inspected event by event, other answers whole. A client that goes away cancels the
 * upstream request.
 *
 * @example await forward({ deps, x, req, res, upstream, route, body, vault });
 */
export function forward(args: ForwardArgs): Promise<void> {
  const { x, req, upstream, route } = args;
  const url = upstreamUrl(upstream, x.wire!.id, route.model, queryOf(req.url ?? ""));
  return forwardTo(args, { method: "POST", url });
}

/**
 * `forward` to a method and URL of the caller's choosing (a stored response's routes): the same
 * cancellation, error pass-through and answer inspection, by the exchange's wire format.
 *
 * @example await forwardTo({ deps, x, req, res, upstream, body: "", vault }, { method: "GET", url });
 */
export async function forwardTo(args: AnswerArgs, target: UpstreamTarget): Promise<void> {
  const { deps, x, req, upstream } = args;
  const out = args.res;
  const wire = x.wire!;
  const headers = upstreamHeaders(upstream, req.headers);
  if (args.body.length === 0) delete headers["content-type"]; // no body to describe
  const call = deps.client.send(upstream, {
    method: target.method,
    url: target.url,
    headers,
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
    else if (isEventStream(up.contentType) && wire.streams) await respondStream({ ...args, up, call });
    else await respondJson({ ...args, up });
  } catch (e) {
    if (call.cancelled || isAbort(e)) {
      x.event.error = "client_closed";
      x.finish(499);
      return;
    }
    // The answer began, then timed out, broke off or grew past the limit before it was read whole.
    if (e instanceof UpstreamFailure && !out.headersSent) {
      x.event.action = x.event.action === "allow" ? "error" : x.event.action;
      x.fail(out, e.status, e.message, e.status === 504 ? "upstream_timeout" : "upstream_error");
      return;
    }
    throw e;
  } finally {
    out.off("close", onClose);
  }
}

/**
 * An upstream error goes to the client as the provider sent it, minus our own credential if it echoes
 * it, whole or masked (`sk-proj-ab****wxyz`). A 401 is about detente's credential for the upstream,
 * never the caller's detente key: it goes as a 401 in the provider's format, with a message saying so
 * in place of the provider's (which quotes part of the key).
 */
async function passError(args: AnswerArgs, up: UpstreamResponse): Promise<void> {
  const { x, upstream, deps } = args;
  let text = await up.body.text(deps.maxResponseBytes);
  x.event.error = `upstream_${up.status}`;
  x.event.status = up.status;
  if (up.status === 401) {
    if (x.event.action === "allow") x.event.action = "error";
    x.fail(
      args.res,
      401,
      upstream.apiKey
        ? `Upstream "${upstream.name}" refused detente's credential for it. Your detente key is fine: tell the gateway's administrator.`
        : `Upstream "${upstream.name}" wants a credential, and detente has none configured for it. Your detente key is fine: tell the gateway's administrator.`,
      "upstream_auth_failed",
    );
    return;
  }
  const key = upstream.apiKey;
  if (key && key.length >= 8 && text.includes(key)) text = text.split(key).join("[upstream key]");
  text = maskedKeys(text);
  const headers = x.decisionHeaders(up.headers);
  headers["content-type"] = up.contentType;
  sendAnswer(args.res, up.status, headers, text);
  x.finish(up.status);
}

/**
 * `sk-proj-ab****wxyz` (a key as providers quote it, masked in the middle) as `[upstream key]`: each
 * run of three or more `*` with the letters, digits, `-` and `_` around it, when there are any. Linear:
 * every character is looked at a bounded number of times.
 */
export function maskedKeys(text: string): string {
  let out = "";
  let from = 0;
  for (let star = text.indexOf("***"); star >= 0; star = text.indexOf("***", from)) {
    let start = star;
    while (start > from && isKeyCode(text.charCodeAt(start - 1))) start--;
    let end = star + 3;
    while (end < text.length && text.charCodeAt(end) === 0x2a) end++;
    const stars = end;
    while (end < text.length && (text.charCodeAt(end) === 0x2a || isKeyCode(text.charCodeAt(end)))) end++;
    // Stars alone ("a *** b") quote nothing.
    if (start < star || end > stars) out += text.slice(from, start) + "[upstream key]";
    else out += text.slice(from, end);
    from = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** A character of a key as providers print one: ASCII letters, digits, `_` and `-`. */
function isKeyCode(c: number): boolean {
  return isIdentCode(c) || c === 0x2d;
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
