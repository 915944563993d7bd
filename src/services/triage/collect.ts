import type { Finding } from "../../vuln/finding.js";
import { IdentityTable } from "../../vuln/identity-table.js";

/** What the accumulator needs from a decision: the outcome rank (-1 when closed) and the score. */
export interface Ranked {
  readonly rank: number;
  readonly score: number;
  /** Whether the finding's asset key matched an asset of the inventory. */
  readonly matched: boolean;
}

const KEV_TRUE = 1;
const KEV_FALSE = 2;
const EXPLOIT_TRUE = 4;
const EXPLOIT_FALSE = 8;

/**
 * Accumulates findings from any number of reports for a stateless triage, in memory proportional to what
 * can be escalated rather than to everything read. Every finding is ranked as it arrives; per distinct
 * finding only its rank, score and the evidence reports carry (EPSS, exploit flags) stay in typed arrays,
 * and the finding itself is kept only when its rank could be escalated (at or above `keepFrom`, or every
 * finding with `keepAll`). Two scanners reporting one identity (see `vuln/fingerprint.ts`) become one
 * finding: evidence accumulates and the finding is ranked again on the merged evidence.
 *
 * @example
 * const acc = new FindingAccumulator((f) => rankOf(f), 2, false);
 * for await (const batch of report.findings) for (const f of batch) acc.add(f);
 */
export class FindingAccumulator {
  /** Findings read, duplicates included. */
  read = 0;
  /** Distinct findings whose asset key matched no asset. */
  unmatched = 0;
  private readonly table = new IdentityTable();
  private ranksArr = new Int8Array(1024);
  private scoresArr = new Float32Array(1024);
  private epss = new Float32Array(1024);
  private percentile = new Float32Array(1024);
  private flags = new Uint8Array(1024);
  /** First scanner of each finding, as an index into `scannerNames` (a handful of distinct scanners). */
  private firstScanner = new Uint16Array(1024);
  private readonly scannerIds = new Map<string, number>();
  private readonly scannerNames: string[] = [];
  private readonly kept = new Map<number, Finding>();
  private readonly scanners = new Map<number, Set<string>>();

  constructor(
    private readonly rank: (f: Finding) => Ranked,
    private readonly keepFrom: number,
    private readonly keepAll: boolean,
  ) {}

  /** Distinct findings. */
  get size(): number {
    return this.table.size;
  }

  /** Outcome rank per distinct finding (-1 closed), and score; length `size`. */
  get ranks(): Int8Array {
    return this.ranksArr.subarray(0, this.size);
  }

  get scores(): Float32Array {
    return this.scoresArr.subarray(0, this.size);
  }

  /** The kept finding at `index`, if it was kept. */
  finding(index: number): Finding | undefined {
    return this.kept.get(index);
  }

  /** Every scanner that reported the kept finding at `index`. */
  scannersOf(index: number): string[] {
    const set = this.scanners.get(index);
    return set ? [...set].sort() : [];
  }

  add(f: Finding): void {
    this.read++;
    const before = this.table.size;
    const i = this.table.indexOf(f);
    if (i === before) {
      if (i === this.ranksArr.length) this.grow();
      const r = this.rank(f);
      this.ranksArr[i] = r.rank;
      this.scoresArr[i] = r.score;
      if (!r.matched) this.unmatched++;
      this.epss[i] = f.epss ? f.epss.score : NaN;
      this.percentile[i] = f.epss ? f.epss.percentile : NaN;
      this.flags[i] = flagsOf(f);
      this.firstScanner[i] = this.scannerId(f.scanner);
      if (this.keepAll || r.rank >= this.keepFrom) this.keep(i, f);
      return;
    }
    this.merge(i, f);
  }

  /** Evidence accumulates: the highest EPSS, any exploit flag; rank and score never go down. */
  private merge(i: number, f: Finding): void {
    const flags = this.flags[i]! | flagsOf(f);
    const oldEpss = this.epss[i]!;
    const epss =
      !Number.isNaN(oldEpss) && (!f.epss || oldEpss > f.epss.score)
        ? { score: oldEpss, percentile: this.percentile[i]! }
        : f.epss;
    const kept = this.kept.get(i);
    const merged: Finding = {
      ...(kept ?? f),
      epss,
      knownExploited: flags & KEV_TRUE ? true : flags & KEV_FALSE ? false : null,
      exploitAvailable: flags & EXPLOIT_TRUE ? true : flags & EXPLOIT_FALSE ? false : null,
      cvss3: kept?.cvss3 ?? f.cvss3,
      cvss4: kept?.cvss4 ?? f.cvss4,
      fixedVersions: kept && kept.fixedVersions.length > 0 ? kept.fixedVersions : f.fixedVersions,
      severity: kept && kept.severity !== "unknown" ? kept.severity : f.severity,
      title: kept?.title || f.title,
      references: kept && kept.references.length > 0 ? kept.references : f.references,
    };
    const r = this.rank(merged);
    if (r.rank > this.ranksArr[i]! || (r.rank === this.ranksArr[i]! && r.score > this.scoresArr[i]!)) {
      this.ranksArr[i] = r.rank;
      this.scoresArr[i] = r.score;
    }
    this.epss[i] = epss ? epss.score : NaN;
    this.percentile[i] = epss ? epss.percentile : NaN;
    this.flags[i] = flags;
    if (kept || this.keepAll || this.ranksArr[i]! >= this.keepFrom) this.keep(i, merged, f.scanner);
  }

  private keep(i: number, f: Finding, alsoScanner?: string): void {
    this.kept.set(i, f);
    let set = this.scanners.get(i);
    if (!set) this.scanners.set(i, (set = new Set([this.scannerNames[this.firstScanner[i]!]!])));
    set.add(f.scanner);
    if (alsoScanner) set.add(alsoScanner);
  }

  private scannerId(name: string): number {
    let id = this.scannerIds.get(name);
    if (id === undefined) {
      id = this.scannerNames.length;
      this.scannerIds.set(name, id);
      this.scannerNames.push(name);
    }
    return id;
  }

  private grow(): void {
    const n = this.ranksArr.length * 2;
    this.ranksArr = resized(this.ranksArr, new Int8Array(n));
    this.scoresArr = resized(this.scoresArr, new Float32Array(n));
    this.epss = resized(this.epss, new Float32Array(n));
    this.percentile = resized(this.percentile, new Float32Array(n));
    this.flags = resized(this.flags, new Uint8Array(n));
    this.firstScanner = resized(this.firstScanner, new Uint16Array(n));
  }
}

function flagsOf(f: Finding): number {
  return (
    (f.knownExploited === true ? KEV_TRUE : f.knownExploited === false ? KEV_FALSE : 0) |
    (f.exploitAvailable === true ? EXPLOIT_TRUE : f.exploitAvailable === false ? EXPLOIT_FALSE : 0)
  );
}

function resized<T extends Int8Array | Uint8Array | Uint16Array | Float32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
