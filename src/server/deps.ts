import type { Config } from "../config/load.js";
import type { Store } from "../store/open.js";
import type { AssetKeys } from "./asset-keys.js";
import type { QueueCache } from "./queue-cache.js";

/** What the API's routes use. */
export interface ServerDeps {
  readonly store: Store;
  readonly config: Config;
  /** The clock (tests pin it). */
  now(): Date;
  /** Where uploads are spooled before import (a directory under DETENTE_HOME or the system's temp). */
  readonly uploadDir: string;
  /** Largest report upload accepted, in bytes. */
  readonly maxUploadBytes: number;
  /** The head of the escalation queue, shared by pages and the scorecard for a few seconds. */
  readonly queue: QueueCache;
  /** Which scanner-written asset keys belong to each inventory asset. */
  readonly assetKeys: AssetKeys;
  /** Tell the server's own gateway that a key was revoked, so that it refuses it at once. */
  keyRevoked(keyId: string): void;
}
