export * from "./vuln.js";
export * from "./intel.js";
export * from "./ai.js";
export * from "./server.js";
