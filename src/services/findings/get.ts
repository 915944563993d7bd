import { DetenteError } from "../../errors.js";
import type { Store } from "../../store/open.js";
import type { Finding, FindingStatus, Severity } from "../../vuln/finding.js";
import { LAST_SEEN_SQL } from "./list.js";

/** A finding row with what is known of its vulnerability (aliases, title, references). */
export const FINDING_WITH_VULNERABILITY = `SELECT f.*, ${LAST_SEEN_SQL} AS last_sighting, v.aliases, v.title, v."references"
  FROM findings f LEFT JOIN vulnerabilities v ON v.vuln_id = f.vuln_id`;
const SELECT = FINDING_WITH_VULNERABILITY;

/** A stored finding with what the store knows about it beyond the Finding itself. */
export interface StoredFinding {
  readonly id: number;
  readonly fingerprint: string;
  readonly finding: Finding;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  readonly sources: readonly {
    scanner: string;
    rule: string;
    firstSeen: Date;
    lastSeen: Date;
    present: boolean;
  }[];
  readonly events: readonly { at: Date; kind: string; detail: string }[];
}

/**
 * Find one stored finding by its id: the number, or a prefix (at least 6 characters) of its fingerprint
 * as `detente findings` shows it. An ambiguous prefix is an error listing how to disambiguate.
 *
 * @example const f = await getFinding({ ctx: { store }, input: { id: "3f9a0c1d2e4b" } });
 */
export async function getFinding({
  ctx,
  input,
}: {
  ctx: { store: Store };
  input: { id: string };
}): Promise<StoredFinding> {
  const id = input.id.trim().toLowerCase();
  let rows: Record<string, unknown>[];
  const isHex = /^[0-9a-f]{6,64}$/.test(id);
  // Fingerprints are 32 hex digits; a longer one (a full SHA-256) starts with it.
  const prefix = id.slice(0, 32) + "%";
  if (/^\d{1,15}$/.test(id)) {
    // A number is the row id; six or more digits may also be a displayed id that happens to be all digits.
    rows = isHex
      ? await ctx.store.query(`${SELECT} WHERE f.id = $1 OR f.fingerprint LIKE $2 LIMIT 2`, [
          Number(id),
          prefix,
        ])
      : await ctx.store.query(`${SELECT} WHERE f.id = $1`, [Number(id)]);
  } else if (isHex) {
    rows = await ctx.store.query(`${SELECT} WHERE f.fingerprint LIKE $1 LIMIT 2`, [prefix]);
  } else {
    throw new DetenteError(
      "INVALID_INPUT",
      `"${input.id.slice(0, 80)}" is not a finding id: use the number or the id column of \`detente findings\``,
    );
  }
  if (rows.length === 0) throw new DetenteError("NOT_FOUND", `no finding with id ${id}`);
  if (rows.length > 1)
    throw new DetenteError("INVALID_INPUT", `id ${id} matches several findings: give more characters`);
  const r = rows[0]!;
  const findingId = Number(r.id);
  const sources = await ctx.store.query(
    `SELECT scanner, rule, first_seen, last_seen, present FROM finding_sources WHERE finding_id = $1 ORDER BY scanner`,
    [findingId],
  );
  const events = await ctx.store.query(
    `SELECT at, kind, detail FROM finding_events WHERE finding_id = $1 ORDER BY at, id`,
    [findingId],
  );
  return {
    id: findingId,
    fingerprint: String(r.fingerprint),
    finding: rowToFinding(
      r,
      sources.map((s) => String(s.scanner)),
    ),
    firstSeen: new Date(r.first_seen as string),
    lastSeen: new Date(r.last_sighting as string),
    sources: sources.map((s) => ({
      scanner: String(s.scanner),
      rule: String(s.rule),
      firstSeen: new Date(s.first_seen as string),
      lastSeen: new Date(s.last_seen as string),
      present: s.present === true,
    })),
    events: events.map((e) => ({
      at: new Date(e.at as string),
      kind: String(e.kind),
      detail: String(e.detail),
    })),
  };
}

/** Rebuild the normalized Finding from a `findings` row. */
export function rowToFinding(r: Record<string, unknown>, scanners: readonly string[]): Finding {
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const cvss = (vector: unknown, score: unknown) =>
    typeof vector === "string" && num(score) !== null ? { vector, score: num(score)! } : null;
  const epss = num(r.scanner_epss);
  return {
    vulnId: String(r.vuln_id),
    aliases: (r.aliases as string[] | null) ?? [],
    component: String(r.component),
    version: String(r.version),
    ecosystem: String(r.ecosystem),
    purl: String(r.purl),
    fixedVersions: (r.fixed_versions as string[] | null) ?? [],
    location: String(r.location),
    assetKey: String(r.asset_key),
    scanner: scanners.join(", "),
    rule: "",
    severity: String(r.severity) as Severity,
    cvss3: cvss(r.cvss3_vector, r.cvss3_score),
    cvss4: cvss(r.cvss4_vector, r.cvss4_score),
    title: typeof r.title === "string" ? r.title : "",
    references: (r.references as string[] | null) ?? [],
    epss: epss === null ? null : { score: epss, percentile: num(r.scanner_epss_percentile) ?? 0 },
    knownExploited: (r.scanner_kev as boolean | null) ?? null,
    exploitAvailable: (r.exploit_available as boolean | null) ?? null,
    scannerRisk: null,
    status: String(r.status) as FindingStatus,
    statusDetail: String(r.status_detail),
  };
}
