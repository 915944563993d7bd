import { useEffect, useState } from "react";
import { OUTCOMES, type Outcome, type SlaState } from "../types";
import { OUTCOME_LABEL, OUTCOME_MEANING, SLA_LABEL } from "../ui";
import { SORTS, isFiltered, type QueueFilters, type QueueSort } from "./queue-filters";

/** Ids are matched exactly: spell the CVE and GHSA prefixes as the feeds do, whatever was typed. */
function vulnId(typed: string): string {
  const v = typed.trim();
  if (/^cve-/i.test(v)) return v.toUpperCase();
  if (/^ghsa-/i.test(v)) return `GHSA-${v.slice(5).toLowerCase()}`;
  return v;
}

/**
 * The queue's filters. Checkboxes and menus apply at once; the text fields apply on Enter or when
 * focus leaves them, so typing does not send a request per key.
 */
export function QueueFilterBar({
  filters,
  owners,
  onChange,
}: {
  filters: QueueFilters;
  owners: string[];
  onChange: (f: QueueFilters) => void;
}) {
  const [asset, setAsset] = useState(filters.asset);
  const [vuln, setVuln] = useState(filters.vuln);
  useEffect(() => {
    setAsset(filters.asset);
    setVuln(filters.vuln);
  }, [filters.asset, filters.vuln]);

  const applyText = (): void => {
    const v = vulnId(vuln);
    if (asset.trim() !== filters.asset || v !== filters.vuln) {
      onChange({ ...filters, asset: asset.trim(), vuln: v });
    }
  };
  const toggleOutcome = (o: Outcome): void => {
    const set = new Set(filters.outcome);
    if (set.has(o)) set.delete(o);
    else set.add(o);
    onChange({ ...filters, outcome: OUTCOMES.filter((x) => set.has(x)) });
  };

  return (
    <form
      className="filters card"
      aria-label="Filter the queue"
      onSubmit={(e) => {
        e.preventDefault();
        applyText();
      }}
    >
      <div className="filter-row">
        <fieldset className="chips">
          <legend>Show</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={filters.escalated}
              onChange={(e) => {
                onChange({ ...filters, escalated: e.target.checked });
              }}
            />
            Escalated only
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={filters.kev}
              onChange={(e) => {
                onChange({ ...filters, kev: e.target.checked });
              }}
            />
            In CISA KEV
          </label>
        </fieldset>
        <fieldset className="chips">
          <legend>Outcome</legend>
          {OUTCOMES.map((o) => (
            <label
              key={o}
              className={`check chip-${o === "track*" ? "trackstar" : o}`}
              title={OUTCOME_MEANING[o]}
            >
              <input
                type="checkbox"
                checked={filters.outcome.includes(o)}
                onChange={() => {
                  toggleOutcome(o);
                }}
              />
              {OUTCOME_LABEL[o]}
            </label>
          ))}
        </fieldset>
      </div>
      <label>
        Team
        <select
          value={filters.owner}
          onChange={(e) => {
            onChange({ ...filters, owner: e.target.value });
          }}
        >
          <option value="">All teams</option>
          {filters.owner && !owners.includes(filters.owner) ? (
            <option value={filters.owner}>{filters.owner}</option>
          ) : null}
          {owners.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </label>
      <label>
        SLA
        <select
          value={filters.sla}
          onChange={(e) => {
            onChange({ ...filters, sla: e.target.value as SlaState | "" });
          }}
        >
          <option value="">Any</option>
          {(Object.keys(SLA_LABEL) as SlaState[]).map((s) => (
            <option key={s} value={s}>
              {SLA_LABEL[s]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Asset
        <input
          type="search"
          title="The asset key exactly as the scanner reported it"
          placeholder="asset, e.g. payments-api"
          value={asset}
          onChange={(e) => {
            setAsset(e.target.value);
          }}
          onBlur={applyText}
        />
      </label>
      <label>
        Vulnerability
        <input
          type="search"
          title="A CVE, GHSA or scanner id, or any alias of it"
          placeholder="CVE-2024-3094"
          value={vuln}
          onChange={(e) => {
            setVuln(e.target.value);
          }}
          onBlur={applyText}
        />
      </label>
      <label>
        Sort
        <select
          value={filters.sort}
          onChange={(e) => {
            onChange({ ...filters, sort: e.target.value as QueueSort });
          }}
        >
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <div className="filter-actions">
        <button type="submit" className="button">
          Apply
        </button>
        {isFiltered(filters) ? (
          <button
            type="button"
            className="button subtle"
            onClick={() => {
              onChange({
                escalated: true,
                outcome: [],
                owner: "",
                asset: "",
                vuln: "",
                kev: false,
                sla: "",
                sort: filters.sort,
              });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </div>
    </form>
  );
}
