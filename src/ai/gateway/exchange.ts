import { createHmac, randomBytes } from "node:crypto";
import type { AiEvent } from "../../services/ai/events.js";
import type { StoredResponseOwner } from "../../services/ai/stored-responses.js";
import { sendAnswer } from "./answer.js";
import { DetectionTally } from "./audit.js";
import type { GatewayDeps } from "./deps.js";
import { errorBody, type WireFamily, type WireFormat } from "./wire/index.js";
import type { GatewayResponse } from "./http-shapes.js";

/** The audit record while it is being filled in. */
export type EventDraft = { -readonly [K in keyof AiEvent]: AiEvent[K] };

/** Request ids: a per-process random prefix and a counter, cheaper than a UUID on the hot path. */
const ID_PREFIX = randomBytes(6).toString("hex");
let counter = 0;

/**
 * One request's journey through the gateway: its id, clock, audit draft and detection tally. Created
 * when the request arrives; `finish` writes the audit event exactly once, whatever happened.
 *
 * @example
 * const x = new Exchange(deps, wire, "messages");
 * ... x.event.action = "redact"; ...
 * x.finish(200);
 */
export class Exchange {
  readonly id = `${ID_PREFIX}${(counter++).toString(36)}`;
  readonly t0 = performance.now();
  readonly tally = new DetectionTally();
  readonly event: EventDraft;
  /** Milliseconds the gateway itself spent (not waiting for the upstream or the client). */
  overheadMs = 0;
  /** A Responses stream's `response.created` went out: a failure is then told in a `response.failed` too. */
  responseOpened = false;
  /**
   * The last `sequence_number` of a Responses stream's events sent on: an event the gateway adds (held
   * text let out, a failure) takes the next one, and the upstream's later events follow it.
   */
  sequence = -1;
  /**
   * Set for a Responses request the provider is to store, and an Anthropic request with a `thread`: who
   * creates the response, noted with its id when the answer (or a stream's `response.created` or
   * `message_start`) passes, so that only they retrieve or continue it later.
   */
  createsStored: StoredResponseOwner | null = null;
  /** The ids noted for `createsStored` so far: the response's and its output items' (see stored-owner.ts). */
  storedNoted: Set<string> | null = null;
  /**
   * Set for every model request once its upstream is known (and for a stored response its creator
   * retrieves): whom the code-execution containers the provider makes or uses answering it belong to,
   * noted by their ids as the answer passes, whether or not the response is stored (see stored-owner.ts).
   */
  owner: StoredResponseOwner | null = null;
  /** The container ids noted for `owner` so far. */
  containersNoted: Set<string> | null = null;
  private finished = false;
  private received: Buffer | null = null;

  constructor(
    private readonly deps: GatewayDeps,
    readonly wire: WireFormat | null,
    endpoint: string,
    readonly family: WireFamily,
  ) {
    this.event = {
      at: new Date(),
      requestId: this.id,
      keyId: null,
      user: null,
      team: null,
      tool: null,
      endpoint,
      upstream: null,
      provider: null,
      modelRequested: null,
      modelUsed: null,
      modelRouted: null,
      stream: false,
      action: "allow",
      status: 0,
      reasons: [],
      detections: [],
      latencyMs: 0,
      overheadMs: 0,
      ttftMs: null,
      tokensIn: null,
      tokensOut: null,
      requestHash: "",
      error: null,
    };
  }

  /**
   * Keyed hash of the request as received: correlates repeats without keeping the content. Computed when
   * the event is written, after the answer went out, so that it adds nothing to the client's latency;
   * until then the exchange holds `raw` (in memory only, never logged or stored), which for a stream
   * means until its end.
   */
  hashRequest(raw: Buffer): void {
    this.received = raw;
  }

  /**
   * The headers of an answer: `passed` (an upstream's rate limits and request ids), the server's own
   * static headers, and those that tell the client what was decided. A new object, the caller's to add to.
   */
  decisionHeaders(passed?: Readonly<Record<string, string>>): Record<string, string> {
    const h: Record<string, string> = passed ? { ...passed } : {};
    if (this.deps.answerHeaders) Object.assign(h, this.deps.answerHeaders);
    h["x-detente-decision"] = this.event.action;
    h["x-detente-request-id"] = this.id;
    const found = this.tally.summary("request");
    if (found) h["x-detente-detections"] = found;
    if (this.event.action === "reroute" && this.event.upstream && this.event.modelUsed)
      h["x-detente-route"] = `${this.event.upstream}/${this.event.modelUsed}`;
    return h;
  }

  /** Answer with the provider's own error shape, so the official SDKs raise their typed errors. */
  fail(res: GatewayResponse, status: number, message: string, code?: string): void {
    this.event.status = status;
    if (this.event.action === "allow")
      this.event.action = status === 401 || status === 403 ? "deny" : "error";
    this.event.error ??= code ?? `http_${status}`;
    const headers = this.decisionHeaders();
    headers["content-type"] = "application/json";
    sendAnswer(res, status, headers, JSON.stringify(errorBody(this.family, status, message, code)));
    this.finish(status);
  }

  /** Write the audit event and the metrics, once. */
  finish(status: number): void {
    if (this.finished) return;
    this.finished = true;
    const e = this.event;
    if (e.status === 0) e.status = status;
    e.latencyMs = round(performance.now() - this.t0);
    e.overheadMs = round(this.overheadMs);
    e.detections = this.tally.list();
    if (this.received !== null) {
      e.requestHash = createHmac("sha256", this.deps.hashKey)
        .update(this.received)
        .digest("hex")
        .slice(0, 32);
      this.received = null;
    }
    this.deps.metrics.observe(e);
    this.deps.events.write({ ...e });
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
