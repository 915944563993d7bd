import type { KnownFinding, KnownFindings } from "./known-findings.js";
import { CopyReader } from "./copy-reader.js";
import { TextInterner } from "./text-interner.js";

/**
 * Every stored finding, as an import needs it (`KnownFinding`), read in one pass over the table and kept
 * in typed arrays keyed by fingerprint: what an import of a report about as large as the store looks its
 * findings up in, instead of asking the database batch by batch (`lookUpKnown`).
 *
 * Looking a million findings up batch by batch is a million random probes of the fingerprint index. With
 * the table streaming through the database's buffers (each found finding's row is read too), nearly
 * every probe misses the cache: in a re-import of 1,000,000 findings the lookups took 13.6-16.1 s of the
 * database's time, more than anything else it did. One sequential pass over the table takes it about a
 * second, through a small ring of buffers that leaves the cache alone.
 *
 * Values are exactly what `lookUpKnown` gives, so that an import decides the same either way (a `real`
 * is the number of the text PostgreSQL writes for it, which `lookUpKnown` reads). Texts are kept once
 * each (`TextInterner`).
 *
 * @example
 * const index = await KnownIndex.load(store.copyOut!(KnownIndex.QUERY));
 * index.lookUp(prints).at[0]?.id // the stored id of prints[0], if any
 */
export class KnownIndex {
  /** The query whose binary COPY `load` reads: one row per stored finding, fields in this order. */
  static readonly QUERY = `SELECT fingerprint, id, first_seen, content_hash, scanner_kev,
      exploit_available, status, severity, cvss3_vector, cvss4_vector, scanner_epss,
      scanner_epss_percentile, cvss3_score, cvss4_score
    FROM findings`;

  /**
   * Open addressing on the fingerprint's first 32 bits: each slot holds a fingerprint's first three
   * 32-bit words and its row + 1 (0 for an empty slot), side by side so that a probe costs one cache
   * miss (a table of a million findings is far larger than the processor's caches). The fourth word is
   * the row's own (`last`).
   */
  private slots = new Int32Array(0);
  private mask = 0;
  private last = new Int32Array(0);
  private ids = new Float64Array(0);
  private firstSeen = new Float64Array(0);
  /** NaN for NULL. */
  private hashes = new Float64Array(0);
  /**
   * Two bits each for scanner_kev and exploit_available (0 NULL, 1 false, 2 true), then one bit per
   * `reals` column set when it is NULL.
   */
  private flags = new Uint16Array(0);
  /** `TEXTS` codes per row into `texts` (-1 for NULL). */
  private textCodes = new Int32Array(0);
  private readonly texts = new TextInterner();
  /** `REALS` values per row. */
  private reals = new Float32Array(0);
  /** What `lookUpKnown` gives for a `real` (the number its text reads as), by its value. */
  private readonly realNumbers = new Map<number, number>();
  /**
   * Findings whose fingerprint's first 96 bits another stored fingerprint has too (never, in practice:
   * about once in 10^17 stores of a million findings), by their whole fingerprint.
   */
  private readonly overflow = new Map<string, KnownFinding>();
  private rows = 0;

  /** Stored findings held. */
  get size(): number {
    return this.rows + this.overflow.size;
  }

  /**
   * Read the binary COPY of `QUERY` as it comes, with room made for `expected` rows up front; null,
   * having stopped reading, once it holds more than `most`. Rejects when `signal` aborts, at the next
   * chunk (give the same signal to `Store.copyOut`, which then stops the COPY without waiting for one).
   */
  static async load(
    chunks: AsyncIterable<Buffer>,
    options: { readonly expected?: number; readonly most?: number; readonly signal?: AbortSignal } = {},
  ): Promise<KnownIndex | null> {
    const most = options.most ?? Infinity;
    const index = new KnownIndex();
    index.grow(Math.min(Math.max(options.expected ?? 0, 0), most));
    const reader = new CopyReader(FIELDS);
    for await (const chunk of chunks) {
      options.signal?.throwIfAborted();
      reader.push(chunk, index);
      // Leaving the loop closes the COPY.
      if (index.size > most) return null;
    }
    reader.end();
    return index;
  }

  /** The stored findings among `fingerprints`, each at its fingerprint's position (as `lookUpKnown`). */
  lookUp(fingerprints: readonly string[]): KnownFindings {
    const at = new Array<KnownFinding | undefined>(fingerprints.length);
    let found = 0;
    for (let i = 0; i < fingerprints.length; i++) {
      const known = this.findingOf(fingerprints[i]!);
      if (known) {
        at[i] = known;
        found++;
      }
    }
    return { at, found };
  }

  private findingOf(fp: string): KnownFinding | undefined {
    if (fp.length !== 32 || this.rows === 0) return undefined;
    const a = hexWord(fp, 0);
    const b = hexWord(fp, 8);
    const c = hexWord(fp, 16);
    const slots = this.slots;
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      const s = 4 * i;
      const row = slots[s + 3]! - 1;
      if (row < 0) break;
      if (slots[s] === a && slots[s + 1] === b && slots[s + 2] === c) {
        if (this.last[row] === hexWord(fp, 24)) return this.finding(row);
        break;
      }
    }
    return this.overflow.size > 0 ? this.overflow.get(fp) : undefined;
  }

  private finding(row: number): KnownFinding {
    const flags = this.flags[row]!;
    const t = row * TEXTS;
    const r = row * REALS;
    const text = (k: number): string | null => this.texts.text(this.textCodes[t + k]!);
    const real = (k: number): number | null =>
      flags & (16 << k) ? null : this.realNumber(this.reals[r + k]!);
    const hash = this.hashes[row]!;
    return {
      id: this.ids[row]!,
      first_seen: new Date(this.firstSeen[row]!),
      status: text(STATUS) ?? "",
      scanner_epss: real(EPSS),
      scanner_epss_percentile: real(EPSS_PERCENTILE),
      scanner_kev: flag(flags & 3),
      exploit_available: flag((flags >> 2) & 3),
      content_hash: Number.isNaN(hash) ? null : hash,
      severity: text(SEVERITY) ?? "",
      cvss3_vector: text(CVSS3_VECTOR),
      cvss3_score: real(CVSS3_SCORE),
      cvss4_vector: text(CVSS4_VECTOR),
      cvss4_score: real(CVSS4_SCORE),
    };
  }

  /**
   * The number PostgreSQL's text of a `real` reads as: its shortest decimal that reads back as the same
   * `real`, as PostgreSQL 12 and later write it by default (`lookUpKnown` parses that text). The nearest
   * decimal of each length is tried, which is PostgreSQL's except where a power of two leaves it a
   * wider choice on one side, far from the values these columns hold (EPSS to five places, CVSS to one).
   */
  private realNumber(value: number): number {
    if (Object.is(value, -0)) return -0;
    let n = this.realNumbers.get(value);
    if (n === undefined) {
      n = value;
      if (Number.isFinite(value))
        for (let digits = 1; digits <= 9; digits++) {
          const shortest = Number(value.toPrecision(digits));
          if (Math.fround(shortest) === value) {
            n = shortest;
            break;
          }
        }
      this.realNumbers.set(value, n);
    }
    return n;
  }

  /**
   * One row of the COPY (its fields from `at` in `view`), read into the next free row. The row is kept
   * unless its fingerprint is not 32 lowercase hex digits (no import's can match it) or another row's
   * fingerprint has its first 96 bits (then it goes aside, to `overflow`).
   */
  add(view: DataView, at: number, bytes: Uint8Array): void {
    // The fingerprint's 32 hex digits as four words, read here: PostgreSQL's own decoding and a check
    // that every stored fingerprint is hex cost it more (2.4-2.5 s for 1,000,000 rows against 1.0 s).
    if (view.getInt32(at) !== 32) return;
    const fp = hexWords(bytes, at + 4);
    if (fp === null) return;
    const a = fp[0]!;
    const b = fp[1]!;
    const c = fp[2]!;
    const d = fp[3]!;
    const row = this.rows;
    if (row === this.ids.length) this.grow(2 * row);
    // id and first_seen are never NULL.
    this.ids[row] = int8(view, at + 40);
    // Microseconds since 2000-01-01 UTC, to milliseconds since 1970 (rounded down, as lookUpKnown's).
    this.firstSeen[row] = Math.floor(int8(view, at + 52) / 1000) + 946_684_800_000;
    let p = at + 60;
    if (view.getInt32(p) < 0) {
      this.hashes[row] = Number.NaN;
      p += 4;
    } else {
      this.hashes[row] = int8(view, p + 4);
      p += 12;
    }
    let flags = 0;
    for (let shift = 0; shift < 4; shift += 2) {
      if (view.getInt32(p) < 0) p += 4;
      else {
        flags |= (bytes[p + 4] === 0 ? 1 : 2) << shift;
        p += 5;
      }
    }
    const t = row * TEXTS;
    for (let k = 0; k < TEXTS; k++) {
      const length = view.getInt32(p);
      p += 4;
      if (length < 0) this.textCodes[t + k] = -1;
      else {
        this.textCodes[t + k] = this.texts.intern(bytes, p, length);
        p += length;
      }
    }
    const r = row * REALS;
    for (let k = 0; k < REALS; k++) {
      if (view.getInt32(p) < 0) {
        flags |= 16 << k;
        p += 4;
      } else {
        this.reals[r + k] = view.getFloat32(p + 4);
        p += 8;
      }
    }
    this.flags[row] = flags;
    if (this.place(a, b, c, d, row)) this.rows++;
    // The first 96 bits are another row's: kept aside, and this row's place is the next one's.
    else this.overflow.set(hex([a, b, c, d]), this.finding(row));
  }

  /**
   * Place a row's fingerprint (its four 32-bit words); false when another row's fingerprint has the same
   * first 96 bits (which `findingOf` would not tell apart).
   */
  private place(a: number, b: number, c: number, d: number, row: number): boolean {
    const slots = this.slots;
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      const s = 4 * i;
      if (slots[s + 3] === 0) {
        slots[s] = a;
        slots[s + 1] = b;
        slots[s + 2] = c;
        slots[s + 3] = row + 1;
        this.last[row] = d;
        return true;
      }
      if (slots[s] === a && slots[s + 1] === b && slots[s + 2] === c) return false;
    }
  }

  /** Room for `rows` rows, the slots at most half full. */
  private grow(rows: number): void {
    const n = Math.max(1024, rows);
    const widen = <A extends Int32Array | Float64Array | Float32Array | Uint16Array>(
      old: A,
      make: new (n: number) => A,
      per = 1,
    ): A => {
      const a = new make(n * per);
      a.set(old);
      return a;
    };
    this.last = widen(this.last, Int32Array);
    this.ids = widen(this.ids, Float64Array);
    this.firstSeen = widen(this.firstSeen, Float64Array);
    this.hashes = widen(this.hashes, Float64Array);
    this.flags = widen(this.flags, Uint16Array);
    this.textCodes = widen(this.textCodes, Int32Array, TEXTS);
    this.reals = widen(this.reals, Float32Array, REALS);
    let capacity = 1024;
    while (capacity < 2 * n) capacity *= 2;
    const old = this.slots;
    this.slots = new Int32Array(4 * capacity);
    this.mask = capacity - 1;
    for (let s = 0; s < old.length; s += 4) {
      if (old[s + 3] === 0) continue;
      let i = old[s]! & this.mask;
      while (this.slots[4 * i + 3] !== 0) i = (i + 1) & this.mask;
      this.slots.set(old.subarray(s, s + 4), 4 * i);
    }
  }
}

/** Fields in each row of `KnownIndex.QUERY`. */
const FIELDS = 14;

// The text columns of `QUERY`, in order.
const STATUS = 0;
const SEVERITY = 1;
const CVSS3_VECTOR = 2;
const CVSS4_VECTOR = 3;
const TEXTS = 4;

// Its `real` columns, in order.
const EPSS = 0;
const EPSS_PERCENTILE = 1;
const CVSS3_SCORE = 2;
const CVSS4_SCORE = 3;
const REALS = 4;

function flag(bits: number): boolean | null {
  return bits === 0 ? null : bits === 2;
}

/** An int8 at `at` (within 2^53, as ids, times and hashes are). */
function int8(view: DataView, at: number): number {
  return view.getInt32(at) * 0x1_0000_0000 + view.getUint32(at + 4);
}

/** The 32 bits of the 8 lowercase hex digits at `from` in a fingerprint. */
function hexWord(fp: string, from: number): number {
  let v = 0;
  for (let i = from; i < from + 8; i++) {
    const c = fp.charCodeAt(i);
    v = (v << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return v;
}

/** The four 32-bit words of 32 lowercase hex digits at `at`; null if any is something else. */
function hexWords(buf: Uint8Array, at: number): Int32Array | null {
  const out = HEX_WORDS;
  let bad = 0;
  for (let w = 0; w < 4; w++) {
    let v = 0;
    for (let i = at + 8 * w; i < at + 8 * w + 8; i++) {
      const digit = HEX_DIGITS[buf[i]!]!;
      bad |= digit;
      v = (v << 4) | digit;
    }
    out[w] = v;
  }
  return bad < 0 ? null : out;
}

/** Each byte's value as a lowercase hex digit, -1 for any other byte. */
const HEX_DIGITS = Int8Array.from({ length: 256 }, (_, c) =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1,
);

const HEX_WORDS = new Int32Array(4);

/** 32-bit words as lowercase hex, 8 digits each. */
function hex(words: readonly number[]): string {
  return words.map((w) => (w >>> 0).toString(16).padStart(8, "0")).join("");
}
