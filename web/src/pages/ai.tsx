import { useState } from "react";
import { NONE, num, pct, ranked, time } from "../format";
import { useApi, useTitle } from "../hooks";
import { navigate, useLocation } from "../router";
import type { AiEvent, AiSummary } from "../types";
import { BarList, Empty, ErrorBox, Loading, Section, Stat } from "../ui";

const PERIODS = [1, 7, 30, 90];
const EVENTS_PAGE = 20;

function ms(v: { p50: number; p95: number } | number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return `${Math.round(v)} ms`;
  return `${Math.round(v.p50)} ms`;
}

/** What the AI gateway saw: requests by tool, team, provider and model; what it found; why it blocked. */
export function AiPage() {
  useTitle("AI activity");
  const { query } = useLocation();
  const days = PERIODS.includes(Number(query.get("days"))) ? Number(query.get("days")) : 7;
  const team = query.get("team") ?? "";
  const tool = query.get("tool") ?? "";
  const summary = useApi<AiSummary>(`/api/ai/summary?days=${days}`);
  const [limit, setLimit] = useState(EVENTS_PAGE);
  const eventsQuery = new URLSearchParams({
    action: "block,redact",
    days: String(days),
    limit: String(limit),
  });
  if (team) eventsQuery.set("team", team);
  if (tool) eventsQuery.set("tool", tool);
  const events = useApi<{ events: AiEvent[] }>(`/api/ai/events?${eventsQuery.toString()}`);
  const s = summary.data;
  const set = (key: string, value: string): void => {
    const q = new URLSearchParams(query);
    if (value) q.set(key, value);
    else q.delete(key);
    navigate(`/ai?${q.toString()}`, { replace: true });
  };

  return (
    <div className="page">
      <div className="page-head row">
        <div>
          <h1>AI activity</h1>
          <p className="muted">
            Requests through the AI gateway: who uses which tools and models, and what the policy stopped.
          </p>
        </div>
        <label className="inline">
          Period
          <select
            value={days}
            onChange={(e) => {
              set("days", e.target.value);
            }}
          >
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                {d === 1 ? "Last 24 hours" : `Last ${d} days`}
              </option>
            ))}
          </select>
        </label>
      </div>
      {summary.error ? <ErrorBox error={summary.error} what="AI activity" /> : null}
      {!s && !summary.error ? <Loading what="AI activity" /> : null}
      {s ? (
        <>
          <div className="stats">
            <Stat label="Requests" value={s.total} />
            <Stat
              label="Blocked"
              value={s.byAction.block ?? 0}
              hint={`${pct(s.byAction.block ?? 0, s.total)} of requests`}
              tone={(s.byAction.block ?? 0) > 0 ? "danger" : undefined}
            />
            <Stat
              label="Redacted"
              value={s.byAction.redact ?? 0}
              hint={`${pct(s.byAction.redact ?? 0, s.total)} of requests`}
              tone={(s.byAction.redact ?? 0) > 0 ? "warning" : undefined}
            />
            <Stat label="Rerouted" value={s.byAction.reroute ?? 0} />
            <Stat
              label="Latency (median)"
              value={ms(s.latencyMs)}
              hint={s.latencyMs ? `95th percentile ${Math.round(s.latencyMs.p95)} ms` : undefined}
            />
            <Stat label="Overhead (median)" value={ms(s.overheadMs)} hint="time detente adds to a request" />
          </div>
          <div className="grid three">
            <Section title="By tool">
              <BarList label="Requests by tool" unit="requests" rows={ranked(s.byTool)} />
            </Section>
            <Section title="By team">
              <BarList label="Requests by team" unit="requests" rows={ranked(s.byTeam)} />
            </Section>
            <Section title="By action">
              <BarList label="Requests by action" unit="requests" rows={ranked(s.byAction)} />
            </Section>
            <Section title="By provider">
              <BarList
                label="Requests by provider"
                unit="requests"
                rows={ranked(s.byProvider ?? s.byUpstream)}
              />
            </Section>
            <Section title="By model">
              <BarList label="Requests by model" unit="requests" rows={ranked(s.byModel)} />
            </Section>
            <Section title="Detections by type">
              <BarList
                label="Detections by type"
                unit="detections"
                tone="warning"
                rows={ranked(s.detectionsByType)}
              />
            </Section>
          </div>
          <Section title="Top reasons for blocks">
            {s.topBlockReasons?.length ? (
              <ol className="reasons numbered">
                {s.topBlockReasons.map((r) => (
                  <li key={r.reason}>
                    <span>{r.reason}</span> <span className="muted">({num(r.count)} requests)</span>
                  </li>
                ))}
              </ol>
            ) : (
              <Empty>No request was blocked in this period.</Empty>
            )}
          </Section>
        </>
      ) : null}
      <Section
        title="Recent blocks and redactions"
        actions={
          s ? (
            <>
              <label className="inline">
                Team
                <select
                  value={team}
                  onChange={(e) => {
                    set("team", e.target.value);
                  }}
                >
                  <option value="">All</option>
                  {Object.keys(s.byTeam)
                    .filter((t) => t !== NONE)
                    .sort()
                    .map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                </select>
              </label>
              <label className="inline">
                Tool
                <select
                  value={tool}
                  onChange={(e) => {
                    set("tool", e.target.value);
                  }}
                >
                  <option value="">All</option>
                  {Object.keys(s.byTool)
                    .filter((t) => t !== NONE)
                    .sort()
                    .map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                </select>
              </label>
            </>
          ) : null
        }
      >
        {events.error ? <ErrorBox error={events.error} what="AI events" /> : null}
        {events.data?.events.length === 0 ? <Empty>No blocked or redacted requests.</Empty> : null}
        {events.data && events.data.events.length > 0 ? (
          <div className="table-wrap">
            <table className="data" aria-label="Blocked and redacted requests">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Who</th>
                  <th scope="col">Tool and model</th>
                  <th scope="col">Found</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {events.data.events.map((e) => (
                  <tr key={e.requestId}>
                    <td className="nowrap">{time(e.at)}</td>
                    <td>
                      <span className={`badge action-${e.action}`}>{e.action}</span>
                    </td>
                    <td>
                      {e.user ?? "–"}
                      <div className="sub muted">{e.team ?? "no team"}</div>
                    </td>
                    <td>
                      {e.tool ?? "–"}
                      <div className="sub muted">{e.modelUsed ?? e.modelRequested ?? "–"}</div>
                    </td>
                    <td>
                      {e.detections.length
                        ? e.detections.map((d) => (
                            <div key={`${d.where}/${d.type}`} className="nowrap">
                              {d.count} × {d.type}
                            </div>
                          ))
                        : "–"}
                    </td>
                    <td className="why">{e.reasons.join(" ") || "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {events.data.events.length === limit && limit < 1000 ? (
              <div className="table-foot">
                <span className="muted">Showing the newest {num(limit)}</span>
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    setLimit((l) => l + EVENTS_PAGE);
                  }}
                >
                  Show {EVENTS_PAGE} more
                </button>
              </div>
            ) : null}
          </div>
        ) : null}
      </Section>
    </div>
  );
}
