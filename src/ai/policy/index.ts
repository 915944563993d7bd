/**
 * The AI usage policy: the `ai:` section of detente.yaml (upstreams, model routing, who may use what,
 * rules per data class and destination, response handling, detector and gateway settings) and the pure
 * decisions the gateway makes from it. No I/O except `resolveCredential`, which takes its reader.
 *
 * @example
 * import { authorize, decideRequest, routeModel, toolFromUserAgent } from "./ai/policy/index.js";
 * const caller = { user: key.user, team: key.team, tool: key.tool ?? toolFromUserAgent(req.headers["user-agent"], req.headers) };
 * const route = routeModel(config.ai, body.model);
 * if (route && authorize(config.ai, caller, route).ok) {
 *   const decision = decideRequest({ policy: config.ai, caller, route, detections });
 * }
 */
export { allowedModels, authorize, effectiveAccess } from "./access.js";
export { resolveCredential } from "./credential.js";
export { STRENGTH as ACTION_STRENGTH, decideRequest } from "./decide.js";
export { DEFAULT_AI_POLICY, fieldPath, parseAiPolicy } from "./parse.js";
export { responsePlan } from "./response.js";
export { describeRoute, MAX_MODEL_NAME, routeModel } from "./route.js";
export * from "./types.js";
export { toolFromUserAgent } from "./user-agent.js";
