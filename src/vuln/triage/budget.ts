import { DetenteError } from "../../errors.js";
import type { EscalationBudget } from "./types.js";

const BUDGET_HELP = 'expected a percentage like "5%" (0% to 100%) or a count like "25"';
const PERCENT_RE = /^(\d{1,3}(?:\.\d{1,4})?)\s?%$/;
const COUNT_RE = /^\d{1,9}$/;

/**
 * Read an escalation budget from a flag or a config value: `"5%"` (a share of the escalatable findings),
 * `"25"` or `25` (a count), or an object `{ percent: 5 }` / `{ count: 25 }`. Returns the budget, or the
 * sentence saying what was wrong (callers prefix the flag or field).
 *
 * @example budgetOrProblem("2.5%") // { percent: 2.5 }
 */
export function budgetOrProblem(value: unknown): EscalationBudget | string {
  if (typeof value === "number") return countOf(value);
  if (typeof value === "string") {
    const s = value.trim();
    const pct = PERCENT_RE.exec(s);
    if (pct) return percentOf(Number(pct[1]));
    if (COUNT_RE.test(s)) return countOf(Number(s));
    return `${BUDGET_HELP}, got ${JSON.stringify(value.slice(0, 40))}`;
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.percent === "number") return percentOf(o.percent);
    if (keys.length === 1 && typeof o.count === "number") return countOf(o.count);
  }
  return BUDGET_HELP;
}

function percentOf(p: number): EscalationBudget | string {
  return Number.isFinite(p) && p >= 0 && p <= 100
    ? { percent: p }
    : `${BUDGET_HELP}; a percentage is 0% to 100%`;
}

function countOf(n: number): EscalationBudget | string {
  return Number.isSafeInteger(n) && n >= 0
    ? { count: n }
    : `${BUDGET_HELP}; a count is a whole number, 0 or more`;
}

/**
 * Parse a `--budget`-style flag value; throws `INVALID_INPUT` naming the flag.
 *
 * @example
 * parseBudget("5%", "--budget"); // { percent: 5 }
 * parseBudget("lots", "--budget"); // throws '--budget: expected a percentage like "5%" ... got "lots"'
 */
export function parseBudget(text: string, flag: string): EscalationBudget {
  const budget = budgetOrProblem(text);
  if (typeof budget === "string") throw new DetenteError("INVALID_INPUT", `${flag}: ${budget}`, { flag });
  return budget;
}

/**
 * A budget as people write it: "5%" or "25".
 *
 * @example formatBudget({ count: 25 }) // "25"
 */
export function formatBudget(budget: EscalationBudget): string {
  return "percent" in budget ? `${budget.percent}%` : String(budget.count);
}
