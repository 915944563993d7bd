import type { Command } from "commander";
import { DetenteError } from "../errors.js";
import {
  AI_ACTIONS,
  listEvents,
  summarizeEvents,
  type AiAction,
  type AiEvent,
  type EventSummary,
} from "../services/ai/events.js";
import { withContext } from "./context.js";
import { color, table } from "./render.js";

interface EventsOptions {
  since?: string;
  until?: string;
  user?: string;
  team?: string;
  tool?: string;
  upstream?: string;
  model?: string;
  action?: string;
  limit: string;
  json?: boolean;
}

const n = (x: number): string => x.toLocaleString("en-US");

/**
 * `detente ai events|summary`: the AI gateway's audit trail, as a table or JSON.
 *
 * @example registerAi(program); // detente ai events --since 24h --action block,redact
 */
export function registerAi(program: Command): void {
  const ai = program
    .command("ai")
    .description("The AI gateway's audit trail: who sent what where, and what detente did");

  ai.command("events")
    .description("List AI gateway events, newest first")
    .option("--since <when>", "from this time: a duration back from now (30m, 24h, 7d, 2w) or an ISO date")
    .option("--until <when>", "before this time: a duration back from now or an ISO date")
    .option("--user <user>", "only this user's requests")
    .option("--team <team>", "only this team's requests")
    .option("--tool <tool>", "only requests from this tool (claude-code, cursor, ...)")
    .option("--upstream <name>", "only requests sent to this upstream")
    .option(
      "--model <model>",
      "only requests that asked for this model, went to it (a models entry's name, a reroute's target included) or used it under the name the upstream got (the entry's `as`, e.g. qwen2.5-coder:32b)",
    )
    .option("--action <actions>", `only these actions, comma-separated (${AI_ACTIONS.join(", ")})`)
    .option("--limit <n>", "at most this many events", "50")
    .option("--json", "print JSON")
    .action(async (opts: EventsOptions, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new DetenteError("INVALID_INPUT", `--limit: expected a positive whole number`);
        const events = await listEvents({
          ctx: { store: await ctx.store() },
          input: {
            since: opts.since === undefined ? undefined : parseWhen(opts.since, ctx.now, "--since"),
            until: opts.until === undefined ? undefined : parseWhen(opts.until, ctx.now, "--until"),
            user: opts.user,
            team: opts.team,
            tool: opts.tool,
            upstream: opts.upstream,
            model: opts.model,
            action: opts.action === undefined ? undefined : parseActions(opts.action),
            limit,
          },
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(events, null, 2) + "\n");
          return;
        }
        if (events.length === 0) {
          process.stdout.write("No AI events match.\n");
          return;
        }
        process.stdout.write(
          table(
            ["TIME", "USER/TEAM", "TOOL", "UPSTREAM/MODEL", "ACTION", "DETECTIONS", "LATENCY"],
            events.map((e) => [
              e.at.toISOString().slice(0, 19) + "Z",
              plain(`${e.user ?? "—"}/${e.team ?? "—"}`),
              plain(e.tool ?? "—"),
              plain(`${e.upstream ?? "—"}/${e.modelUsed ?? e.modelRequested ?? "—"}`),
              // The status when something was decided or went wrong (a client that left: allow 499).
              paintAction(plain(e.action)) +
                (e.action === "allow" && e.status >= 200 && e.status < 300 ? "" : ` ${e.status}`),
              plain(detectionSummary(e)),
              `${Math.round(e.latencyMs)} ms`,
            ]),
            48,
          ) + "\n",
        );
        if (events.length === limit)
          process.stdout.write(color.dim(`\n(newest ${limit}; use --limit for more)\n`));
      });
    });

  ai.command("summary")
    .description("Totals of AI gateway events: by action, tool, team and upstream, detections by type")
    .option("--since <when>", "from this time: a duration back from now (24h, 7d) or an ISO date", "7d")
    .option("--until <when>", "before this time: a duration back from now or an ISO date")
    .option("--json", "print JSON")
    .action(async (opts: { since: string; until?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const since = parseWhen(opts.since, ctx.now, "--since");
        const until = opts.until === undefined ? undefined : parseWhen(opts.until, ctx.now, "--until");
        const summary = await summarizeEvents({ ctx: { store: await ctx.store() }, input: { since, until } });
        if (opts.json) {
          process.stdout.write(
            JSON.stringify({ since, until: until ?? ctx.now, ...summary }, null, 2) + "\n",
          );
          return;
        }
        process.stdout.write(renderSummary(summary, since, until ?? ctx.now));
      });
    });
}

function renderSummary(s: EventSummary, since: Date, until: Date): string {
  const range = `${since.toISOString().slice(0, 16)}Z to ${until.toISOString().slice(0, 16)}Z`;
  if (s.total === 0) return `No AI events from ${range}.\n`;
  const counts = (c: Record<string, number>): string =>
    Object.entries(c)
      .map(([k, v]) => `${plain(k)} ${n(v)}`)
      .join(", ") || "—";
  const ms = (p: { p50: number; p95: number } | null): string =>
    p ? `p50 ${p.p50.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms` : "—";
  const rows: [string, string][] = [
    [
      "actions",
      Object.entries(s.byAction)
        .map(([k, v]) => `${paintAction(plain(k))} ${n(v)}`)
        .join(", "),
    ],
    ["tools", counts(s.byTool)],
    ["teams", counts(s.byTeam)],
    ["upstreams", counts(s.byUpstream)],
    ["detections", counts(s.detectionsByType)],
    ["by class", counts(s.detectionsByClass)],
    ["latency", ms(s.latencyMs)],
    ["overhead", ms(s.overheadMs)],
  ];
  return (
    `${color.bold(n(s.total))} AI requests from ${range}\n\n` +
    rows.map(([k, v]) => `  ${k.padEnd(11)}${v}`).join("\n") +
    "\n"
  );
}

/** `30m`, `24h`, `7d`, `2w` back from now, or an ISO 8601 date or date-time. */
function parseWhen(text: string, now: Date, option: string): Date {
  const t = text.trim();
  const rel = /^(\d{1,6})([mhdw])$/.exec(t);
  if (rel) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[rel[2] as "m" | "h" | "d" | "w"];
    return new Date(now.getTime() - Number(rel[1]) * unit);
  }
  // Date.parse alone accepts too much ("1", "March"): require an ISO date first.
  const date = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t) ? new Date(t) : null;
  if (date && Number.isFinite(date.getTime())) return date;
  throw new DetenteError(
    "INVALID_INPUT",
    `${option}: expected a duration back from now (30m, 24h, 7d, 2w) or an ISO date such as 2026-11-01`,
  );
}

function parseActions(text: string): AiAction[] {
  const actions = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const a of actions) {
    if (!(AI_ACTIONS as readonly string[]).includes(a))
      throw new DetenteError(
        "INVALID_INPUT",
        `--action: unknown action "${a.slice(0, 40)}" (${AI_ACTIONS.join(", ")})`,
      );
  }
  if (actions.length === 0) throw new DetenteError("INVALID_INPUT", `--action: name at least one action`);
  return actions as AiAction[];
}

/** `secret:aws-access-key-id×2 pii:email×1`, request and response together. */
function detectionSummary(e: AiEvent): string {
  if (e.detections.length === 0) return "—";
  const byType = new Map<string, number>();
  for (const d of e.detections) {
    const k = `${d.dataClass}:${d.type}`;
    byType.set(k, (byType.get(k) ?? 0) + d.count);
  }
  return [...byType].map(([k, c]) => `${k}×${c}`).join(" ");
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text that came through the gateway (a model name is whatever a client sent) without control
 * characters, so an escape sequence in it cannot repaint or rewrite the operator's terminal.
 */
function plain(text: string): string {
  return text.replace(CONTROL, "?");
}

function paintAction(action: string): string {
  switch (action) {
    case "block":
    case "deny":
      return color.red(action);
    case "redact":
    case "warn":
      return color.yellow(action);
    case "reroute":
      return color.cyan(action);
    case "error":
      return color.magenta(action);
    default:
      return color.dim(action);
  }
}
