import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyVerifier } from "../../src/services/ai/keys.js";
import type { Principal } from "../../src/services/ai/keys.js";
import { openStore } from "../../src/store/open.js";
import { newHome } from "../helpers/stores.js";
import { cliSandbox, nowPlusDays, parseJson, type CliResult, type CliSandbox } from "./helpers.js";

// One store for the file (a copy of the migrated template); commands run one at a time, as the embedded
// store is not shared between processes.

interface KeyJson {
  id: string;
  prefix: string;
  user: string;
  team: string;
  tool: string | null;
  status: string;
  expiresAt: string | null;
  revokedAt: string | null;
  key?: string;
}

const KEY = /dtk_[A-Za-z0-9_-]{43}/g;

let cli: CliSandbox;
let home: string;
const run = (args: readonly string[]): Promise<CliResult> => cli.run(args, { env: { DETENTE_HOME: home } });
const keysJson = async (...extra: string[]): Promise<KeyJson[]> => {
  const r = await run(["keys", "list", "--json", ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return parseJson(r) as KeyJson[];
};

/** What the gateway would make of a presented key, asked of the same store after the CLI has exited. */
async function verify(key: string): Promise<Principal | null> {
  const store = await openStore({ home });
  const keys = createKeyVerifier({ store, now: () => new Date("2026-11-23T12:00:00Z") });
  try {
    return await keys.verify(key);
  } finally {
    await keys.close();
    await store.close();
  }
}

beforeAll(async () => {
  cli = await cliSandbox();
  home = await newHome();
});
afterAll(async () => {
  await cli.dispose();
  await rm(home, { recursive: true, force: true });
});

describe("detente keys", { timeout: 180_000 }, () => {
  let created: string;
  let createdId: string;

  it("create prints the key once, says it will not be shown again and how to point a tool at the gateway", async () => {
    const r = await run([
      "keys",
      "create",
      "--user",
      "alice",
      "--team",
      "payments",
      "--tool",
      "cursor",
      "--expires",
      "90d",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const keys = r.stdout.match(KEY) ?? [];
    expect(keys).toHaveLength(1);
    created = keys[0]!;
    createdId = /Created key (key_[0-9a-f]{8}) /.exec(r.stdout)?.[1] ?? "";
    expect(createdId).not.toBe("");
    expect(r.stdout).toContain(`for alice (team payments, cursor only); it expires ${nowPlusDays(90)}`);
    expect(r.stdout).toMatch(/will not be shown again/);
    expect(r.stdout).toMatch(/ANTHROPIC_BASE_URL=.*ANTHROPIC_AUTH_TOKEN=<this key>/);
    expect(r.stdout).toMatch(/OPENAI_BASE_URL=<gateway URL>\/v1 +OPENAI_API_KEY=<this key>/);
    expect(r.stderr).toBe("");
    expect(await verify(created)).toEqual({
      keyId: createdId,
      user: "alice",
      team: "payments",
      tool: "cursor",
    });
  });

  it("create --json gives the key with its id and prefix, for scripts", async () => {
    const r = await run([
      "keys",
      "create",
      "--user",
      "bob",
      "--team",
      "web",
      "--name",
      "ci runner",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const k = parseJson(r) as KeyJson;
    expect(k.key).toMatch(/^dtk_[A-Za-z0-9_-]{43}$/);
    expect(k).toMatchObject({ user: "bob", team: "web", tool: null, status: "active", expiresAt: null });
    expect(k.prefix).toBe(k.key!.slice(0, 12));
    expect(await verify(k.key!)).toMatchObject({ keyId: k.id, user: "bob", tool: null });
  });

  it("list shows keys without the keys: a table, or JSON", async () => {
    const list = await keysJson();
    expect(list.map((k) => k.user).sort()).toEqual(["alice", "bob"]);
    for (const k of list) expect(k.key).toBeUndefined();
    const table = await run(["keys", "list"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^ID\s+PREFIX\s+USER\s+TEAM\s+TOOL\s+NAME\s+CREATED\s+EXPIRES\s+LAST USED\s+STATUS$/,
    );
    expect(lines.find((l) => l.startsWith(createdId))).toMatch(
      new RegExp(
        `^${createdId}\\s+${created.slice(0, 12)}…\\s+alice\\s+payments\\s+cursor\\s+—\\s+2026-11-23\\s+${nowPlusDays(90)}\\s+\\S+\\s+active$`,
      ),
    );
    for (const out of [table.stdout, JSON.stringify(list)]) {
      expect(out.match(KEY)).toBeNull();
      expect(out).not.toContain(created.slice(12));
    }
  });

  it("revoke takes an id; the key stops verifying and leaves the list unless --all", async () => {
    const r = await run(["keys", "revoke", createdId]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Revoked ${createdId} (${created.slice(0, 12)}…, alice, team payments)`);
    expect(await verify(created)).toBeNull();
    expect((await keysJson()).map((k) => k.user)).toEqual(["bob"]);
    const all = await keysJson("--all");
    expect(all.find((k) => k.id === createdId)).toMatchObject({
      status: "revoked",
      revokedAt: "2026-11-23T12:00:00.000Z",
    });
  });

  it("refuses bad input with exit 2 and a message naming the option", async () => {
    const cases: [string[], RegExp][] = [
      [["keys", "create", "--user", "alice"], /--team/],
      [["keys", "create", "--user", "", "--team", "payments"], /^detente: user: /m],
      [
        ["keys", "create", "--user", "alice", "--team", "payments", "--expires", "soon"],
        /--expires: expected a number of days/,
      ],
      [["keys", "create", "--user", "alice", "--team", "payments", "--tool", "my tool"], /^detente: tool: /m],
      [["keys", "revoke", "key_00000000"], /no key with id or prefix "key_00000000"/],
    ];
    const before = await keysJson("--all");
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stdout.match(KEY), args.join(" ")).toBeNull();
    }
    expect(await keysJson("--all")).toEqual(before);
  });
});
