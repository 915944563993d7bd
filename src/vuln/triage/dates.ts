/**
 * Calendar days as integers (days since 1970-01-01, UTC), parsed and formatted without `Date` objects so
 * that the triage hot path neither allocates nor reads a clock. Triage works in whole UTC days: an SLA of
 * 7 days from 2024-04-12 is due 2024-04-19, whatever the time of day the finding was first seen.
 *
 * @example
 * const d = dayNumber("2024-04-12"); // 19825
 * formatDay(d + 7); // "2024-04-19"
 */
export type DayNumber = number;

const ZERO = 48; // "0"

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - ZERO;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Days since 1970-01-01 of a `YYYY-MM-DD` date or of the date part of an ISO timestamp
 * (`2024-04-12T08:00:00Z` is day 2024-04-12, the timestamp's UTC date when it ends in `Z`), or of a `Date`
 * (its UTC date). Returns NaN for anything else, including impossible dates such as 2024-02-30.
 *
 * @example dayNumber("1970-01-02") // 1
 */
export function dayNumber(value: string | Date): DayNumber {
  if (typeof value !== "string") {
    const t = value.getTime();
    return Number.isFinite(t) ? Math.floor(t / 86_400_000) : NaN;
  }
  if (value.length < 10 || value.length > 40 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45)
    return NaN;
  if (value.length > 10 && value[10] !== "T" && value[10] !== " ") return NaN;
  if (value.length > 10 && !value.endsWith("Z") && /[+-]\d\d:?\d\d$/.test(value)) {
    // An offset other than Z moves the UTC date; let Date do the arithmetic for this rare case.
    const t = Date.parse(value);
    return Number.isFinite(t) ? Math.floor(t / 86_400_000) : NaN;
  }
  const y = digits(value, 0, 4);
  const m = digits(value, 5, 2);
  const d = digits(value, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return NaN;
  return daysFromCivil(y, m, d);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a day of the proleptic Gregorian calendar (Howard Hinnant's days_from_civil:
 * exact, integer-only).
 *
 * @example daysFromCivil(2000, 1, 1) // 10957
 */
export function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * `YYYY-MM-DD` of a day number.
 *
 * @example formatDay(0) // "1970-01-01"
 */
export function formatDay(day: DayNumber): string {
  // A run decides millions of findings over a few thousand distinct days: remember the strings.
  const hit = formatted.get(day);
  if (hit !== undefined) return hit;
  const s = format(day);
  if (formatted.size >= 20_000) formatted.clear();
  formatted.set(day, s);
  return s;
}

const formatted = new Map<number, string>();

function format(day: DayNumber): string {
  if (!Number.isFinite(day)) return "";
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, "0")}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}`;
}
