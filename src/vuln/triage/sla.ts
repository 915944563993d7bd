import type { TriagePolicy } from "./policy.js";
import type { CisaOutcome } from "./types.js";
import { dayNumber, formatDay, type DayNumber } from "./dates.js";

/**
 * The remediation due date of a finding: the policy's SLA for its CISA outcome counted from the day it was
 * first seen (or from `now` when that is unknown), and never later than the CISA KEV due date, the date
 * by which US federal agencies must remediate a known-exploited vulnerability.
 *
 * @example
 * slaDue({ outcome: "act", sla: DEFAULT_TRIAGE_POLICY.sla, firstSeen: "2024-04-12", now: "2024-04-20",
 *   kevDueDate: "2024-04-15" });
 * // { dueDate: "2024-04-15", start: "2024-04-12", days: 7, slaDueDate: "2024-04-19", cappedByKev: true, ... }
 */
export interface SlaInput {
  readonly outcome: CisaOutcome;
  readonly sla: TriagePolicy["sla"];
  /** When the finding was first seen (YYYY-MM-DD or ISO timestamp); falls back to `now`. */
  readonly firstSeen?: string | Date | undefined;
  readonly now: string | Date;
  /** The CISA KEV `dueDate`, when the vulnerability is listed. */
  readonly kevDueDate?: string | undefined;
}

export interface SlaDue {
  /** YYYY-MM-DD. */
  readonly dueDate: string;
  readonly dueDay: DayNumber;
  /** The day the SLA counts from: first seen, or now. */
  readonly start: string;
  readonly startIsFirstSeen: boolean;
  /** The SLA in days for the outcome. */
  readonly days: number;
  /** The date the SLA alone would give. */
  readonly slaDueDate: string;
  /** True when the KEV due date came first and set the due date. */
  readonly cappedByKev: boolean;
}

/**
 * Day number of the due date, without building strings (the hot path).
 *
 * @example formatDay(slaDueDay("attend", DEFAULT_TRIAGE_POLICY.sla, dayNumber("2024-01-01"), NaN)) // "2024-01-31"
 */
export function slaDueDay(
  outcome: CisaOutcome,
  sla: TriagePolicy["sla"],
  start: DayNumber,
  kevDue: DayNumber,
): DayNumber {
  const due = start + sla[outcome];
  return kevDue < due ? kevDue : due; // NaN (no KEV) compares false
}

/**
 * The due date with what set it, for decisions and explanations.
 *
 * @example slaDue({ outcome: "track", sla, now: "2024-01-01" }).dueDate // "2024-06-29"
 */
export function slaDue(input: SlaInput): SlaDue {
  const first = input.firstSeen === undefined ? NaN : dayNumber(input.firstSeen);
  const now = dayNumber(input.now);
  if (!Number.isFinite(now)) throw new RangeError(`slaDue: now is not a date: ${String(input.now)}`);
  const startIsFirstSeen = Number.isFinite(first);
  const start = startIsFirstSeen ? first : now;
  const kev = input.kevDueDate ? dayNumber(input.kevDueDate) : NaN;
  const days = input.sla[input.outcome];
  const dueDay = slaDueDay(input.outcome, input.sla, start, kev);
  return {
    dueDate: formatDay(dueDay),
    dueDay,
    start: formatDay(start),
    startIsFirstSeen,
    days,
    slaDueDate: formatDay(start + days),
    cappedByKev: dueDay < start + days,
  };
}
