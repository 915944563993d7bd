import type { ReactNode } from "react";
import type { ApiError } from "./api";
import { num, pct } from "./format";
import { Link } from "./router";
import type { Outcome, SlaState } from "./types";

/** Building blocks shared by the pages: badges, numbers, sections, and loading and error states. */

export const OUTCOME_LABEL: Record<Outcome, string> = {
  act: "Act",
  attend: "Attend",
  "track*": "Track*",
  track: "Track",
};

/** CISA's meaning of each outcome, in a sentence. */
export const OUTCOME_MEANING: Record<Outcome, string> = {
  act: "Fix now, out of the normal cycle; leadership is told.",
  attend: "Fix sooner than the normal cycle.",
  "track*": "Fix in the normal cycle and watch for changes.",
  track: "Fix in the normal cycle.",
};

export function OutcomeBadge({ outcome }: { outcome: Outcome }) {
  return (
    <span
      className={`badge outcome-${outcome === "track*" ? "trackstar" : outcome}`}
      title={OUTCOME_MEANING[outcome]}
    >
      {OUTCOME_LABEL[outcome]}
    </span>
  );
}

export const SLA_LABEL: Record<SlaState, string> = {
  overdue: "Overdue",
  "due-soon": "Due soon",
  "on-time": "On time",
};

export function SlaBadge({ sla }: { sla: SlaState | null | undefined }) {
  if (!sla) return null;
  return <span className={`badge sla-${sla}`}>{SLA_LABEL[sla]}</span>;
}

export function KevBadge() {
  return (
    <span className="badge kev" title="Listed in CISA's Known Exploited Vulnerabilities catalog">
      KEV
    </span>
  );
}

/** One headline number with its label; a group named by the label, so it can be found by name. */
export function Stat({
  label,
  value,
  hint,
  tone,
}: {
  label: string;
  value: number | string;
  hint?: ReactNode;
  tone?: "danger" | "warning" | "ok";
}) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ""}`} role="group" aria-label={label}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{typeof value === "number" ? num(value) : value}</div>
      {hint ? <div className="stat-hint">{hint}</div> : null}
    </div>
  );
}

export function Section({
  title,
  actions,
  children,
  id,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
  id?: string;
}) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-heading`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="card-head">
        <h2 id={headingId}>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ error, what }: { error: ApiError; what: string }) {
  const forbidden = error.status === 403;
  return (
    <div className="error-box" role="alert">
      <strong>{forbidden ? `You cannot see ${what}.` : `Could not load ${what}.`}</strong>{" "}
      {forbidden ? "Your role does not include this. Ask an administrator if you need it." : error.message}
      {error.requestId ? <span className="muted"> (request {error.requestId})</span> : null}
    </div>
  );
}

/** What went wrong with the last action on a page (create, revoke...), or nothing. */
export function Problem({ problem }: { problem: string | null }) {
  return problem ? (
    <p className="error-box" role="alert">
      {problem}
    </p>
  ) : null;
}

/** A secret just made (an API token, a gateway key), shown once. */
export function ShownOnce({ secret, what }: { secret: string | null; what: string }) {
  return secret ? (
    <div className="success-box" role="status">
      <strong>Copy this {what} now; it is not shown again.</strong>
      <code className="secret">{secret}</code>
    </div>
  ) : null;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/**
 * Counts by name as labelled horizontal bars: a table underneath, so screen readers and keyboard users
 * read the same numbers the bars draw.
 */
export function BarList({
  rows,
  label,
  unit,
  tone = "neutral",
  limit = 10,
}: {
  rows: { name: string; count: number; href?: string }[];
  label: string;
  unit: string;
  tone?: "neutral" | "danger" | "warning";
  limit?: number;
}) {
  if (rows.length === 0) return <Empty>No {unit} yet.</Empty>;
  const shown = rows.slice(0, limit);
  const max = Math.max(...shown.map((r) => r.count), 1);
  const total = rows.reduce((s, r) => s + r.count, 0);
  return (
    <table className="bars" aria-label={label}>
      <tbody>
        {shown.map((r) => (
          <tr key={r.name}>
            <th scope="row" title={r.name}>
              {r.href ? <Link to={r.href}>{r.name}</Link> : r.name}
            </th>
            <td className="bar-cell">
              <span className={`bar bar-${tone}`} style={{ width: `${(r.count / max) * 100}%` }} />
            </td>
            <td className="num">{num(r.count)}</td>
            <td className="num muted">{pct(r.count, total)}</td>
          </tr>
        ))}
      </tbody>
      {rows.length > limit ? (
        <tfoot>
          <tr>
            <td colSpan={4} className="muted">
              and {rows.length - limit} more
            </td>
          </tr>
        </tfoot>
      ) : null}
    </table>
  );
}
