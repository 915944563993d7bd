import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isDetenteError } from "../../errors.js";
import { resolveCredential } from "./credential.js";

const KEY = "sk-proj-T3stK3y0nlyF0rDetente9aB8cD7eF6";
const dir = mkdtempSync(join(tmpdir(), "detente-credential-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const io = (env: NodeJS.ProcessEnv = {}) => ({ env, readFile: (p: string) => readFileSync(p, "utf8") });

function failure(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(isDetenteError(e, "INVALID_CONFIG")).toBe(true);
    return (e as Error).message;
  }
  throw new Error("expected the credential to be refused");
}

describe("resolveCredential", () => {
  it("reads a variable or a file, trimmed", () => {
    expect(resolveCredential({ env: "OPENAI_API_KEY" }, "openai", io({ OPENAI_API_KEY: ` ${KEY}\n` }))).toBe(
      KEY,
    );
    const file = join(dir, "azure-openai");
    writeFileSync(file, `${KEY}\n`);
    expect(resolveCredential({ file }, "azure", io())).toBe(KEY);
  });

  it("returns nothing for an unset or empty variable or file", () => {
    expect(resolveCredential({ env: "OPENAI_API_KEY" }, "openai", io())).toBeUndefined();
    expect(
      resolveCredential({ env: "OPENAI_API_KEY" }, "openai", io({ OPENAI_API_KEY: "  " })),
    ).toBeUndefined();
    const file = join(dir, "empty");
    writeFileSync(file, "\n");
    expect(resolveCredential({ file }, "local", io())).toBeUndefined();
  });

  it("names the upstream and the path of an unreadable file", () => {
    const file = join(dir, "missing");
    expect(failure(() => resolveCredential({ file }, "azure", io()))).toBe(
      `upstream "azure": cannot read the key file ${file} (ENOENT)`,
    );
  });

  it("never puts the value in an error, even when the reader's own error quotes it", () => {
    const reader = {
      env: {},
      readFile: (): string => {
        throw new Error(`parse error near ${KEY}`);
      },
    };
    const message = failure(() => resolveCredential({ file: "/run/secrets/x" }, "openai", reader));
    expect(message).toBe('upstream "openai": cannot read the key file /run/secrets/x (error)');
    expect(message).not.toContain(KEY);
  });

  it("refuses a value that cannot be a key, without repeating it", () => {
    const twoLines = failure(() =>
      resolveCredential(
        { env: "OPENAI_API_KEY" },
        "openai",
        io({ OPENAI_API_KEY: `${KEY}\nexport OTHER=${KEY}` }),
      ),
    );
    expect(twoLines).toBe(
      'upstream "openai": environment variable OPENAI_API_KEY must hold the key alone, on one line, in printable ASCII without spaces',
    );
    const file = join(dir, "env-file");
    writeFileSync(file, `OPENAI_API_KEY=${KEY} # prod\n`);
    const spaced = failure(() => resolveCredential({ file }, "openai", io()));
    expect(spaced).toBe(
      `upstream "openai": key file ${file} must hold the key alone, on one line, in printable ASCII without spaces`,
    );
    const huge = failure(() =>
      resolveCredential({ env: "OPENAI_API_KEY" }, "openai", io({ OPENAI_API_KEY: KEY.repeat(3000) })),
    );
    expect(huge).toBe(
      'upstream "openai": environment variable OPENAI_API_KEY is too long to be a key (over 64 KiB)',
    );
    for (const m of [twoLines, spaced, huge]) expect(m).not.toContain("T3stK3y");
  });
});
