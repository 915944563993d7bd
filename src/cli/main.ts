import { Command, CommanderError } from "commander";
import { DetenteError, exitCodeFor } from "../errors.js";
import { registerAi } from "./ai.js";
import { registerAssets } from "./assets.js";
import { registerDemo } from "./demo.js";
import { registerFindings } from "./findings.js";
import { registerGateway } from "./gateway.js";
import { registerImport } from "./import.js";
import { registerIntel } from "./intel.js";
import { registerKeys } from "./keys.js";
import { registerServe } from "./serve.js";
import { registerTriage } from "./triage.js";
import { registerUsers } from "./users.js";
import { VERSION } from "./version.js";

/**
 * Run the detente CLI with `argv` (as in process.argv) and return the exit status: 0 success, 1 a
 * `--fail-on` threshold was reached, 2 bad input or configuration, 3 the environment failed (database,
 * network), 70 a bug.
 */
export async function run(argv: readonly string[]): Promise<number> {
  const program = new Command("detente")
    .description(
      "Shared, explained security decisions: triage scanner findings down to the few that matter, with reasons and SLAs.",
    )
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  registerTriage(program);
  registerImport(program);
  registerFindings(program);
  registerIntel(program);
  registerAssets(program);
  registerDemo(program);
  registerGateway(program);
  registerKeys(program);
  registerAi(program);
  registerServe(program);
  registerUsers(program);

  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}

function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // Commander already printed usage errors; help and version exit 0.
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof DetenteError) {
    if (e.code !== "POLICY_FAIL") process.stderr.write(`detente: ${e.message}\n`);
    return exitCodeFor(e);
  }
  // A bug: say so without dumping driver errors that may carry query parameters.
  const name = e instanceof Error ? e.name : "Error";
  const message =
    e instanceof Error ? (e.message.split("\n")[0] ?? "").slice(0, 300) : String(e).slice(0, 300);
  process.stderr.write(`detente: internal error (${name}): ${message}\n`);
  if (process.env.DETENTE_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + "\n");
  return 70;
}
