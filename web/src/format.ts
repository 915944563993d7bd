/** Formatting shared by the pages: numbers, dates and names the way a person reads them. */

const integer = new Intl.NumberFormat("en-US");

/** 12345 -> "12,345". */
export function num(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : integer.format(n);
}

/** A share as a percentage with one decimal place when it is small: 0.034 -> "3.4%". */
export function pct(part: number, whole: number): string {
  if (whole <= 0) return "0%";
  const p = (part / whole) * 100;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`;
}

/** "2026-03-04" or an ISO time -> "4 Mar 2026" (dates are UTC days). */
export function day(value: string | null | undefined): string {
  if (!value) return "–";
  const d = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime())) return value;
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

/** An ISO time -> "4 Mar 2026, 14:05 UTC". */
export function time(value: string | null | undefined): string {
  if (!value) return "–";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return (
    d.toLocaleString("en-GB", {
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZone: "UTC",
    }) + " UTC"
  );
}

/** "2026-03-04" -> "4 Mar" for chart axes. */
export function shortDay(value: string): string {
  const d = new Date(`${value.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return value;
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
}

/** Whole days from `now` to a due date: negative when it has passed. */
export function daysUntil(due: string, now: Date = new Date()): number {
  const d = Date.parse(`${due.slice(0, 10)}T00:00:00Z`);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((d - today) / 86_400_000);
}

/** How a due date stands: "due in 3 days", "due today", "5 days late". */
export function dueIn(n: number): string {
  if (n === 0) return "due today";
  if (n === 1) return "due tomorrow";
  if (n === -1) return "1 day late";
  return n > 0 ? `due in ${num(n)} days` : `${num(-n)} days late`;
}

/** The short id people type: the first 12 characters of the fingerprint. */
export function shortId(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}

/** The server's key for events without a team, tool or upstream (refused before routing). */
export const NONE = "(none)";

/** A `Record<name, count>` as rows, largest first; the "(none)" key reads "not identified". */
export function ranked(counts: Record<string, number> | undefined): { name: string; count: number }[] {
  return Object.entries(counts ?? {})
    .map(([name, count]) => ({ name: name === NONE ? "not identified" : name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}
