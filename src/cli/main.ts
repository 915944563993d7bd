import { Command, CommanderError } from "commander";
import { DetenteError, exitCodeFor } from "../errors.js";
import { printableLine, printableText } from "../vuln/export/printable.js";
import { VERSION } from "./version.js";

type Register = (program: Command) => void;

/**
 * Every command, in the order of `--help`, each loaded only when asked for: a command brings in only what
 * it needs (`detente triage` in a pipeline does not load the web server, the gateway or their libraries),
 * which takes a third off its start-up.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  triage: async () => (await import("./triage.js")).registerTriage,
  import: async () => (await import("./import.js")).registerImport,
  findings: async () => (await import("./findings.js")).registerFindings,
  explain: async () => (await import("./findings.js")).registerFindings,
  intel: async () => (await import("./intel.js")).registerIntel,
  assets: async () => (await import("./assets.js")).registerAssets,
  demo: async () => (await import("./demo.js")).registerDemo,
  gateway: async () => (await import("./gateway.js")).registerGateway,
  keys: async () => (await import("./keys.js")).registerKeys,
  ai: async () => (await import("./ai.js")).registerAi,
  serve: async () => (await import("./serve.js")).registerServe,
  users: async () => (await import("./users.js")).registerUsers,
};

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

  // The command is the first argument; anything else (--help, a typo, an option first) needs them all.
  const name = argv[2];
  const asked = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  const registers = asked
    ? [await asked()]
    : await Promise.all(Object.values(COMMANDS).map((load) => load()));
  for (const register of new Set(registers)) register(program);

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
    // Messages quote what was read (a report's severity, a file's line): shown printable, so a report
    // cannot put escape sequences on the terminal through an error.
    if (e.code !== "POLICY_FAIL") process.stderr.write(`detente: ${printableText(e.message)}\n`);
    return exitCodeFor(e);
  }
  // A bug: say so without dumping driver errors that may carry query parameters.
  const name = e instanceof Error ? e.name : "Error";
  const message =
    e instanceof Error ? (e.message.split("\n")[0] ?? "").slice(0, 300) : String(e).slice(0, 300);
  process.stderr.write(`detente: internal error (${name}): ${printableLine(message)}\n`);
  if (process.env.DETENTE_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + "\n");
  return 70;
}
