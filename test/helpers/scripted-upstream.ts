import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { startTestGateway, type TestGateway } from "./gateway.js";

/** The status and headers of a scripted answer. */
export interface ScriptedOptions {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Keep the answer open after its last piece, sending nothing more until the upstream closes. */
  readonly pause?: boolean;
}

/** A request the scripted upstream received. */
export interface ScriptedRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * An upstream that answers each request with the next scripted body, written piece by piece (one write
 * per piece, the next after the last was flushed), as `text/event-stream` when it is SSE and JSON
 * otherwise: for answers the fake upstream does not send (thinking, tool calls cut anywhere).
 */
export interface ScriptedUpstream {
  readonly url: string;
  /** What the next request gets: one body, or its pieces, with this status (200) and these headers. */
  answer(body: string | readonly string[], options?: ScriptedOptions): void;
  readonly requests: ScriptedRequest[];
  close(): Promise<void>;
}

/**
 * Start a scripted upstream on 127.0.0.1.
 *
 * @example const up = await startScriptedUpstream(); up.answer(JSON.stringify(message)); // then point a gateway at up.url
 */
export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const next: { pieces: readonly string[]; options: ScriptedOptions }[] = [];
  const requests: ScriptedRequest[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      requests.push({
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(parts).toString("utf8"),
      });
      const { pieces, options } = next.shift() ?? { pieces: ["{}"], options: {} };
      const first = pieces[0] ?? "";
      const sse = first.startsWith("event:") || first.startsWith("data:");
      res.writeHead(options.status ?? 200, {
        "content-type": sse ? "text/event-stream" : "application/json",
        ...options.headers,
      });
      const write = (i: number): void => {
        if (i === pieces.length) {
          if (options.pause !== true) res.end();
        } else
          res.write(pieces[i]!, () => {
            setImmediate(() => {
              write(i + 1);
            });
          });
      };
      write(0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer(body, options = {}) {
      next.push({ pieces: typeof body === "string" ? [body] : body, options });
    },
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** Events as an SSE body, one piece per event, each named by its `type`. */
export function sseEvents(events: readonly Record<string, unknown>[]): string[] {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`);
}

/** Anthropic's `message_start` event, as a stream opens, with `message` fields overridden. */
export function messageStart(message: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "message_start",
    message: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 1 },
      ...message,
    },
  };
}

/** A scripted upstream with two gateways in front: the default policy, and one that blocks secrets in answers. */
export interface ScriptedGateways {
  readonly upstream: ScriptedUpstream;
  readonly gw: TestGateway;
  readonly blocking: TestGateway;
  close(): Promise<void>;
}

/**
 * Start a scripted upstream and the two gateways of `ScriptedGateways` in front of it.
 *
 * @example const s = await startScriptedGateways(); s.upstream.answer(body); // then call s.gw or s.blocking
 */
export async function startScriptedGateways(): Promise<ScriptedGateways> {
  const upstream = await startScriptedUpstream();
  const gw = await startTestGateway({ upstreamUrl: upstream.url });
  const blocking = await startTestGateway({
    upstreamUrl: upstream.url,
    extraYaml: "  responses: { secret: block }\n",
  });
  return {
    upstream,
    gw,
    blocking,
    async close() {
      await gw.close();
      await blocking.close();
      await upstream.close();
    },
  };
}
