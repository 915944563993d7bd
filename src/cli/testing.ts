import { vi } from "vitest";

/**
 * Run `f` as if stdout were a colour terminal (the tests' stdout is a pipe); the environment is put back
 * by `vi.unstubAllEnvs()` in the caller's `afterEach`.
 *
 * @example const out = inColourTerminal(() => table(["a"], [["x"]]));
 */
export function inColourTerminal<T>(f: () => T): T {
  const isTTY = Object.getOwnPropertyDescriptor(process.stdout, "isTTY");
  Object.defineProperty(process.stdout, "isTTY", { value: true, configurable: true });
  vi.stubEnv("NO_COLOR", "");
  vi.stubEnv("TERM", "xterm-256color");
  try {
    return f();
  } finally {
    if (isTTY) Object.defineProperty(process.stdout, "isTTY", isTTY);
    else Reflect.deleteProperty(process.stdout, "isTTY");
  }
}
