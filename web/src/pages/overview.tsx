import { day, num, pct, time } from "../format";
import { useApi, useTitle } from "../hooks";
import { Link } from "../router";
import { Trend } from "../trend";
import { OUTCOMES, type AiCounts, type Overview } from "../types";
import { Empty, ErrorBox, Loading, OUTCOME_LABEL, OUTCOME_MEANING, Section, Stat } from "../ui";

/** The shared scorecard: what is open, what is escalated and late, how fresh the intel is, what AI use looks like. */
export function OverviewPage() {
  useTitle("Overview");
  const { data, error } = useApi<Overview>("/api/overview");
  return (
    <div className="page">
      <div className="page-head">
        <h1>Overview</h1>
        {data ? <p className="muted">As of {time(data.generatedAt)}</p> : null}
      </div>
      {error ? <ErrorBox error={error} what="the overview" /> : null}
      {!data && !error ? <Loading what="the overview" /> : null}
      {data ? <Scorecard o={data} /> : null}
    </div>
  );
}

function Scorecard({ o }: { o: Overview }) {
  const f = o.findings;
  const maxOutcome = Math.max(...OUTCOMES.map((k) => f.byOutcome[k]), 1);
  return (
    <>
      <div className="stats" aria-label="Vulnerability findings">
        <Stat label="Open findings" value={f.open} />
        <Stat
          label="Escalated"
          value={f.escalated}
          hint={`${pct(f.escalated, f.open)} of open findings need attention now`}
        />
        <Stat
          label="Overdue"
          value={f.sla.overdue}
          tone={f.sla.overdue > 0 ? "danger" : "ok"}
          hint="escalations past their due date"
        />
        <Stat label="Act" value={f.byOutcome.act} hint="open findings to fix now, out of the normal cycle" />
      </div>

      <div className="grid two">
        <Section title="Open findings by outcome">
          <table className="bars" aria-label="Open findings by SSVC outcome">
            <tbody>
              {OUTCOMES.map((k) => (
                <tr key={k}>
                  <th scope="row" title={OUTCOME_MEANING[k]}>
                    <Link to={`/queue?outcome=${encodeURIComponent(k)}&escalated=false`}>
                      {OUTCOME_LABEL[k]}
                    </Link>
                  </th>
                  <td className="bar-cell">
                    <span
                      className={`bar outcome-bar-${k === "track*" ? "trackstar" : k}`}
                      style={{ width: `${(f.byOutcome[k] / maxOutcome) * 100}%` }}
                    />
                  </td>
                  <td className="num">{num(f.byOutcome[k])}</td>
                  <td className="num muted">{pct(f.byOutcome[k], f.open)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            SSVC outcomes (CISA): Act and Attend are fixed ahead of the normal cycle; Track* and Track within
            it.
          </p>
        </Section>
        <Section title="Escalations by due date">
          <div className="sla-row">
            <SlaLink state="overdue" label="Overdue" count={f.sla.overdue} tone="danger" />
            <SlaLink state="due-soon" label="Due soon" count={f.sla.dueSoon} tone="warning" />
            <SlaLink state="on-time" label="On time" count={f.sla.onTime} tone="ok" />
          </div>
          <p className="muted small">
            {num(f.escalated)} escalated of {num(f.open)} open.{" "}
            <Link to="/queue">Open the escalation queue</Link>
          </p>
        </Section>
      </div>

      <Section title="Open findings by team">
        {f.byTeam.length === 0 ? (
          <Empty>No open findings.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col" className="num">
                    Open
                  </th>
                  <th scope="col" className="num">
                    Escalated
                  </th>
                  <th scope="col" className="num">
                    Act
                  </th>
                  <th scope="col" className="num">
                    Overdue
                  </th>
                </tr>
              </thead>
              <tbody>
                {f.byTeam.map((t) => (
                  <tr key={t.team}>
                    <th scope="row">
                      {t.team ? (
                        <Link to={`/queue?owner=${encodeURIComponent(t.team)}&escalated=false`}>
                          {t.team}
                        </Link>
                      ) : (
                        <span className="muted">no owner</span>
                      )}
                    </th>
                    <td className="num">{num(t.open)}</td>
                    <td className="num">{num(t.escalated)}</td>
                    <td className="num">{num(t.act)}</td>
                    <td className={`num${t.overdue > 0 ? " text-danger" : ""}`}>{num(t.overdue)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      <div className="grid two">
        <Section title="Findings over the last 30 days">
          <Trend
            title="Last 30 days"
            rows={o.trend}
            series={[
              { key: "opened", name: "Opened", color: "#b45309" },
              { key: "fixed", name: "Fixed", color: "#047857" },
            ]}
          />
        </Section>
        <Section title="Threat intel freshness">
          <IntelTable intel={o.intel} />
        </Section>
      </div>

      <h2 className="band">AI gateway, last {o.ai.days} days</h2>
      <div className="stats" aria-label="AI gateway">
        <Stat label="AI requests" value={o.ai.requests} />
        <Stat
          label="Blocked"
          value={o.ai.blocked}
          hint={`${pct(o.ai.blocked, o.ai.requests)} of requests`}
          tone={o.ai.blocked > 0 ? "danger" : undefined}
        />
        <Stat
          label="Redacted"
          value={o.ai.redacted}
          hint={`${pct(o.ai.redacted, o.ai.requests)} of requests`}
          tone={o.ai.redacted > 0 ? "warning" : undefined}
        />
      </div>
      <div className="grid two">
        <Section title="AI requests by team">
          <AiTable rows={o.ai.byTeam} name="team" />
        </Section>
        <Section title="AI requests by tool">
          <AiTable rows={o.ai.byTool} name="tool" />
        </Section>
      </div>
      <Section title="AI requests per day">
        <Trend
          title={`Last ${o.ai.days} days`}
          rows={o.ai.trend}
          series={[
            { key: "requests", name: "Requests", color: "#1d4ed8" },
            { key: "redacted", name: "Redacted", color: "#c2410c" },
            { key: "blocked", name: "Blocked", color: "#b91c1c" },
          ]}
        />
      </Section>
    </>
  );
}

function SlaLink({
  state,
  label,
  count,
  tone,
}: {
  state: string;
  label: string;
  count: number;
  tone: string;
}) {
  return (
    <Link
      to={`/queue?sla=${state}`}
      className={`sla-tile sla-tile-${tone}`}
      aria-label={`${label}: ${num(count)} escalations`}
    >
      <span className="sla-count">{num(count)}</span>
      <span>{label}</span>
    </Link>
  );
}

const STALE_DAYS = 7;

/** The sources decisions use; one that was never loaded is listed too, so its absence is seen. */
const INTEL_SOURCES: Record<string, string> = {
  kev: "CISA KEV",
  epss: "FIRST EPSS",
  nvd: "NVD (CVSS)",
  vulnrichment: "CISA Vulnrichment (SSVC)",
};

function IntelTable({ intel: loaded }: { intel: Overview["intel"] }) {
  const intel = [
    ...loaded,
    ...Object.keys(INTEL_SOURCES)
      .filter((k) => !loaded.some((i) => i.source === k))
      .map((source) => ({ source, date: null, rows: 0, ageDays: null })),
  ];
  if (loaded.length === 0)
    return <Empty>No threat intel loaded. Decisions fall back to CVSS and the policy's defaults.</Empty>;
  return (
    <div className="table-wrap">
      <table className="data">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Snapshot</th>
            <th scope="col" className="num">
              Entries
            </th>
            <th scope="col">Age</th>
          </tr>
        </thead>
        <tbody>
          {intel.map((i) => (
            <tr key={i.source}>
              <th scope="row">{INTEL_SOURCES[i.source] ?? i.source}</th>
              <td className="nowrap">{day(i.date)}</td>
              <td className="num">{i.ageDays === null && i.rows === 0 ? "–" : num(i.rows)}</td>
              <td>
                {i.ageDays === null ? (
                  <span className="badge" title="Load it with detente intel sync or detente intel load">
                    not loaded
                  </span>
                ) : i.ageDays > STALE_DAYS ? (
                  <span
                    className="badge sla-due-soon"
                    title={`Older than ${STALE_DAYS} days: run detente intel sync`}
                  >
                    {i.ageDays} days, stale
                  </span>
                ) : (
                  <span className="badge sla-on-time">{i.ageDays === 0 ? "today" : `${i.ageDays} days`}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Decisions use what is loaded. Refresh with <code>detente intel sync</code>.
      </p>
    </div>
  );
}

function AiTable({ rows, name }: { rows: AiCounts[]; name: "team" | "tool" }) {
  if (rows.length === 0) return <Empty>No AI gateway requests in this period.</Empty>;
  return (
    <div className="table-wrap">
      <table className="data">
        <thead>
          <tr>
            <th scope="col">{name === "team" ? "Team" : "Tool"}</th>
            <th scope="col" className="num">
              Requests
            </th>
            <th scope="col" className="num">
              Redacted
            </th>
            <th scope="col" className="num">
              Blocked
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const label = !r[name] || r[name] === "(none)" ? "not identified" : r[name];
            return (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td className="num">{num(r.requests)}</td>
                <td className="num">{num(r.redacted)}</td>
                <td className="num">{num(r.blocked)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
