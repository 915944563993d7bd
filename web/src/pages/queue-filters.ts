import { OUTCOMES, SLA_STATES, type Outcome, type SlaState } from "../types";

/** The queue's filters, kept in the URL so a filtered view can be bookmarked and shared. */
export interface QueueFilters {
  readonly escalated: boolean;
  readonly outcome: Outcome[];
  readonly owner: string;
  readonly asset: string;
  readonly vuln: string;
  readonly kev: boolean;
  readonly sla: SlaState | "";
  readonly sort: QueueSort;
}

export type QueueSort = "queue" | "due" | "newest";
export const SORTS: { value: QueueSort; label: string }[] = [
  { value: "queue", label: "Priority (queue order)" },
  { value: "due", label: "Due date, soonest first" },
  { value: "newest", label: "Newest first" },
];

/** Read filters from the query string. Escalated-only is the default: the queue is what needs work now. */
export function readFilters(q: URLSearchParams): QueueFilters {
  const sort = q.get("sort");
  const sla = q.get("sla");
  return {
    escalated: q.get("escalated") !== "false",
    outcome: (q.get("outcome") ?? "")
      .split(",")
      .filter((o): o is Outcome => (OUTCOMES as readonly string[]).includes(o)),
    owner: q.get("owner") ?? "",
    asset: q.get("asset") ?? "",
    vuln: q.get("vuln") ?? "",
    kev: q.get("kev") === "true",
    sla: sla && (SLA_STATES as readonly string[]).includes(sla) ? (sla as SlaState) : "",
    sort: sort === "due" || sort === "newest" ? sort : "queue",
  };
}

/** The page's own query string for `f` (defaults left out). */
export function filtersToQuery(f: QueueFilters): string {
  const q = new URLSearchParams();
  if (!f.escalated) q.set("escalated", "false");
  if (f.outcome.length) q.set("outcome", f.outcome.join(","));
  if (f.owner) q.set("owner", f.owner);
  if (f.asset) q.set("asset", f.asset);
  if (f.vuln) q.set("vuln", f.vuln);
  if (f.kev) q.set("kev", "true");
  if (f.sla) q.set("sla", f.sla);
  if (f.sort !== "queue") q.set("sort", f.sort);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The API request for one page of the queue. */
export function findingsPath(f: QueueFilters, cursor: string | null, limit = 50): string {
  const q = new URLSearchParams({ status: "open", sort: f.sort, limit: String(limit) });
  if (f.escalated) q.set("escalated", "true");
  if (f.outcome.length) q.set("outcome", f.outcome.join(","));
  if (f.owner) q.set("owner", f.owner);
  if (f.asset) q.set("asset", f.asset);
  if (f.vuln) q.set("vuln", f.vuln);
  if (f.kev) q.set("kev", "true");
  if (f.sla) q.set("sla", f.sla);
  if (cursor) q.set("cursor", cursor);
  return `/api/findings?${q.toString()}`;
}

/** True when anything other than the defaults is set. */
export function isFiltered(f: QueueFilters): boolean {
  return !f.escalated || f.outcome.length > 0 || !!f.owner || !!f.asset || !!f.vuln || f.kev || !!f.sla;
}
