import type { ReactNode } from "react";

/**
 * Any JSON value as a readable definition list: keys become words ("escalateFrom" -> "escalate from"),
 * lists are comma-separated. For the parts of the policy that have no page of their own.
 */
export function words(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
}

export function Value({ v }: { v: unknown }): ReactNode {
  if (v === null || v === undefined) return <span className="muted">not set</span>;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number" || typeof v === "string")
    return String(v) === "" ? <span className="muted">empty</span> : String(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return <span className="muted">none</span>;
    const items = v as unknown[];
    if (items.every((x) => typeof x !== "object" || x === null)) return items.map(String).join(", ");
    return (
      <ol className="plain">
        {items.map((x, i) => (
          <li key={i}>
            <Value v={x} />
          </li>
        ))}
      </ol>
    );
  }
  return <KeyValues obj={v as Record<string, unknown>} />;
}

export function KeyValues({ obj }: { obj: Record<string, unknown> }) {
  const entries = Object.entries(obj);
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <dl className="kv">
      {entries.map(([k, v]) => (
        <div key={k} className="kv-row">
          <dt>{words(k)}</dt>
          <dd>
            <Value v={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
