import { useEffect, useMemo, useState } from "react";
import { api, ApiError } from "../api";
import { day, daysUntil, num, dueIn, shortId } from "../format";
import { useApi, useTitle } from "../hooks";
import { Link, navigate, useLocation } from "../router";
import type { Asset, FindingPage, FindingRow } from "../types";
import { Empty, ErrorBox, KevBadge, Loading, OutcomeBadge, SlaBadge } from "../ui";
import { QueueFilterBar } from "./queue-filter-bar";
import {
  filtersToQuery,
  findingsPath,
  isFiltered,
  readFilters,
  type QueueFilters,
  type QueueSort,
} from "./queue-filters";

interface Pages {
  readonly key: string;
  readonly rows: FindingRow[];
  readonly next: string | null;
  readonly open: number;
  readonly escalated: number;
  readonly total: number | undefined;
}

/**
 * The escalation queue: open findings in the order to fix them, filtered and sorted by the server and
 * read 50 at a time, so it stays fast with a million findings.
 */
export function QueuePage() {
  useTitle("Escalation queue");
  const { query } = useLocation();
  const filters = readFilters(query);
  const first = findingsPath(filters, null);
  const [pages, setPages] = useState<Pages | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [more, setMore] = useState(false);
  const assets = useApi<{ assets: Asset[] }>("/api/assets");
  const owners = useMemo(
    () => [...new Set((assets.data?.assets ?? []).map((a) => a.owner).filter(Boolean))].sort(),
    [assets.data],
  );

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    api<FindingPage>(first, { signal: abort.signal }).then(
      (p) => {
        setPages({
          key: first,
          rows: p.rows,
          next: p.nextCursor,
          open: p.open,
          escalated: p.escalatedCount,
          total: p.total,
        });
      },
      (e: unknown) => {
        if (!abort.signal.aborted)
          setError(
            e instanceof ApiError ? e : new ApiError(0, "NETWORK", "The server could not be reached."),
          );
      },
    );
    return () => {
      abort.abort();
    };
  }, [first]);

  const loadMore = async (): Promise<void> => {
    if (!pages?.next) return;
    setMore(true);
    try {
      const p = await api<FindingPage>(findingsPath(filters, pages.next));
      setPages({ ...pages, rows: [...pages.rows, ...p.rows], next: p.nextCursor });
    } catch (e: unknown) {
      setError(e instanceof ApiError ? e : new ApiError(0, "NETWORK", "The server could not be reached."));
    } finally {
      setMore(false);
    }
  };

  const apply = (f: QueueFilters): void => {
    navigate(`/queue${filtersToQuery(f)}`, { replace: true });
  };
  const current = pages?.key === first ? pages : null;

  return (
    <div className="page">
      <div className="page-head">
        <h1>Escalation queue</h1>
        {current ? (
          <p className="muted" role="status">
            {num(current.escalated)} of {num(current.open)} open findings are escalated.{" "}
            {isFiltered(filters)
              ? `${num(current.total ?? current.rows.length)}${current.total === undefined && current.next ? "+" : ""} match the filters.`
              : ""}
          </p>
        ) : null}
      </div>
      <QueueFilterBar filters={filters} owners={owners} onChange={apply} />
      {error ? <ErrorBox error={error} what="the queue" /> : null}
      {!current && !error ? <Loading what="the queue" /> : null}
      {current ? (
        current.rows.length === 0 ? (
          <Empty>
            No findings match these filters.{" "}
            {isFiltered(filters) ? (
              <Link to="/queue">Clear the filters</Link>
            ) : (
              "Nothing is escalated: every open finding is within the normal cycle."
            )}
          </Empty>
        ) : (
          <>
            <QueueTable
              rows={current.rows}
              markEscalated={!filters.escalated}
              sort={filters.sort}
              onSort={(sort) => {
                apply({ ...filters, sort });
              }}
            />
            <div className="table-foot">
              <span className="muted">
                Showing {num(current.rows.length)}
                {current.total !== undefined ? ` of ${num(current.total)}` : ""}
              </span>
              {current.next ? (
                <button type="button" className="button" disabled={more} onClick={() => void loadMore()}>
                  {more ? "Loading…" : "Show 50 more"}
                </button>
              ) : null}
            </div>
          </>
        )
      ) : null}
    </div>
  );
}

function SortHeader({
  label,
  value,
  sort,
  onSort,
}: {
  label: string;
  value: QueueSort;
  sort: QueueSort;
  onSort: (s: QueueSort) => void;
}) {
  const active = sort === value;
  return (
    <th scope="col" aria-sort={active ? (value === "newest" ? "descending" : "ascending") : "none"}>
      <button
        type="button"
        className={`sort${active ? " active" : ""}`}
        onClick={() => {
          onSort(value);
        }}
      >
        {label}
        <span aria-hidden="true">{active ? (value === "newest" ? " ↓" : " ↑") : ""}</span>
      </button>
    </th>
  );
}

function QueueTable({
  rows,
  markEscalated,
  sort,
  onSort,
}: {
  rows: FindingRow[];
  /** Mark escalated rows (when the list is not escalations only). */
  markEscalated: boolean;
  sort: QueueSort;
  onSort: (s: QueueSort) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="data queue" aria-label="Findings">
        <thead>
          <tr>
            <SortHeader label="Priority" value="queue" sort={sort} onSort={onSort} />
            <th scope="col">Finding</th>
            <SortHeader label="Due" value="due" sort={sort} onSort={onSort} />
            <th scope="col">Asset and team</th>
            <th scope="col">Why</th>
            <SortHeader label="First seen" value="newest" sort={sort} onSort={onSort} />
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <QueueRow key={r.id} r={r} markEscalated={markEscalated} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function QueueRow({ r, markEscalated }: { r: FindingRow; markEscalated: boolean }) {
  const to = `/findings/${shortId(r.fingerprint)}`;
  const left = daysUntil(r.dueDate);
  return (
    <tr
      className="clickable"
      onClick={(e) => {
        // The whole row opens the finding; the link inside it is what keyboards and screen readers use.
        if ((e.target as HTMLElement).closest("a,button")) return;
        navigate(to);
      }}
    >
      <td data-label="Priority">
        <OutcomeBadge outcome={r.outcome} />
        <span className="score" title="Risk score, 0 to 100: orders findings within an outcome">
          score {r.score}
        </span>
        {markEscalated && r.escalated ? (
          <div className="sub">
            <span className="badge escalated">escalated</span>
          </div>
        ) : null}
      </td>
      <td data-label="Finding">
        <Link to={to} className="strong">
          {r.vulnId}
        </Link>{" "}
        {r.kev ? <KevBadge /> : null}
        <div className="sub">
          {r.component} {r.version}
          {r.fixedVersions.length ? (
            <span className="fix"> → fix {r.fixedVersions.slice(0, 2).join(", ")}</span>
          ) : (
            <span className="muted"> · no fix yet</span>
          )}
        </div>
        <div className="sub mono muted">{shortId(r.fingerprint)}</div>
      </td>
      <td data-label="Due">
        <div>{day(r.dueDate)}</div>
        <div className="sub">
          <SlaBadge sla={r.sla} /> <span className="muted nowrap">{dueIn(left)}</span>
        </div>
      </td>
      <td data-label="Asset">
        <div>{r.assetKey || <span className="muted">no matching asset</span>}</div>
        <div className="sub muted">{r.owner || "no owner"}</div>
      </td>
      <td data-label="Why" className="why">
        {r.topReason}
      </td>
      <td data-label="First seen" className="nowrap">
        {day(r.firstSeen)}
      </td>
    </tr>
  );
}
