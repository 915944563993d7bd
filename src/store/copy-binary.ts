import { daysFromCivil } from "../vuln/triage/dates.js";

/**
 * Rows in PostgreSQL's binary COPY format, written straight into byte buffers: each row is a field count,
 * then each field as its length and its value in the type's binary form (NULL as length -1). The
 * database does not parse text back into numbers, dates and arrays (a fifth less of its work on an import
 * than COPY's text format), and JavaScript builds no row strings to be joined, flattened and encoded.
 *
 * The writer must write each column in the binary form of the column's exact type (`float4` for `real`,
 * `int8` for `bigint`, ...): binary COPY converts nothing.
 *
 * @example
 * const rows = new BinaryCopyRows();
 * rows.row(3);
 * rows.int8(1);
 * rows.text("CVE-2024-3094");
 * rows.float4(9.8);
 * await tx.copyFrom("t", ["id", "vuln_id", "score"], rows.take(), { binary: true });
 */
export class BinaryCopyRows {
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.buf.buffer);
  private pos = 0;
  /** Where the row being written starts in `buf` (rows never move once a later row begins). */
  private rowStart = 0;
  private full: Uint8Array[] = [];
  private rowCount = 0;

  /** Rows written since the last `take`. */
  get rows(): number {
    return this.rowCount;
  }

  /** Begin a row of `fields` values. */
  row(fields: number): void {
    if (this.pos + 2 > this.buf.length) this.grow(2, true);
    this.rowStart = this.pos;
    this.view.setInt16(this.pos, fields);
    this.pos += 2;
    this.rowCount++;
  }

  /** Forget the row being written. */
  dropRow(): void {
    this.pos = this.rowStart;
    this.rowCount--;
  }

  /** Bytes written so far in the current row (a mark for `hashSince`). */
  get rowOffset(): number {
    return this.pos - this.rowStart;
  }

  /**
   * A 53-bit hash (two 32-bit FNV-1a lanes over 32-bit words, joined within Number's exact integers) of
   * the current row's bytes from `offset` (a `rowOffset`) on, continued over `more` strings. Not
   * cryptographic.
   */
  hashSince(offset: number, ...more: readonly string[]): number {
    let a = 0x811c9dc5;
    let b = 0x050c5d1f;
    const buf = this.buf;
    const view = this.view;
    // Four bytes at a time (one little-endian load each), then the last few.
    let i = this.rowStart + offset;
    for (const end = this.pos - 3; i < end; i += 4) {
      const c = view.getInt32(i, true);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
    for (; i < this.pos; i++) {
      const c = buf[i]!;
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
    for (const text of more) {
      // A separator before each text, so that moving characters from one to the next changes it.
      a = Math.imul(a ^ 0xffff, 0x01000193);
      b = Math.imul(b ^ 0xffff, 0x01000193);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
      }
    }
    return (a >>> 0) * 0x200000 + (b >>> 11);
  }

  null(): void {
    this.ensure(4);
    this.view.setInt32(this.pos, -1);
    this.pos += 4;
  }

  /** `text`, UTF-8. NUL characters are dropped (PostgreSQL text cannot hold them), as COPY's text format does. */
  text(s: string | null): void {
    if (s === null) {
      this.null();
      return;
    }
    const n = s.length;
    this.ensure(4 + 3 * n);
    const buf = this.buf;
    const start = this.pos;
    let p = start + 4;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === 0) {
        p = this.encodeRest(s, i, p);
        break;
      }
      buf[p++] = c;
    }
    this.view.setInt32(start, p - start - 4);
    this.pos = p;
  }

  /** `text[]`, one dimension (an empty array has none). */
  textArray(items: readonly string[] | null): void {
    if (items === null) {
      this.null();
      return;
    }
    this.ensure(4 + 20);
    const start = this.pos;
    const v = this.view;
    v.setInt32(start + 4, items.length > 0 ? 1 : 0);
    v.setInt32(start + 8, 0); // no NULL elements
    v.setInt32(start + 12, TEXT_OID);
    this.pos = start + 16;
    if (items.length > 0) {
      v.setInt32(start + 16, items.length);
      v.setInt32(start + 20, 1); // lower bound
      this.pos = start + 24;
    }
    // Elements may move the row to a new buffer (see `ensure`): its offset in the row stays.
    const offset = start - this.rowStart;
    for (const item of items) this.text(item);
    const at = this.rowStart + offset;
    this.view.setInt32(at, this.pos - at - 4);
  }

  /** `bigint`, from a safe integer. */
  int8(n: number | null): void {
    if (n === null || !Number.isFinite(n)) {
      this.null();
      return;
    }
    this.ensure(12);
    const v = this.view;
    v.setInt32(this.pos, 8);
    const hi = Math.floor(n / 0x1_0000_0000);
    v.setInt32(this.pos + 4, hi);
    v.setUint32(this.pos + 8, n - hi * 0x1_0000_0000);
    this.pos += 12;
  }

  /** `smallint`. */
  int2(n: number | null): void {
    if (n === null || !Number.isFinite(n)) {
      this.null();
      return;
    }
    this.ensure(6);
    this.view.setInt32(this.pos, 2);
    this.view.setInt16(this.pos + 4, n);
    this.pos += 6;
  }

  /** `real`; NaN and infinities are written as NULL, as COPY's text rows do. */
  float4(n: number | null): void {
    if (n === null || !Number.isFinite(n)) {
      this.null();
      return;
    }
    this.ensure(8);
    this.view.setInt32(this.pos, 4);
    this.view.setFloat32(this.pos + 4, n);
    this.pos += 8;
  }

  boolean(b: boolean | null): void {
    if (b === null) {
      this.null();
      return;
    }
    this.ensure(5);
    this.view.setInt32(this.pos, 1);
    this.buf[this.pos + 4] = b ? 1 : 0;
    this.pos += 5;
  }

  /** `date`, from `YYYY-MM-DD`. */
  date(day: string | null): void {
    if (day === null) {
      this.null();
      return;
    }
    this.ensure(8);
    this.view.setInt32(this.pos, 4);
    this.view.setInt32(this.pos + 4, pgDay(day));
    this.pos += 8;
  }

  /** `timestamptz`, from milliseconds since 1970. */
  timestamptz(ms: number): void {
    this.int8((ms - PG_EPOCH_MS) * 1000);
  }

  /**
   * Take back the buffers of rows from `take` once their COPY is over, for the rows written next: a
   * fresh buffer costs the system a page fault per 4 KiB, as much as writing the rows into it. Give each
   * `take`'s rows at most once, and only when nothing reads them any more.
   */
  static recycle(chunks: readonly Uint8Array[]): void {
    for (const c of chunks)
      if (c.buffer.byteLength === CHUNK_BYTES && spare.length < SPARE_BUFFERS)
        spare.push(new Uint8Array(c.buffer));
  }

  /** Every row written so far as one COPY's data (header and trailer included), and start over. */
  take(): Uint8Array[] {
    if (this.rowCount === 0) {
      this.reset();
      return [];
    }
    const out = [HEADER, ...this.full, this.buf.subarray(0, this.pos), TRAILER];
    this.reset();
    return out;
  }

  private reset(): void {
    this.full = [];
    this.buf = new Uint8Array(0);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
    this.rowStart = 0;
    this.rowCount = 0;
  }

  /**
   * Room for `n` more bytes. When the buffer is full, the rows before the current one are kept as they
   * are and the current row moves to the start of a new buffer, so that it can still be dropped or hashed.
   */
  private ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n, false);
  }

  private grow(n: number, newRow: boolean): void {
    const keepFrom = newRow ? this.pos : this.rowStart;
    const partial = this.pos - keepFrom;
    const size = Math.max(CHUNK_BYTES, 2 * (partial + n));
    const next = size === CHUNK_BYTES ? (spare.pop() ?? new Uint8Array(size)) : new Uint8Array(size);
    next.set(this.buf.subarray(keepFrom, this.pos));
    if (keepFrom > 0) this.full.push(this.buf.subarray(0, keepFrom));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.pos = partial;
    this.rowStart = 0;
  }

  private encodeRest(s: string, from: number, p: number): number {
    let rest = s.slice(from);
    if (rest.includes("\u0000")) rest = rest.split("\u0000").join("");
    const { written } = ENCODER.encodeInto(rest, this.buf.subarray(p));
    return p + written;
  }
}

/** Bytes per buffer: large enough that a round trip's rows take a few dozen. */
const CHUNK_BYTES = 256 * 1024;
/** Buffers kept for reuse (see `recycle`): a few writes' worth. */
const SPARE_BUFFERS = 64;
const spare: Uint8Array[] = [];
const TEXT_OID = 25;
const ENCODER = new TextEncoder();
/** 2000-01-01, PostgreSQL's epoch for dates and timestamps. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const HEADER = new Uint8Array([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
const TRAILER = new Uint8Array([0xff, 0xff]);

const days = new Map<string, number>();

const PG_EPOCH_DAY = 10_957;
const DASH = 0x2d;

/** The decimal number in `s` from `from` to `to`, or -1 when a character there is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Days from 2000-01-01 to `YYYY-MM-DD`. */
function pgDay(day: string): number {
  // `YYYY-MM-DD` with a four-digit year, read digit by digit: cheaper than looking the string up.
  if (day.length === 10 && day.charCodeAt(4) === DASH && day.charCodeAt(7) === DASH) {
    const y = digits(day, 0, 4);
    const m = digits(day, 5, 7);
    const d = digits(day, 8, 10);
    if (y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31) return daysFromCivil(y, m, d) - PG_EPOCH_DAY;
  }
  const hit = days.get(day);
  if (hit !== undefined) return hit;
  const m = /^(\d{4,})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new Error(`not a date: ${JSON.stringify(day)}`);
  const n = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) - PG_EPOCH_DAY;
  if (days.size >= 20_000) days.clear();
  days.set(day, n);
  return n;
}
