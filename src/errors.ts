/**
 * The one error type of detente's core. Expected failures (bad input, unknown format, a missing finding)
 * are thrown as a `DetenteError` with a stable `code`; the CLI maps codes to exit statuses and the server
 * maps them to its JSON error shape. Anything else that is thrown is a bug.
 *
 * @example
 * throw new DetenteError("INVALID_INPUT", "report.json: unexpected end of input at line 3, column 7");
 */
export class DetenteError extends Error {
  override readonly name = "DetenteError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

/** Stable error codes; the CLI's exit status and the HTTP status derive from these. */
export type ErrorCode =
  | "INVALID_INPUT" // a report, log, file or argument is malformed
  | "UNKNOWN_FORMAT" // a report's format could not be recognised
  | "INVALID_CONFIG" // detente.yaml, assets or policy failed validation
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "RATE_LIMITED" // too many attempts (sign-in); retry later
  | "UPSTREAM" // a download or upstream provider failed
  | "STORE_BUSY" // another process holds the embedded database
  | "POLICY_FAIL"; // a `--fail-on` threshold was reached (not an error in the tool, but exit 1)

/** Exit status for each code: 1 for policy failures, 2 for bad input, 3 for environment problems. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof DetenteError)) return 70; // EX_SOFTWARE: a bug
  switch (error.code) {
    case "POLICY_FAIL":
      return 1;
    case "INVALID_INPUT":
    case "UNKNOWN_FORMAT":
    case "INVALID_CONFIG":
    case "NOT_FOUND":
    case "CONFLICT":
      return 2;
    default:
      return 3;
  }
}

/** True when `error` is a DetenteError with one of `codes`. */
export function isDetenteError(error: unknown, ...codes: ErrorCode[]): error is DetenteError {
  return error instanceof DetenteError && (codes.length === 0 || codes.includes(error.code));
}
