import type { KeyObject } from "node:crypto";
import type { Principal } from "../../services/ai/keys.js";
import type { StoredResponses } from "../../services/ai/stored-responses.js";
import type { InspectionMemo, Inspector } from "../inspect/index.js";
import type { AiPolicy, ResponsePlan } from "../policy/index.js";
import type { EventSink } from "./audit.js";
import type { GatewayMetrics } from "./metrics.js";
import type { ModelCatalog } from "./model-catalog.js";
import type { Upstream } from "./upstream.js";
import type { UpstreamClient } from "./upstream-client.js";

/**
 * Everything a gateway needs, built once at start-up: the policy, resolved upstreams, the inspector, key
 * verification, the audit sink and metrics. Request handlers only read it, so any number of requests run
 * side by side and any number of instances can share one database.
 *
 * @example
 * const deps: GatewayDeps = { policy, upstreams, client: createUpstreamClient(), inspector,
 *   requestInspector: createInspectionMemo(inspector, { entries: 4096 }), keys, events,
 *   metrics: createGatewayMetrics(), hashKey, logger };
 */
export interface GatewayDeps {
  readonly policy: AiPolicy;
  readonly responsePlan: ResponsePlan;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly client: UpstreamClient;
  /** What `GET /v1/models` lists for a caller. */
  readonly models: ModelCatalog;
  readonly inspector: Inspector;
  /** The inspector for request texts, remembering each caller's repeated texts (`ai.gateway.inspectionCache`). */
  readonly requestInspector: InspectionMemo;
  readonly keys: { verify(presented: string): Promise<Principal | null> };
  readonly events: EventSink;
  /** Who created each stored response (the Responses API's `store`), so only they may use it. */
  readonly storedResponses: StoredResponses;
  readonly metrics: GatewayMetrics;
  /**
   * Key of the request hash in the audit trail (the inspector holds its own copy for detections): the
   * configured key's UTF-8 bytes, imported once (an HMAC given a string imports it again every time).
   */
  readonly hashKey: KeyObject;
  /** Largest upstream response body read whole (non-streaming responses). */
  readonly maxResponseBytes: number;
  /** Static headers on every answer (the full server's own: nosniff, no framing). */
  readonly answerHeaders?: Readonly<Record<string, string>>;
  /** Largest request body accepted, in bytes (`ai.gateway.maxBodyBytes`). */
  readonly maxBodyBytes: number;
  /** Where failures the client cannot see are reported: never with request content. */
  readonly log: { warn(obj: Record<string, unknown>, msg: string): void };
}
