import { BinaryCopyRows } from "../../store/copy-binary.js";
import type { Queryable, RawTx } from "../../store/open.js";
import { markSeen, mergeKnown } from "./merge.js";
import { STAGED_COLUMNS, type NewRowShape } from "./staging.js";

/**
 * The COPY rows an import gathers between two writes, by table, and their write: new findings and their
 * sources go straight into their tables; updates to known findings are staged and merged right away
 * (`mergeKnown`), or only marked seen when nothing changed (`markSeen`); findings reported twice in the
 * report wait in `staged_twice` for the end.
 *
 * @example
 * const rows = new PendingRows(newRowShape(importId, now, bulk !== null));
 * writeNewFinding(rows.findings, id, decided, rows.shape);
 * rows.count++;
 * if (rows.count >= 5000) await rows.write(tx, { importId, now });
 */
export class PendingRows {
  constructor(readonly shape: NewRowShape) {}

  readonly findings = new BinaryCopyRows();
  readonly sources = new BinaryCopyRows();
  readonly staged = new BinaryCopyRows();
  readonly twice = new BinaryCopyRows();
  /** Ids of the findings in `staged`. */
  stagedIds: number[] = [];
  /** Known findings the report brings unchanged: only marked seen (`markSeen`), with their sources. */
  seen: { ids: number[]; scanners: string[]; rules: string[] } = { ids: [], scanners: [], rules: [] };
  /** Findings whose rows are gathered. */
  count = 0;

  /** Write what was gathered (taken now, so that new rows gather for the next write). */
  write(tx: RawTx, merge: { readonly importId: number; readonly now: Date }): Promise<void> {
    const findings = this.findings.take();
    const sources = this.sources.take();
    const staged = this.staged.take();
    const twice = this.twice.take();
    const ids = this.stagedIds;
    this.stagedIds = [];
    const seen = this.seen;
    this.seen = { ids: [], scanners: [], rules: [] };
    this.count = 0;
    return (async () => {
      if (findings.length > 0)
        await tx.copyFrom("findings", this.shape.findingColumns, findings, this.shape.copy);
      if (sources.length > 0)
        await tx.copyFrom("finding_sources", this.shape.sourceColumns, sources, this.shape.copy);
      if (staged.length > 0) {
        await tx.copyFrom("staged", STAGED_COLUMNS, staged, BINARY);
        await mergeKnown(tx, { ...merge, ids });
      }
      if (seen.ids.length > 0) await markSeen(tx, { ...merge, ...seen });
      if (twice.length > 0) await tx.copyFrom("staged_twice", STAGED_COLUMNS, twice, BINARY);
      for (const copied of [findings, sources, staged, twice]) BinaryCopyRows.recycle(copied);
    })();
  }
}

const BINARY = { binary: true } as const;

/**
 * Ids for new findings, from the sequence of findings.id (resolved once: resolving it per id costs more
 * than taking the id). On PostgreSQL each id is taken with `nextval`, which other connections may call at
 * the same time. When nobody else can take ids (`alone`: the embedded database has one process and one
 * connection; a bulk load holds findings under an exclusive lock, and every other taker inserts into it
 * first), ranges are reserved with one `setval` per many batches (a query costs about a millisecond on
 * the embedded database; on PostgreSQL a `nextval` per id cost more than its row's COPY), and what is
 * left at the end is handed back, so the sequence ends where one `nextval` per id would have left it.
 *
 * @example
 * const ids = await FindingIds.open(tx, store.kind === "pglite" || bulk !== null);
 * const fresh = await ids.take(reader, 3); // ascending
 * await ids.close(tx);
 */
export class FindingIds {
  private next = 0;
  private end = 0;

  private constructor(
    private readonly sequence: string,
    private readonly alone: boolean,
  ) {}

  static async open(db: Queryable, alone: boolean): Promise<FindingIds> {
    const [row] = await db.query<{ seq: string }>(`SELECT pg_get_serial_sequence('findings', 'id') AS seq`);
    return new FindingIds(row!.seq, alone);
  }

  /** `n` new ids, in ascending order. */
  async take(db: Queryable, n: number): Promise<number[]> {
    if (!this.alone) {
      // Each id still comes from nextval, but they come back as runs of consecutive ids (one run unless
      // another connection took ids at the same moment) rather than as a row per id.
      const runs = await db.query<{ lo: string; hi: string }>(
        `SELECT min(id) AS lo, max(id) AS hi FROM (
           SELECT id, id - row_number() OVER (ORDER BY id) AS run
             FROM (SELECT nextval($1::regclass) AS id FROM generate_series(1, $2)) taken
         ) numbered GROUP BY run ORDER BY lo`,
        [this.sequence, n],
      );
      const ids: number[] = [];
      for (const r of runs) for (let id = Number(r.lo), hi = Number(r.hi); id <= hi; id++) ids.push(id);
      return ids;
    }
    if (this.end - this.next < n) {
      const size = Math.max(n, RESERVE);
      const [row] = await db.query<{ last: string }>(
        `SELECT setval($1::regclass, nextval($1::regclass) + $2 - 1) AS last`,
        [this.sequence, size],
      );
      // A range that follows the one in hand continues it (nobody else takes ids).
      const last = Number(row!.last);
      if (last - size + 1 !== this.end) this.next = last - size + 1;
      this.end = last + 1;
    }
    const ids = Array.from({ length: n }, (_, i) => this.next + i);
    this.next += n;
    return ids;
  }

  /** Hand back what was reserved and not taken. */
  async close(db: Queryable): Promise<void> {
    if (!this.alone || this.next === this.end) return;
    await db.query(`SELECT setval($1::regclass, $2, false)`, [this.sequence, this.next]);
    this.end = this.next;
  }
}

/** Ids reserved at a time on the embedded database. */
const RESERVE = 50_000;
