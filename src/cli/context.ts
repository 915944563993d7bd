import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { loadConfig, type Config } from "../config/load.js";
import { readEnv, type Env } from "../config/env.js";
import { seedBundledIntel } from "../services/intel/seed.js";
import { openStore, type Store } from "../store/open.js";

/**
 * What every command needs from its surroundings: the validated environment, detente.yaml, the store
 * (opened on first use, migrated, with the bundled KEV snapshot loaded) and the clock.
 */
export interface CliContext {
  readonly env: Env;
  readonly now: Date;
  config(): Promise<Config>;
  store(): Promise<Store>;
  /** True when a store already exists (DATABASE_URL is set, or the embedded database was created). */
  hasStore(): boolean;
  close(): Promise<void>;
}

/** Build the context from the program's global options (`--config`). */
export function cliContext(cmd: Command): CliContext {
  const env = readEnv(process.env);
  const opts = cmd.optsWithGlobals<{ config?: string }>();
  let config: Promise<Config> | undefined;
  let store: Promise<Store> | undefined;
  const now = process.env.DETENTE_NOW ? new Date(process.env.DETENTE_NOW) : new Date();
  return {
    env,
    now,
    config: () => (config ??= loadConfig(opts.config ?? env.configPath)),
    store: () =>
      (store ??= (async () => {
        const s = await openStore({ home: env.home, databaseUrl: env.databaseUrl });
        await seedBundledIntel({ store: s, now });
        return s;
      })()),
    hasStore: () => env.databaseUrl !== undefined || existsSync(join(env.home, "db", "PG_VERSION")),
    async close() {
      if (store) await (await store).close();
    },
  };
}

/** Run `fn` with a context and always close the store after. */
export async function withContext<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = cliContext(cmd);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
