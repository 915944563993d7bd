import { DetenteError } from "../../errors.js";
import type { CredentialRef } from "./types.js";

/** A key file bigger than this is not a key; it is not read into an error either. */
const MAX_KEY_LENGTH = 65_536;

/** Printable ASCII without spaces: what an API key is, and what can be sent in a header unchanged. */
function headerSafe(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

function checked(value: string, where: string): string | undefined {
  if (value.length > MAX_KEY_LENGTH) {
    throw new DetenteError("INVALID_CONFIG", `${where} is too long to be a key (over 64 KiB)`);
  }
  const key = value.trim();
  if (key === "") return undefined;
  if (!headerSafe(key)) {
    throw new DetenteError(
      "INVALID_CONFIG",
      `${where} must hold the key alone, on one line, in printable ASCII without spaces`,
    );
  }
  return key;
}

/**
 * Read an upstream credential: `{ env }` from the environment, `{ file }` from a file, trimmed. Returns
 * undefined when the variable is unset or either is empty, so the gateway can say which upstream has no
 * key. An unreadable file or a value that cannot be a key throws `INVALID_CONFIG`; every message names
 * the upstream and the variable or path, never the value (nor the reader's own error text, which might
 * quote it).
 *
 * @example
 * resolveCredential({ env: "OPENAI_API_KEY" }, "openai", { env: process.env, readFile: (p) => readFileSync(p, "utf8") });
 */
export function resolveCredential(
  ref: CredentialRef,
  upstream: string,
  io: { env: NodeJS.ProcessEnv; readFile(path: string): string },
): string | undefined {
  if ("env" in ref) {
    const value = io.env[ref.env];
    return value === undefined
      ? undefined
      : checked(value, `upstream "${upstream}": environment variable ${ref.env}`);
  }
  let text: string;
  try {
    text = io.readFile(ref.file);
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    const reason = typeof code === "string" && /^[A-Z0-9_]{1,32}$/.test(code) ? code : "error";
    throw new DetenteError(
      "INVALID_CONFIG",
      `upstream "${upstream}": cannot read the key file ${ref.file} (${reason})`,
    );
  }
  return checked(text, `upstream "${upstream}": key file ${ref.file}`);
}
