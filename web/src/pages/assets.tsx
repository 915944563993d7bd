import { useMemo, useState } from "react";
import { num } from "../format";
import { useApi, useTitle } from "../hooks";
import { Link } from "../router";
import type { Asset } from "../types";
import { Empty, ErrorBox, Loading } from "../ui";

type Column = "key" | "owner" | "environment" | "criticality" | "exposure" | "openFindings";
const COLUMNS: { key: Column; label: string; num?: boolean }[] = [
  { key: "key", label: "Asset" },
  { key: "owner", label: "Team" },
  { key: "environment", label: "Environment" },
  { key: "criticality", label: "Criticality" },
  { key: "exposure", label: "Exposure" },
  { key: "openFindings", label: "Open findings", num: true },
];
const CRITICALITY_RANK: Record<string, number> = { "mission-critical": 4, high: 3, medium: 2, low: 1 };

/** The inventory that gives findings their business context: who owns what, how critical and how exposed. */
export function AssetsPage() {
  useTitle("Assets");
  const { data, error } = useApi<{ assets: Asset[] }>("/api/assets");
  const [text, setText] = useState("");
  const [sort, setSort] = useState<{ by: Column; desc: boolean }>({ by: "openFindings", desc: true });

  const rows = useMemo(() => {
    const q = text.trim().toLowerCase();
    const list = (data?.assets ?? []).filter(
      (a) =>
        !q ||
        [a.key, a.owner, a.environment, a.dataClassification, ...a.tags].some((v) =>
          v.toLowerCase().includes(q),
        ),
    );
    const value = (a: Asset): string | number =>
      sort.by === "criticality"
        ? (CRITICALITY_RANK[a.criticality] ?? 0)
        : sort.by === "openFindings"
          ? a.openFindings
          : a[sort.by];
    return list.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return (sort.desc ? -c : c) || a.key.localeCompare(b.key);
    });
  }, [data, text, sort]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Assets</h1>
        {data ? (
          <p className="muted">
            {num(data.assets.length)} assets in the inventory. Criticality and exposure decide how much a
            finding on them matters.
          </p>
        ) : null}
      </div>
      {error ? <ErrorBox error={error} what="the assets" /> : null}
      {!data && !error ? <Loading what="the assets" /> : null}
      {data ? (
        <>
          <div className="filters card">
            <label>
              Find
              <input
                type="search"
                placeholder="asset, team, environment, tag"
                value={text}
                onChange={(e) => {
                  setText(e.target.value);
                }}
              />
            </label>
            <p className="muted" role="status">
              {text ? `${num(rows.length)} of ${num(data.assets.length)} match` : ""}
            </p>
          </div>
          {rows.length === 0 ? (
            <Empty>
              {data.assets.length === 0
                ? "No assets loaded. Load an inventory with detente assets load."
                : "No assets match."}
            </Empty>
          ) : (
            <div className="table-wrap">
              <table className="data" aria-label="Assets">
                <thead>
                  <tr>
                    {COLUMNS.map((c) => (
                      <th
                        key={c.key}
                        scope="col"
                        className={c.num ? "num" : undefined}
                        aria-sort={sort.by === c.key ? (sort.desc ? "descending" : "ascending") : "none"}
                      >
                        <button
                          type="button"
                          className={`sort${sort.by === c.key ? " active" : ""}`}
                          onClick={() => {
                            setSort((s) => ({
                              by: c.key,
                              desc: s.by === c.key ? !s.desc : c.num === true || c.key === "criticality",
                            }));
                          }}
                        >
                          {c.label}
                          <span aria-hidden="true">{sort.by === c.key ? (sort.desc ? " ↓" : " ↑") : ""}</span>
                        </button>
                      </th>
                    ))}
                    <th scope="col">Data</th>
                    <th scope="col">Tags</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((a) => (
                    <tr key={a.key}>
                      <th scope="row" className="break">
                        {a.key}
                      </th>
                      <td>{a.owner || <span className="muted">none</span>}</td>
                      <td>{a.environment || "–"}</td>
                      <td>
                        <span className={`crit crit-${a.criticality}`}>{a.criticality}</span>
                      </td>
                      <td>{a.exposure}</td>
                      <td className="num">
                        {a.openFindings > 0 ? (
                          <Link to={`/queue?asset=${encodeURIComponent(a.key)}&escalated=false`}>
                            {num(a.openFindings)}
                          </Link>
                        ) : (
                          "0"
                        )}
                      </td>
                      <td>{a.dataClassification || "–"}</td>
                      <td>{a.tags.length ? a.tags.join(", ") : <span className="muted">–</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </div>
  );
}
