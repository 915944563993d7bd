export { startFakeUpstream } from "./server.js";
export type { FakeReply, FakeRequest, FakeUpstream, FakeUpstreamOptions } from "./types.js";
