import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { num, shortDay } from "./format";

/** One line of a trend chart: the row field it draws, its name in the caption (the legend), and its colour. */
export interface Series {
  readonly key: string;
  readonly name: string;
  readonly color: string;
}

/**
 * Daily counts as overlapping areas. Loaded on demand (recharts is most of the bundle), so pages show
 * their numbers before the charts arrive.
 */
export function TrendChart({
  rows,
  series,
  height = 220,
}: {
  rows: readonly Record<string, string | number>[];
  series: readonly Series[];
  height?: number;
}) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <AreaChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="#e5e7eb" vertical={false} />
        <XAxis
          dataKey="day"
          tickFormatter={(v: string) => shortDay(v)}
          tick={{ fontSize: 12, fill: "#4b5563" }}
          minTickGap={24}
          tickLine={false}
          axisLine={{ stroke: "#d1d5db" }}
        />
        <YAxis
          allowDecimals={false}
          width={44}
          tick={{ fontSize: 12, fill: "#4b5563" }}
          tickFormatter={(v: number) => num(v)}
          tickLine={false}
          axisLine={false}
        />
        <Tooltip
          labelFormatter={(v: unknown) => (typeof v === "string" ? shortDay(v) : "")}
          formatter={(v) => num(Number(v))}
          contentStyle={{ fontSize: 13, borderRadius: 6, borderColor: "#d1d5db" }}
        />
        {series.map((s) => (
          <Area
            key={s.key}
            type="linear"
            dataKey={s.key}
            name={s.name}
            stroke={s.color}
            strokeWidth={2}
            fill={s.color}
            fillOpacity={0.08}
            isAnimationActive={false}
            dot={false}
          />
        ))}
      </AreaChart>
    </ResponsiveContainer>
  );
}
