import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Helpers for end-to-end tests of the `detente` command: they spawn the real CLI (`node bin/detente.js`,
 * which runs the compiled dist/) in a temporary working directory with its own DETENTE_HOME, a fixed
 * clock and no colour, exactly as a user or a CI job would run it.
 */

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const BIN = join(ROOT, "bin", "detente.js");

// `npm test` builds before vitest runs; a bare `vitest run` on a fresh checkout would otherwise fail in
// every test with the CLI's own "not built" message, so say what to do once, up front.
if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
  throw new Error(
    `dist/ is missing: run \`npm run build\` in ${ROOT} before the CLI tests (npm test does it)`,
  );
}

/** The clock every CLI test runs at (DETENTE_NOW), so due dates and "today" are fixed. */
export const NOW = "2026-11-23T12:00:00Z";

/** The caller's settings that would change what the CLI does (another database, config, colours). */
const DROPPED_ENV = new Set([
  "DATABASE_URL",
  "DETENTE_CONFIG",
  "DETENTE_DEBUG",
  "FORCE_COLOR",
  "NODE_OPTIONS",
]);

/** A spawn that takes longer than this is killed and reported as `timedOut`: a hang fails clearly. */
const DEFAULT_TIMEOUT_MS = 90_000;

/**
 * The absolute path of a file under test/fixtures.
 *
 * @example fixture("trivy", "payments-api-image.json")
 */
export function fixture(...parts: string[]): string {
  return join(ROOT, "test", "fixtures", ...parts);
}

/** What one run of the CLI did. */
export interface CliResult {
  /** Exit status, or null when the process was killed by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the run was killed after its time limit. */
  readonly timedOut: boolean;
}

export interface RunOptions {
  /** Text fed to stdin (for `-` reports); stdin is empty otherwise. */
  readonly stdin?: string;
  /** Extra environment variables (e.g. another DETENTE_NOW). */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Close our end of stdout right after the start, as `| head` does once it has read enough. */
  readonly closeStdout?: boolean;
}

/** A temporary working directory and DETENTE_HOME in which to run the CLI. */
export interface CliSandbox {
  /** The working directory of every run; `--config`, relative paths and outputs resolve here. */
  readonly cwd: string;
  /** DETENTE_HOME of every run (the embedded database lives under it once a command needs one). */
  readonly home: string;
  /** Run `detente <args>` and collect its output. */
  run(args: readonly string[], options?: RunOptions): Promise<CliResult>;
  /** Write a file into the working directory and return its name relative to it. */
  write(name: string, content: string | Uint8Array): Promise<string>;
  /** The absolute path of a file in the working directory. */
  path(name: string): string;
  dispose(): Promise<void>;
}

/**
 * A fresh sandbox: share one per test file where the state allows, since the first command that opens
 * the store migrates it (a few seconds).
 *
 * @example
 * const cli = await cliSandbox();
 * const r = await cli.run(["triage", fixture("trivy", "payments-api-image.json"), "--format", "json"]);
 * expect(r.code).toBe(0);
 * await cli.dispose();
 */
export async function cliSandbox(): Promise<CliSandbox> {
  const cwd = await mkdtemp(join(tmpdir(), "detente-cli-"));
  const home = join(cwd, ".detente-home");
  return {
    cwd,
    home,
    run: (args, options) => runCli(args, { cwd, home, ...options }),
    async write(name, content) {
      await writeFile(join(cwd, name), content);
      return name;
    },
    path: (name) => join(cwd, name),
    dispose: () => rm(cwd, { recursive: true, force: true }),
  };
}

/**
 * Spawn `node bin/detente.js <args>` in `cwd` with DETENTE_HOME=`home`, DETENTE_NOW=`NOW`, NO_COLOR=1
 * and none of the caller's detente settings (DATABASE_URL, DETENTE_CONFIG), so the embedded store is used.
 *
 * @example const r = await runCli(["--help"], { cwd: "/tmp/x", home: "/tmp/x/home" })
 */
export function runCli(
  args: readonly string[],
  options: RunOptions & { readonly cwd: string; readonly home: string },
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !DROPPED_ENV.has(name))),
    DETENTE_HOME: options.home,
    DETENTE_NOW: NOW,
    NO_COLOR: "1",
    ...options.env,
  };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      done({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
      });
    });
    // A child that exits before reading stdin must not fail the test with EPIPE.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin ?? "");
  });
}

/** One finding of `detente triage --format json` (the fields these tests read). */
export interface TriageRow {
  readonly id: string;
  readonly escalated: boolean;
  readonly vulnId: string;
  readonly aliases: string[];
  readonly component: string;
  readonly assetKey: string;
  readonly status: string;
  readonly scanner: string;
  readonly scanners: string[];
  readonly asset: {
    readonly key: string;
    readonly name: string;
    readonly owner: string;
    readonly matched: boolean;
  };
  readonly decision: {
    readonly outcome: "act" | "attend" | "track*" | "track";
    readonly score: number;
    readonly dueDate: string;
    readonly escalatable: boolean;
    readonly reasons: { readonly code: string; readonly text: string }[];
    readonly points: Record<
      string,
      { readonly value: string; readonly source: string; readonly detail: string }
    >;
  };
}

/** `detente triage --format json` output. */
export interface TriageJson {
  readonly summary: {
    readonly generatedAt: string;
    readonly reports: { readonly name: string; readonly format: string; readonly findings: number }[];
    readonly read: number;
    readonly distinct: number;
    readonly byOutcome: Record<"act" | "attend" | "track*" | "track", number>;
    readonly closed: number;
    readonly budget: { readonly percent?: number; readonly count?: number };
    readonly budgetLimit: number;
    readonly escalated: number;
    readonly actOverflow: number;
    readonly unmatched: string;
  };
  readonly findings: TriageRow[];
}

/**
 * Parse a run's stdout as `triage --format json`, failing with the run's stderr when it is not JSON.
 *
 * @example const { summary, findings } = triageJson(await cli.run([...]))
 */
export function triageJson(r: CliResult): TriageJson {
  return parseJson(r) as TriageJson;
}

/**
 * Parse a run's stdout as JSON (the caller states the shape with `as`), failing with the exit status and
 * stderr when it is not JSON.
 *
 * @example const status = parseJson(await cli.run(["intel", "status", "--json"])) as { source: string }[]
 */
export function parseJson(r: CliResult): unknown {
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    throw new Error(`stdout is not JSON (exit ${String(r.code)}); stderr: ${r.stderr.slice(0, 2000)}`);
  }
}

/** Today as DETENTE_NOW says, plus `days`, as YYYY-MM-DD (how due dates are written). */
export function nowPlusDays(days: number): string {
  return new Date(Date.parse(NOW) + days * 86_400_000).toISOString().slice(0, 10);
}
