export * from "./vuln.js";
export * from "./intel.js";
