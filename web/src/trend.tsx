import { lazy, Suspense } from "react";
import type { Series } from "./charts";
import { num, shortDay } from "./format";

const TrendChart = lazy(() => import("./charts").then((m) => ({ default: m.TrendChart })));

/**
 * A trend chart with a caption of its totals and the same numbers as a table behind a disclosure, for
 * people who do not read charts (or cannot see them).
 */
export function Trend({
  title,
  rows,
  series,
  height = 220,
}: {
  title: string;
  rows: readonly Record<string, string | number>[];
  series: readonly Series[];
  height?: number;
}) {
  const totals = series.map((s) => ({
    ...s,
    total: rows.reduce((sum, r) => sum + Number(r[s.key] ?? 0), 0),
  }));
  return (
    <figure className="trend">
      <figcaption>
        {title}:{" "}
        {totals.map((t, i) => (
          <span key={t.key}>
            {i > 0 ? ", " : ""}
            <span className="swatch" style={{ background: t.color }} aria-hidden="true" />
            {num(t.total)} {t.name.toLowerCase()}
          </span>
        ))}
      </figcaption>
      <div className="chart" style={{ height }} aria-hidden="true">
        <Suspense fallback={<div className="chart-placeholder" />}>
          <TrendChart rows={rows} series={series} height={height} />
        </Suspense>
      </div>
      <details>
        <summary>Show as a table</summary>
        <div className="table-wrap">
          <table className="data compact">
            <thead>
              <tr>
                <th scope="col">Day</th>
                {series.map((s) => (
                  <th key={s.key} scope="col" className="num">
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={String(r.day)}>
                  <td>{shortDay(String(r.day))}</td>
                  {series.map((s) => (
                    <td key={s.key} className="num">
                      {num(Number(r[s.key] ?? 0))}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
