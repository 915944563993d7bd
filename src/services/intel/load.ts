import type { RawTx, Store } from "../../store/open.js";
import type { OpenedIntelFile } from "../../vuln/intel/open.js";
import type { CvssEntry, IntelMeta, IntelSource } from "../../vuln/intel/types.js";

/** What loading one intel file did. */
export interface IntelLoadResult {
  readonly source: IntelSource;
  readonly name: string;
  readonly meta: IntelMeta;
  /** Rows of the source's table after the load. */
  readonly rows: number;
}

/**
 * KEV and EPSS files are complete catalogs: loading one replaces the table. NVD pages and vulnrichment
 * records are partial: they update the CVEs they hold and leave the rest.
 */
const REPLACES: Readonly<Record<IntelSource, boolean>> = {
  kev: true,
  epss: true,
  nvd: false,
  vulnrichment: false,
};

/**
 * Load one intel file into the store in one transaction, so readers see the old data or the new, never
 * half of each (the "atomic swap"). A file that fails halfway changes nothing.
 *
 * @example
 * const file = await openIntelFile("kev.json");
 * const result = await loadIntel({ ctx: { store, now }, input: { file, origin: "kev.json" } });
 */
export async function loadIntel({
  ctx,
  input,
}: {
  ctx: { store: Store; now: Date };
  input: { file: OpenedIntelFile; origin: string; onProgress?: (bytes: number) => void };
}): Promise<IntelLoadResult> {
  const { file } = input;
  return ctx.store.transaction(async (tx) => {
    if (REPLACES[file.source]) await tx.query(`DELETE FROM ${TABLES[file.source]}`);
    for await (const batch of file.batches) {
      switch (batch.source) {
        case "kev":
          await insertJson(
            tx,
            `INSERT INTO intel_kev (cve, vendor_project, product, name, date_added, due_date, required_action, ransomware)
             SELECT DISTINCT ON (cve) cve, "vendorProject", product, name, "dateAdded"::date, "dueDate"::date, "requiredAction", ransomware
               FROM json_to_recordset($1::json) AS x(cve text, "vendorProject" text, product text, name text,
                    "dateAdded" text, "dueDate" text, "requiredAction" text, ransomware boolean)
             ON CONFLICT (cve) DO UPDATE SET vendor_project = EXCLUDED.vendor_project, product = EXCLUDED.product,
               name = EXCLUDED.name, date_added = EXCLUDED.date_added, due_date = EXCLUDED.due_date,
               required_action = EXCLUDED.required_action, ransomware = EXCLUDED.ransomware`,
            batch.kev,
          );
          break;
        case "epss":
          await insertJson(
            tx,
            `INSERT INTO intel_epss (cve, score, percentile)
             SELECT DISTINCT ON (cve) cve, score, percentile FROM json_to_recordset($1::json) AS x(cve text, score real, percentile real)
             ON CONFLICT (cve) DO UPDATE SET score = EXCLUDED.score, percentile = EXCLUDED.percentile`,
            batch.epss,
          );
          break;
        case "nvd":
          await upsertCvss(tx, batch.cvss);
          break;
        case "vulnrichment":
          await upsertCvss(tx, batch.cvss);
          await insertJson(
            tx,
            `INSERT INTO intel_ssvc (cve, exploitation, automatable, technical_impact, timestamp)
             SELECT DISTINCT ON (cve) cve, exploitation, automatable, "technicalImpact", timestamp
               FROM json_to_recordset($1::json) AS x(cve text, exploitation text, automatable text, "technicalImpact" text, timestamp text)
             ON CONFLICT (cve) DO UPDATE SET exploitation = EXCLUDED.exploitation, automatable = EXCLUDED.automatable,
               technical_impact = EXCLUDED.technical_impact, timestamp = EXCLUDED.timestamp`,
            batch.ssvc,
          );
          break;
      }
      input.onProgress?.(file.bytesRead());
    }
    const meta = file.meta();
    const [count] = await tx.query<{ n: string }>(
      file.source === "nvd"
        ? `SELECT count(*) AS n FROM intel_cvss WHERE source = 'nvd'`
        : `SELECT count(*) AS n FROM ${TABLES[file.source]}`,
    );
    const rows = Number(count?.n ?? 0);
    await tx.query(
      `INSERT INTO intel_sources (source, version, source_date, rows, origin, loaded_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (source) DO UPDATE SET version = EXCLUDED.version, source_date = EXCLUDED.source_date,
         rows = EXCLUDED.rows, origin = EXCLUDED.origin, loaded_at = EXCLUDED.loaded_at`,
      [file.source, meta.version, meta.date, rows, input.origin, ctx.now],
    );
    return { source: file.source, name: file.name, meta, rows };
  });
}

const TABLES: Readonly<Record<IntelSource, string>> = {
  kev: "intel_kev",
  epss: "intel_epss",
  nvd: "intel_cvss",
  vulnrichment: "intel_ssvc",
};

async function insertJson(tx: RawTx, statement: string, entries: readonly object[]): Promise<void> {
  if (entries.length > 0) await tx.query(statement, [JSON.stringify(entries)]);
}

async function upsertCvss(tx: RawTx, entries: readonly CvssEntry[]): Promise<void> {
  await insertJson(
    tx,
    `INSERT INTO intel_cvss (cve, cvss3_vector, cvss3_score, cvss4_vector, cvss4_score, source)
     SELECT DISTINCT ON (cve, source) cve, (cvss3->>'vector'), (cvss3->>'score')::real, (cvss4->>'vector'), (cvss4->>'score')::real, source
       FROM json_to_recordset($1::json) AS x(cve text, cvss3 json, cvss4 json, source text)
     ON CONFLICT (cve, source) DO UPDATE SET
       cvss3_vector = EXCLUDED.cvss3_vector, cvss3_score = EXCLUDED.cvss3_score,
       cvss4_vector = EXCLUDED.cvss4_vector, cvss4_score = EXCLUDED.cvss4_score`,
    entries,
  );
}

/** One line per source for `detente intel status`. */
export interface IntelStatusRow {
  readonly source: IntelSource;
  readonly version: string;
  readonly sourceDate: string;
  readonly rows: number;
  readonly origin: string;
  readonly loadedAt: string;
}

export async function intelStatus({ ctx }: { ctx: { store: Store } }): Promise<IntelStatusRow[]> {
  const rows = await ctx.store.query(
    `SELECT source, version, source_date, rows, origin, loaded_at FROM intel_sources ORDER BY source`,
  );
  return rows.map((r) => ({
    source: r.source as IntelSource,
    version: String(r.version),
    sourceDate: String(r.source_date),
    rows: Number(r.rows),
    origin: String(r.origin),
    loadedAt: new Date(r.loaded_at as string).toISOString(),
  }));
}
