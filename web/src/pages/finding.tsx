import { day, daysUntil, dueIn, shortId, time } from "../format";
import { useApi, useTitle } from "../hooks";
import { Link } from "../router";
import type { FindingDetail } from "../types";
import { Empty, ErrorBox, KevBadge, Loading, OUTCOME_MEANING, OutcomeBadge, Section, SlaBadge } from "../ui";

const POINT_NAMES: Record<string, string> = {
  exploitation: "Exploitation",
  automatable: "Automatable",
  technicalImpact: "Technical impact",
  missionWellbeing: "Mission and well-being",
  systemExposure: "System exposure",
  humanImpact: "Human impact",
};

const SCORE_PART_NAMES: Record<string, string> = {
  exploit: "Exploitation",
  ransomware: "Ransomware use",
  severity: "Severity",
  criticality: "Asset criticality",
  exposure: "Exposure",
  age: "Age",
};

const SOURCE_NAMES: Record<string, string> = {
  kev: "CISA KEV",
  vulnrichment: "CISA Vulnrichment",
  epss: "FIRST EPSS",
  scanner: "the scanner",
  cvss: "CVSS vector",
  asset: "asset inventory",
  default: "policy default",
};

/** One finding: the decision and its reasons in plain language, the intel behind them, its sources, its history. */
export function FindingPage({ id }: { id: string }) {
  const { data, error } = useApi<FindingDetail>(`/api/findings/${encodeURIComponent(id)}`);
  useTitle(
    data ? `${data.finding.vulnId} on ${data.finding.assetKey || "unmatched asset"}` : `Finding ${id}`,
  );
  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/queue">← Escalation queue</Link>
      </p>
      {error ? <ErrorBox error={error} what={`finding ${id}`} /> : null}
      {!data && !error ? <Loading what="the finding" /> : null}
      {data ? <Detail f={data} /> : null}
    </div>
  );
}

function score(v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return String(v);
  if (typeof v === "object" && "score" in v) return String(v.score);
  return "–";
}

function vector(v: unknown): string | null {
  return v && typeof v === "object" && "vector" in v ? String(v.vector) : null;
}

function epss(v: FindingDetail["finding"]["epss"]): string {
  if (v === null || v === undefined) return "not known";
  const s = typeof v === "number" ? v : (v.score ?? 0);
  const p =
    typeof v === "object" && v.percentile !== undefined
      ? `, percentile ${(v.percentile * 100).toFixed(0)}`
      : "";
  return `${(s * 100).toFixed(1)}% chance of exploitation in 30 days${p}`;
}

function Detail({ f }: { f: FindingDetail }) {
  const d = f.decision;
  const fi = f.finding;
  const left = daysUntil(d.dueDate);
  const kev = !!f.intel?.kev || fi.knownExploited === true || d.points.exploitation?.source === "kev";
  return (
    <>
      <div className="page-head finding-head">
        <h1>
          {fi.vulnId}{" "}
          <span className="muted thin">
            in {fi.component || "code"} {fi.version}
          </span>
        </h1>
        {fi.title ? <p className="lead">{fi.title}</p> : null}
        <div className="facts" aria-label="Decision">
          <OutcomeBadge outcome={d.outcome} />
          {kev ? <KevBadge /> : null}
          {d.escalated === false ? (
            <span className="badge">not escalated</span>
          ) : d.escalated ? (
            <span className="badge escalated">escalated</span>
          ) : null}
          <span>
            Due <strong>{day(d.dueDate)}</strong> ({dueIn(left)}){" "}
            <SlaBadge sla={d.sla ?? (left < 0 ? "overdue" : null)} />
          </span>
          <span>
            Risk score <strong>{d.score}</strong>/100
          </span>
          <span className="mono muted" title={f.fingerprint}>
            {shortId(f.fingerprint)}
          </span>
        </div>
        <p className="muted small">{OUTCOME_MEANING[d.outcome]}</p>
      </div>

      <div className="grid wide-left">
        <Section title="Why">
          <Explanation text={f.explanation} />
          {d.reasons.length ? (
            <>
              <h3>Reasons</h3>
              <ul className="reasons">
                {d.reasons.map((r) => (
                  <li key={r.code}>{r.text}</li>
                ))}
              </ul>
            </>
          ) : null}
        </Section>
        <Section title="Where">
          <dl className="kv">
            <dt>Asset</dt>
            <dd>
              {fi.assetKey ? (
                <Link to={`/queue?asset=${encodeURIComponent(fi.assetKey)}&escalated=false`}>
                  {fi.assetKey}
                </Link>
              ) : (
                "no matching asset"
              )}
            </dd>
            <dt>Component</dt>
            <dd>
              {fi.component || "–"} {fi.version}
              {fi.ecosystem ? <span className="muted"> ({fi.ecosystem})</span> : null}
            </dd>
            <dt>Fixed in</dt>
            <dd>{fi.fixedVersions?.length ? fi.fixedVersions.join(", ") : "no fixed version known"}</dd>
            {fi.location ? (
              <>
                <dt>Location</dt>
                <dd className="mono break">{fi.location}</dd>
              </>
            ) : null}
            {fi.purl ? (
              <>
                <dt>Package URL</dt>
                <dd className="mono break">{fi.purl}</dd>
              </>
            ) : null}
            <dt>First seen</dt>
            <dd>{time(f.firstSeen)}</dd>
            <dt>Last seen</dt>
            <dd>{time(f.lastSeen)}</dd>
          </dl>
        </Section>
      </div>

      <Section title="Decision points (CISA SSVC)">
        <div className="table-wrap">
          <table className="data stack-on-phone" aria-label="Decision points">
            <thead>
              <tr>
                <th scope="col">Point</th>
                <th scope="col">Value</th>
                <th scope="col">From</th>
                <th scope="col">Because</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(d.points).map(([k, p]) => (
                <tr key={k}>
                  <th scope="row">{POINT_NAMES[k] ?? k}</th>
                  <td>
                    <strong>{p.value}</strong>
                  </td>
                  <td className="nowrap">{SOURCE_NAMES[p.source] ?? p.source}</td>
                  <td>{p.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      <div className="grid two">
        <Section title="Intel">
          <IntelFacts f={f} kev={kev} />
        </Section>
        <Section title="Score">
          <table className="data compact" aria-label="Parts of the risk score">
            <tbody>
              {Object.entries(d.scoreParts)
                .sort((a, b) => b[1] - a[1])
                .map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">{SCORE_PART_NAMES[k] ?? k}</th>
                    <td className="num">{Math.round(v * 10) / 10}</td>
                  </tr>
                ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Risk score</th>
                <td className="num">
                  <strong>{d.score}</strong>
                </td>
              </tr>
            </tfoot>
          </table>
          <p className="muted small">Orders findings within an outcome; the outcome decides first.</p>
        </Section>
      </div>

      <div className="grid wide-left">
        <Section title="Sources">
          {f.sources.length === 0 ? (
            <Empty>No scanner sources recorded.</Empty>
          ) : (
            <div className="table-wrap">
              <table className="data stack-on-phone" aria-label="Sources">
                <thead>
                  <tr>
                    <th scope="col">Scanner</th>
                    <th scope="col">Rule</th>
                    <th scope="col">Seen</th>
                    <th scope="col">Still reported</th>
                  </tr>
                </thead>
                <tbody>
                  {f.sources.map((s) => (
                    <tr key={`${s.scanner}/${s.rule ?? ""}`}>
                      <th scope="row">{s.scanner}</th>
                      <td className="mono">{s.rule || "–"}</td>
                      <td className="nowrap">
                        {day(s.firstSeen)} – {day(s.lastSeen)}
                      </td>
                      <td>{s.present ? "yes" : "no longer reported"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Section>
        <Section title="History">
          <ol className="timeline">
            <li>
              <time dateTime={f.firstSeen}>{time(f.firstSeen)}</time>
              <span className="event-kind">first seen</span>
            </li>
            {f.events.map((e, i) => (
              <li key={i}>
                <time dateTime={e.at}>{time(e.at)}</time>
                <span className="event-kind">{e.kind.replace(/[._]/g, " ")}</span>
                {e.detail ? (
                  <span className="muted">
                    {typeof e.detail === "string" ? e.detail : JSON.stringify(e.detail)}
                  </span>
                ) : null}
              </li>
            ))}
          </ol>
          {f.events.length === 0 ? <p className="muted small">No change since then.</p> : null}
        </Section>
      </div>
    </>
  );
}

function IntelFacts({ f, kev }: { f: FindingDetail; kev: boolean }) {
  const fi = f.finding;
  const i = f.intel;
  const cvss3 = i?.cvss?.cvss3 ?? fi.cvss3;
  const cvss4 = i?.cvss?.cvss4 ?? fi.cvss4;
  return (
    <>
      <dl className="kv">
        <dt>CISA KEV</dt>
        <dd>
          {i?.kev ? (
            <>
              Exploited in the wild: listed since {day(i.kev.dateAdded)}, federal due date{" "}
              {day(i.kev.dueDate)}
              {i.kev.ransomware ? "; used in ransomware campaigns" : ""}.
              {i.kev.requiredAction ? <div className="muted small">{i.kev.requiredAction}</div> : null}
            </>
          ) : kev ? (
            "the scanner reports it as known exploited"
          ) : (
            "not listed"
          )}
        </dd>
        <dt>EPSS</dt>
        <dd>{epss(i?.epss ?? fi.epss)}</dd>
        <dt>Severity</dt>
        <dd>{fi.severity ?? "–"}</dd>
        <dt>CVSS v3</dt>
        <dd>
          {score(cvss3)}{" "}
          {vector(cvss3) ? <span className="mono muted small break">{vector(cvss3)}</span> : null}
        </dd>
        {cvss4 ? (
          <>
            <dt>CVSS v4</dt>
            <dd>
              {score(cvss4)}{" "}
              {vector(cvss4) ? <span className="mono muted small break">{vector(cvss4)}</span> : null}
            </dd>
          </>
        ) : null}
        {i?.ssvc ? (
          <>
            <dt>CISA SSVC</dt>
            <dd>
              exploitation {i.ssvc.exploitation}, automatable {i.ssvc.automatable}, technical impact{" "}
              {i.ssvc.technicalImpact} <span className="muted">(assessed {day(i.ssvc.timestamp)})</span>
            </dd>
          </>
        ) : null}
        {fi.aliases?.length ? (
          <>
            <dt>Also known as</dt>
            <dd>{fi.aliases.join(", ")}</dd>
          </>
        ) : null}
      </dl>
      {fi.references?.length ? (
        <details>
          <summary>References ({fi.references.length})</summary>
          <ul className="refs">
            {fi.references.slice(0, 20).map((r) => (
              <li key={r}>
                <a href={r} target="_blank" rel="noreferrer noopener" className="break">
                  {r}
                </a>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

/**
 * The server's plain-language explanation, without the parts this page shows as their own sections
 * (reasons, decision points, score): the headline, where, the outcome and what to do.
 */
function Explanation({ text }: { text: string }) {
  const blocks = text
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter((b) => b && !/^(Why:|Decision points:|Score:)/.test(b));
  return (
    <div className="explanation">
      {blocks.flatMap((b, i) =>
        b.split("\n").map((line, j) => {
          const todo = /^What to do:\s*/.exec(line);
          return todo ? (
            <p key={`${i}.${j}`} className="todo">
              <strong>What to do:</strong> {line.slice(todo[0].length)}
            </p>
          ) : (
            <p key={`${i}.${j}`}>{line}</p>
          );
        }),
      )}
    </div>
  );
}
