import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { AiEvent } from "../../services/ai/events.js";

/**
 * The gateway's Prometheus metrics: request latency and the gateway's own overhead as histograms, time to
 * first token, and counters of decisions and detections. Labels carry names (endpoint, action, upstream,
 * tool, team, detection type), never content.
 *
 * @example
 * const metrics = createGatewayMetrics();
 * app.get("/metrics", async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()));
 */
export interface GatewayMetrics {
  observe(event: AiEvent): void;
  /** A request text of `chars` characters: inspected, or answered from what the gateway remembered. */
  inspected(remembered: boolean, chars: number): void;
  readonly registry: Registry;
  readonly contentType: string;
  text(): Promise<string>;
}

const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** See `GatewayMetrics`. `defaults` adds Node's process metrics (off in tests, where many registries live). */
export function createGatewayMetrics(options?: { defaults?: boolean }): GatewayMetrics {
  const registry = new Registry();
  if (options?.defaults) collectDefaultMetrics({ register: registry, prefix: "detente_" });
  const latency = new Histogram({
    name: "detente_gateway_request_duration_seconds",
    help: "Time from request to the end of the answer, by endpoint and action.",
    labelNames: ["endpoint", "action"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const overhead = new Histogram({
    name: "detente_gateway_overhead_seconds",
    help: "Time the gateway itself spent on a request (inspection, policy, rewriting), by endpoint.",
    labelNames: ["endpoint"] as const,
    buckets: OVERHEAD_BUCKETS,
    registers: [registry],
  });
  const ttft = new Histogram({
    name: "detente_gateway_time_to_first_token_seconds",
    help: "Time from request to the first streamed text, by upstream.",
    labelNames: ["upstream"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const decisions = new Counter({
    name: "detente_gateway_decisions_total",
    help: "Requests by decision, endpoint, upstream, tool and team.",
    labelNames: ["action", "endpoint", "upstream", "tool", "team", "status"] as const,
    registers: [registry],
  });
  const detections = new Counter({
    name: "detente_gateway_detections_total",
    help: "Detections by data class, type and where (request or response).",
    labelNames: ["data_class", "type", "where"] as const,
    registers: [registry],
  });
  const inspectedChars = new Counter({
    name: "detente_gateway_request_text_chars_total",
    help: "Characters of request text, by how they were handled: inspected, or remembered from an earlier request by the same key.",
    labelNames: ["how"] as const,
    registers: [registry],
  });
  const inspectedNow = inspectedChars.labels("inspected");
  const remembered = inspectedChars.labels("remembered");
  // Each label set's series, looked up by its values joined: prom-client would sort and hash a labels
  // object on every observation.
  const latencyOf = seriesCache((endpoint: string, action: string) => latency.labels(endpoint, action));
  const overheadOf = seriesCache((endpoint: string) => overhead.labels(endpoint));
  const ttftOf = seriesCache((upstream: string) => ttft.labels(upstream));
  const decisionsOf = seriesCache((...values: string[]) => decisions.labels(...values));
  const detectionsOf = seriesCache((...values: string[]) => detections.labels(...values));
  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    inspected(wasRemembered, chars) {
      (wasRemembered ? remembered : inspectedNow).inc(chars);
    },
    observe(e) {
      latencyOf(e.endpoint, e.action).observe(e.latencyMs / 1000);
      overheadOf(e.endpoint).observe(e.overheadMs / 1000);
      if (e.ttftMs !== null) ttftOf(e.upstream ?? "").observe(e.ttftMs / 1000);
      decisionsOf(e.action, e.endpoint, e.upstream ?? "", e.tool ?? "", e.team ?? "", String(e.status)).inc();
      for (const d of e.detections) detectionsOf(d.dataClass, d.type, d.where).inc(d.count);
    },
  };
}

/** Labels' values (names, never content) from requests: bounded, as a noisy client cannot grow it forever. */
const MAX_SERIES = 10_000;

/** `labels(...values)` remembered by the values joined, forgotten all at once past MAX_SERIES. */
function seriesCache<A extends string[], T>(make: (...values: A) => T): (...values: A) => T {
  const cache = new Map<string, T>();
  return (...values) => {
    const key = values.join("\u0000");
    let series = cache.get(key);
    if (series === undefined) {
      if (cache.size >= MAX_SERIES) cache.clear();
      series = make(...values);
      cache.set(key, series);
    }
    return series;
  };
}
