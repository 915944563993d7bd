import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../paths.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "detente-hashkey-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Each process loads the key as `detente serve` and `detente gateway` do at start (the built module).
const LOAD = `const { loadHashKey } = await import(${JSON.stringify(join(packageRoot(), "dist", "ai", "gateway", "server.js"))});
const { DEFAULT_AI_POLICY } = await import(${JSON.stringify(join(packageRoot(), "dist", "ai", "policy", "index.js"))});
process.stdout.write(loadHashKey(DEFAULT_AI_POLICY, process.argv[1], {}));`;

describe("the audit trail's generated hash key", () => {
  it("is one key for processes started at once on one home, none failing, no file left behind", async () => {
    const home = join(dir, "home");
    const run = () =>
      promisify(execFile)(process.execPath, ["--input-type=module", "-e", LOAD, home]).then((r) => r.stdout);
    const keys = await Promise.all(Array.from({ length: 6 }, run));
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(keys).size).toBe(1);
    expect(await readdir(home)).toEqual(["gateway-hash.key"]);
    expect((await stat(join(home, "gateway-hash.key"))).mode & 0o777).toBe(0o600);
    // Later starts read the same key.
    expect(await run()).toBe(keys[0]);
  });
});
