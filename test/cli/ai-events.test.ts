import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventWriter, type AiEvent } from "../../src/services/ai/events.js";
import { anEvent, eventMix } from "../../src/services/ai/testing.js";
import { openStore } from "../../src/store/open.js";
import { newHome } from "../helpers/stores.js";
import { NOW, cliSandbox, parseJson, type CliResult, type CliSandbox } from "./helpers.js";

// The gateway writes the audit trail; here the test writes it straight into the store the CLI reads
// (a copy of the migrated template), then runs `detente ai` on it.

interface EventJson {
  id: string;
  at: string;
  requestId: string;
  action: string;
}

const HOUR = 3_600_000;
const now = Date.parse(NOW);
// Three hours up to NOW, one event a minute, and one whose model name carries a terminal escape sequence.
const EVENTS: AiEvent[] = [
  ...eventMix(180, new Date(now - 3 * HOUR)),
  anEvent({
    at: new Date(now - 30_000),
    requestId: "req_escape",
    modelRequested: "gpt-5\u001b[2J\u001b]0;owned\u0007",
    modelUsed: null,
  }),
];
const newestFirst = [...EVENTS].sort((a, b) => b.at.getTime() - a.at.getTime());

let cli: CliSandbox;
let home: string;
const run = (args: readonly string[]): Promise<CliResult> => cli.run(args, { env: { DETENTE_HOME: home } });
const eventsJson = async (...args: string[]): Promise<EventJson[]> => {
  const r = await run(["ai", "events", "--json", "--limit", "1000", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return parseJson(r) as EventJson[];
};
const ids = (list: readonly { requestId: string }[]): string[] => list.map((e) => e.requestId);

beforeAll(async () => {
  cli = await cliSandbox();
  home = await newHome();
  const store = await openStore({ home });
  try {
    const writer = createEventWriter({ store });
    for (const e of EVENTS) writer.write(e);
    await writer.close();
  } finally {
    await store.close();
  }
});
afterAll(async () => {
  await cli.dispose();
  await rm(home, { recursive: true, force: true });
});

describe("detente ai", { timeout: 180_000 }, () => {
  it("ai events lists the newest 50 by default as a table: time, who, tool, where, action, detections, latency", async () => {
    const r = await run(["ai", "events"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+USER\/TEAM\s+TOOL\s+UPSTREAM\/MODEL\s+ACTION\s+DETECTIONS\s+LATENCY$/);
    expect(lines.filter((l) => /^\d{4}-\d{2}-\d{2}T/.test(l))).toHaveLength(50);
    expect(r.stdout).toContain("(newest 50; use --limit for more)");
    const blocked = newestFirst.find((e) => e.action === "block")!;
    const row = lines.find((l) => l.startsWith(blocked.at.toISOString().slice(0, 19) + "Z"));
    expect(row).toMatch(
      new RegExp(
        `${blocked.user}/${blocked.team}\\s+${blocked.tool ?? "—"}\\s+${blocked.upstream}/${blocked.modelUsed}\\s+block 403\\s+secret:aws-access-key-id×\\d pii:email×2\\s+${blocked.latencyMs} ms$`,
      ),
    );
    // Names that came through the gateway cannot drive the operator's terminal.
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(lines.find((l) => l.includes("gpt-5?[2J"))).toBeDefined();
  });

  it("ai events --json lists every field, newest first, and filters like the service", async () => {
    expect(ids(await eventsJson())).toEqual(ids(newestFirst));
    expect(ids(await eventsJson("--since", "1h"))).toEqual(
      ids(newestFirst.filter((e) => e.at.getTime() >= now - HOUR)),
    );
    expect(ids(await eventsJson("--since", "2026-11-23T10:00:00Z", "--until", "90m"))).toEqual(
      ids(newestFirst.filter((e) => e.at.getTime() >= now - 2 * HOUR && e.at.getTime() < now - 1.5 * HOUR)),
    );
    expect(ids(await eventsJson("--team", "payments", "--action", "block,redact"))).toEqual(
      ids(
        newestFirst.filter((e) => e.team === "payments" && (e.action === "block" || e.action === "redact")),
      ),
    );
    expect(ids(await eventsJson("--tool", "cursor", "--upstream", "openai", "--model", "gpt-5"))).toEqual(
      ids(
        newestFirst.filter(
          (e) => e.tool === "cursor" && e.upstream === "openai" && e.modelRequested === "gpt-5",
        ),
      ),
    );
    // A rerouted request is found by the models entry it went to, as the policy names it.
    const rerouted = newestFirst.filter((e) => e.modelRouted === "local-coder");
    expect(rerouted.length).toBeGreaterThan(0);
    expect(ids(await eventsJson("--model", "local-coder"))).toEqual(ids(rerouted));
    expect(ids(await eventsJson("--user", "nobody"))).toEqual([]);
  });

  it("ai summary totals by action, tool, team, upstream and detection type", async () => {
    const r = await run(["ai", "summary", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = parseJson(r) as {
      total: number;
      byAction: Record<string, number>;
      detectionsByType: Record<string, number>;
    };
    expect(s.total).toBe(EVENTS.length);
    const byAction: Record<string, number> = {};
    for (const e of EVENTS) byAction[e.action] = (byAction[e.action] ?? 0) + 1;
    expect(s.byAction).toEqual(byAction);
    expect(Object.keys(s.detectionsByType).sort()).toEqual(["aws-access-key-id", "email"]);

    const text = await run(["ai", "summary", "--since", "1h"]);
    expect(text.code, text.stderr).toBe(0);
    const lastHour = EVENTS.filter((e) => e.at.getTime() >= now - HOUR).length;
    expect(text.stdout).toMatch(
      new RegExp(`^${lastHour} AI requests from 2026-11-23T11:00Z to 2026-11-23T12:00Z$`, "m"),
    );
    for (const label of ["actions", "tools", "teams", "upstreams", "detections", "latency", "overhead"])
      expect(text.stdout).toMatch(new RegExp(`^  ${label}\\s+\\S`, "m"));
    const none = await run(["ai", "summary", "--since", "2026-11-24"]);
    expect(none.stdout).toMatch(/^No AI events from 2026-11-24T00:00Z/);
  });

  it("refuses an unknown action, a bad time or limit with exit 2, naming the option", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["ai", "events", "--action", "block,maybe"],
        /--action: unknown action "maybe" \(allow, warn, redact, block, reroute, deny, error\)/,
      ],
      [["ai", "events", "--since", "yesterday"], /--since: expected a duration/],
      [["ai", "events", "--until", "2026-13-45"], /--until: expected a duration/],
      [["ai", "events", "--limit", "0"], /--limit: expected a positive whole number/],
      [["ai", "summary", "--since", "7 days"], /--since: expected a duration/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
  });
});
