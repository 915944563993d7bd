import { resolve } from "node:path";
import { z } from "zod";
import { DetenteError } from "../errors.js";

const envSchema = z.object({
  DETENTE_HOME: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DETENTE_CONFIG: z.string().min(1).optional(),
});

/** The environment detente reads, validated. */
export interface Env {
  /** Where the embedded database, downloaded intel and other state live. Default `./.detente`. */
  readonly home: string;
  /** PostgreSQL connection string; when unset the embedded PGlite database under `home` is used. */
  readonly databaseUrl: string | undefined;
  /** Path of detente.yaml when set explicitly. */
  readonly configPath: string | undefined;
}

/**
 * Read and validate detente's environment variables. Errors name the variable, never its value (a
 * DATABASE_URL may hold a password).
 *
 * @example const env = readEnv(process.env); openStore({ home: env.home, databaseUrl: env.databaseUrl })
 */
export function readEnv(source: NodeJS.ProcessEnv): Env {
  const parsed = envSchema.safeParse({
    DETENTE_HOME: source.DETENTE_HOME || undefined,
    DATABASE_URL: source.DATABASE_URL,
    DETENTE_CONFIG: source.DETENTE_CONFIG || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    throw new DetenteError("INVALID_CONFIG", `environment variable ${name}: ${issue?.message ?? "invalid"}`);
  }
  return {
    home: resolve(parsed.data.DETENTE_HOME ?? ".detente"),
    databaseUrl: parsed.data.DATABASE_URL,
    configPath: parsed.data.DETENTE_CONFIG,
  };
}
