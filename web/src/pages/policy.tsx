import { num } from "../format";
import { useApi, useTitle } from "../hooks";
import { OUTCOMES, type Outcome } from "../types";
import { ErrorBox, Loading, OUTCOME_MEANING, OutcomeBadge, Section } from "../ui";
import { KeyValues, Value, words } from "./policy-values";

type Obj = Record<string, unknown>;
interface Policy {
  source?: string;
  triage: Obj;
  ai: Obj;
}

const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const text = (v: unknown): string => (typeof v === "string" || typeof v === "number" ? String(v) : "–");
const names = (v: unknown): string => (Array.isArray(v) && v.length ? v.map(String).join(", ") : "");

function budgetText(b: unknown): string {
  const o = obj(b);
  if (typeof o.percent === "number") return `the top ${o.percent}% of open findings`;
  if (typeof o.count === "number") return `the top ${num(o.count)} open findings`;
  return typeof b === "string" ? b : "not set";
}

/** The active policy, as sentences and tables rather than YAML. */
export function PolicyPage() {
  useTitle("Policy");
  const { data, error } = useApi<Policy>("/api/policy");
  return (
    <div className="page">
      <div className="page-head">
        <h1>Policy</h1>
        <p className="muted">
          The rules in force now, from detente.yaml. Changing them is a change to that file.
        </p>
      </div>
      {error ? <ErrorBox error={error} what="the policy" /> : null}
      {!data && !error ? <Loading what="the policy" /> : null}
      {data ? (
        <>
          <Triage t={obj(data.triage)} />
          <Ai a={obj(data.ai)} />
        </>
      ) : null}
    </div>
  );
}

function Triage({ t }: { t: Obj }) {
  const sla = obj(t.sla);
  const { budget, escalateFrom, sla: _sla, ...rest } = t;
  return (
    <>
      <h2 className="band">Vulnerability triage</h2>
      <div className="grid two">
        <Section title="Escalation">
          <p>
            Escalate <strong>{budgetText(budget)}</strong>, taken in queue order from outcome{" "}
            <strong>{typeof escalateFrom === "string" ? escalateFrom : "attend"}</strong> up. Every{" "}
            <strong>Act</strong> is escalated, even past the budget.
          </p>
        </Section>
        <Section title="Time to fix (SLA)">
          <table className="data compact" aria-label="Days to fix per outcome">
            <tbody>
              {OUTCOMES.map((o: Outcome) => (
                <tr key={o}>
                  <th scope="row">
                    <OutcomeBadge outcome={o} />
                  </th>
                  <td className="num nowrap">{typeof sla[o] === "number" ? `${sla[o]} days` : "–"}</td>
                  <td className="muted small">{OUTCOME_MEANING[o]}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            Counted from the day a finding is first seen; a CISA KEV due date comes first when sooner.
          </p>
        </Section>
      </div>
      <Section title="Other triage settings">
        <KeyValues obj={rest} />
      </Section>
    </>
  );
}

function Ai({ a }: { a: Obj }) {
  const upstreams = Object.values(obj(a.upstreams)).map(obj);
  const models = list(a.models);
  const rules = list(a.rules);
  return (
    <>
      <h2 className="band">AI gateway</h2>
      <p>
        When inspection itself fails, the gateway{" "}
        <strong>
          {a.failMode === "open" ? "forwards the request and records the failure" : "blocks the request"}
        </strong>
        .
      </p>
      <Section title="Rules">
        {rules.length === 0 ? (
          <p className="muted">No rules: every request is forwarded unchanged.</p>
        ) : (
          <ol className="rules">
            {rules.map((r, i) => (
              <li key={i}>
                <span className={`badge action-${String(r.action)}`}>{String(r.action)}</span>{" "}
                {names(r.types) ? `${names(r.types)} (${names(r.data)})` : names(r.data) || "any data"}
                {names(r.to) ? ` sent to ${names(r.to)}` : " sent anywhere"}
                {names(r.teams) ? `, for teams ${names(r.teams)}` : ""}
                {names(r.users) ? `, for users ${names(r.users)}` : ""}
                {names(r.tools) ? `, from ${names(r.tools)}` : ""}
                {typeof r.model === "string" ? `; reroute to ${r.model}` : ""}
                {typeof r.message === "string" ? (
                  <div className="muted small">Tells the user: “{r.message}”</div>
                ) : null}
              </li>
            ))}
          </ol>
        )}
        <p className="muted small">
          For each thing found, the first matching rule decides; the strongest action wins for the request.
        </p>
      </Section>
      <div className="grid two">
        <Section title="Upstreams">
          <div className="table-wrap">
            <table className="data" aria-label="Upstreams">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Hosting</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {upstreams.map((u) => (
                  <tr key={text(u.name)}>
                    <th scope="row">{text(u.name)}</th>
                    <td>{text(u.type)}</td>
                    <td>{words(text(u.hosting))}</td>
                    <td className="mono small break">{text(u.baseUrl)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
        <Section title="Model routes">
          {models.length === 0 ? (
            <p className="muted">No routes.</p>
          ) : (
            <div className="table-wrap">
              <table className="data" aria-label="Model routes">
                <thead>
                  <tr>
                    <th scope="col">Model asked for</th>
                    <th scope="col">Goes to</th>
                    <th scope="col">As</th>
                  </tr>
                </thead>
                <tbody>
                  {models.map((m, i) => (
                    <tr key={i}>
                      <th scope="row" className="mono">
                        {String(m.name)}
                      </th>
                      <td>{String(m.upstream)}</td>
                      <td className="mono">
                        {typeof m.as === "string" ? m.as : <span className="muted">same name</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="muted small">The first route whose name matches decides.</p>
        </Section>
      </div>
      <div className="grid two">
        <Section title="Model output">
          <Value v={a.responses} />
        </Section>
        <Section title="Who may use what">
          <Value v={a.access} />
        </Section>
      </div>
      <Section title="Detectors">
        <Value v={a.detectors} />
      </Section>
    </>
  );
}
