import type { Queryable } from "../../store/open.js";
import type { Finding } from "../../vuln/finding.js";
import { fingerprint } from "../../vuln/fingerprint.js";
import type { IdentityTable } from "../../vuln/identity-table.js";
import type { IntelRecord } from "../../vuln/intel/types.js";
import { lookUpKnown, type KnownFindings } from "./known-findings.js";
import type { KnownIndex } from "./known-index.js";
import type { FindingIds } from "./pending-rows.js";
import type { VulnerabilityNote, VulnerabilityNotes } from "./staging.js";

/** A batch of the report, fingerprinted and placed in the import, with what the store knows of it. */
export interface Arrival {
  readonly batch: readonly Finding[];
  readonly prints: readonly string[];
  /** Each finding's index in the import's identity table. */
  readonly indices: Int32Array;
  /** Whether each finding is the first of its identity in this import. */
  readonly firstInImport: readonly boolean[];
  /**
   * The stored findings among the first ones (by their order among the first ones), and ids for the
   * others, in ascending order.
   */
  readonly known: Promise<{ existing: KnownFindings; freshIds: number[] }>;
  /** Each finding's vulnerability in the import, whose `intel` is set once `prepared` resolves. */
  readonly notes: readonly VulnerabilityNote[];
  /**
   * Each finding's intel as its note had it on arrival: undefined for vulnerabilities whose intel was
   * still to come (read it from `notes` then). Read here, a finding's intel costs no visit to its note.
   */
  readonly intels: readonly (IntelRecord | undefined)[];
  /** What deciding the batch needs, fetched (`FindingDecider.intelFor`, else `prepare`). */
  readonly prepared: Promise<void>;
}

/**
 * Fingerprint a batch as it arrives and place it in the import (`inImport`), then start looking its new
 * identities up in the store, taking ids for those the store lacks, and noting its vulnerabilities and
 * fetching the intel of those new to the import (`intelFor`; `prepare` for a decider without it),
 * without waiting: the import decides the batches before while the database answers for this one. Ids are
 * taken one batch after the other (`ids.after`), so new findings are numbered in report order whatever
 * order the answers come in.
 *
 * A lookup that fails rejects `known` (or `prepared`); it is marked handled here so that it fails the
 * import when awaited, not the process before then.
 *
 * @example
 * const next = arrive(batch, { inImport, reader, bulk: false, ids, notes });
 * // ... decide the batch before ...
 * const { existing, freshIds } = await next.known;
 */
export function arrive(
  batch: readonly Finding[],
  ctx: {
    readonly inImport: IdentityTable;
    readonly reader: Queryable;
    /** Loading an empty store: nothing can be known, so nothing is looked up. */
    readonly bulk: boolean;
    /**
     * Every stored finding, read at the start of the import: looked up there instead (`KnownIndex`),
     * unless there were too many to hold (null).
     */
    readonly preloaded?: Promise<KnownIndex | null> | undefined;
    readonly ids: IdQueue;
    /** What the import notes of each vulnerability (the batch's findings are added to it here). */
    readonly notes: VulnerabilityNotes;
    /** Fetch the intel of vulnerabilities new to the import (`FindingDecider.intelFor`). */
    readonly intelFor?: ((cves: readonly string[]) => Promise<readonly IntelRecord[]>) | undefined;
    /** Fetch what deciding a batch needs, for a decider without `intelFor` (`FindingDecider.prepare`). */
    readonly prepare?: ((batch: readonly Finding[]) => Promise<void>) | undefined;
  },
): Arrival {
  const prints = batch.map((f) => fingerprint(f));
  const indices = new Int32Array(batch.length);
  const firstInImport: boolean[] = [];
  const toLookUp: string[] = [];
  for (let i = 0; i < prints.length; i++) {
    const fp = prints[i]!;
    const before = ctx.inImport.size;
    // The first 64 bits of the SHA-256 fingerprint key this import's table.
    const index = ctx.inImport.indexOfHash(
      parseInt(fp.slice(0, 8), 16) | 0,
      parseInt(fp.slice(8, 16), 16) | 0,
    );
    indices[i] = index;
    const first = index === before;
    firstInImport.push(first);
    if (first) toLookUp.push(fp);
  }
  const existing = ctx.bulk
    ? Promise.resolve(NONE_KNOWN)
    : ctx.preloaded
      ? ctx.preloaded.then((index) =>
          index ? index.lookUp(toLookUp) : lookUpKnown(ctx.reader, toLookUp, needed(batch, firstInImport)),
        )
      : lookUpKnown(ctx.reader, toLookUp, needed(batch, firstInImport));
  const known = ctx.ids.after(existing, (found) => toLookUp.length - found.found);
  known.catch(() => undefined);
  // Each finding's vulnerability is looked up here, once, and its intel taken from the note while the
  // note is at hand; vulnerabilities new to the import (`fresh`) get theirs when it comes.
  const notes: VulnerabilityNote[] = [];
  const intels: (IntelRecord | undefined)[] = [];
  const fresh: VulnerabilityNote[] = [];
  for (const f of batch) {
    const { note, first } = ctx.notes.add(f);
    if (first) fresh.push(note);
    notes.push(note);
    intels.push(note.intel);
  }
  const intelFor = ctx.intelFor;
  const prepared = intelFor
    ? fresh.length === 0
      ? Promise.resolve()
      : intelFor(fresh.map((n) => n.vulnId)).then((records) => {
          for (let i = 0; i < fresh.length; i++) fresh[i]!.intel = records[i];
        })
    : ctx.prepare
      ? ctx.prepare(batch)
      : Promise.resolve();
  prepared.catch(() => undefined);
  return { batch, prints, indices, firstInImport, known, notes, intels, prepared };
}

/**
 * Ids taken from `FindingIds` one request after the other, each once the lookup it depends on answers.
 *
 * @example
 * const ids = new IdQueue(findingIds, reader);
 * const { existing, freshIds } = await ids.after(lookup, (known) => wanted - known.found);
 */
export class IdQueue {
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ids: FindingIds,
    private readonly db: Queryable,
  ) {}

  after(
    lookup: Promise<KnownFindings>,
    count: (existing: KnownFindings) => number,
  ): Promise<{ existing: KnownFindings; freshIds: number[] }> {
    // Awaited below, maybe only after it failed: handled from now on.
    lookup.catch(() => undefined);
    const turn = this.last.then(async () => {
      const existing = await lookup;
      const fresh = count(existing);
      // Taken in ascending order; handed out from the end (`pop`), as the new findings come.
      const freshIds = fresh > 0 ? (await this.ids.take(this.db, fresh)).reverse() : [];
      return { existing, freshIds };
    });
    this.last = turn.catch(() => undefined);
    return turn;
  }

  /** Wait for every request so far to finish (or fail). */
  async settle(): Promise<void> {
    await this.last;
  }
}

const NONE_KNOWN: KnownFindings = { at: [], found: 0 };

/** Which stored evidence `mergeEvidence` can read for the first-seen findings of a batch. */
function needed(
  batch: readonly Finding[],
  first: readonly boolean[],
): { cvss3: boolean; cvss4: boolean; severity: boolean } {
  let cvss3 = false;
  let cvss4 = false;
  let severity = false;
  for (let i = 0; i < batch.length; i++) {
    if (!first[i]) continue;
    const f = batch[i]!;
    if (f.cvss3 === null) cvss3 = true;
    if (f.cvss4 === null) cvss4 = true;
    if (f.severity === "unknown") severity = true;
  }
  return { cvss3, cvss4, severity };
}
