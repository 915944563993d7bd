/**
 * PostgreSQL's binary COPY format, read row by row across the chunks it comes in: an 11-byte signature,
 * flags and a header extension, then each row as a field count and each field as its length (-1 for
 * NULL) and bytes, and a field count of -1 at the end.
 */
export class CopyReader {
  private pending: Buffer = Buffer.alloc(0);
  private header = false;
  private ended = false;

  constructor(private readonly fields: number) {}

  /** Hand each complete row to `into` (where its first field begins); keep the rest for the next chunk. */
  push(chunk: Buffer, into: RowSink): void {
    if (this.ended) throw new Error("binary COPY data after its end");
    let buf = chunk;
    if (this.pending.length > 0 && this.header) {
      // The row begun in the last chunk, completed from this one's first bytes (rows are short), then
      // the rest read where it is: copying every chunk behind the last one's tail cost as much again.
      const head = Buffer.concat([this.pending, chunk.subarray(0, Math.min(chunk.length, STRADDLE))]);
      const done = this.rows(head, 0, into, 1);
      if (done > this.pending.length) buf = chunk.subarray(done - this.pending.length);
      else if (head.length === this.pending.length + chunk.length) {
        this.pending = head;
        return;
      } else buf = Buffer.concat([this.pending, chunk]); // a row longer than STRADDLE
      this.pending = EMPTY;
      if (this.ended) {
        if (buf.length > 0) throw new Error("binary COPY data after its end");
        return;
      }
    } else if (this.pending.length > 0) buf = Buffer.concat([this.pending, chunk]);
    let p = 0;
    if (!this.header) {
      if (buf.length < 19 || buf.length < 19 + buf.readInt32BE(15)) {
        this.pending = Buffer.from(buf);
        return;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error("not a binary COPY");
      p = 19 + buf.readInt32BE(15);
      this.header = true;
    }
    p = this.rows(buf, p, into, Infinity);
    this.pending = p < buf.length ? Buffer.from(buf.subarray(p)) : EMPTY;
    if (this.ended && this.pending.length > 0) throw new Error("binary COPY data after its end");
  }

  /** Read up to `most` complete rows of `buf` from `p` on (and the end, if it comes); gives where it stopped. */
  private rows(buf: Buffer, p: number, into: RowSink, most: number): number {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    for (let n = 0; n < most && p + 2 <= buf.length; n++) {
      const fields = view.getInt16(p);
      if (fields === -1) {
        this.ended = true;
        return p + 2;
      }
      if (fields !== this.fields)
        throw new Error(`a binary COPY row of ${fields} fields, not ${this.fields}`);
      // Find the row's end before reading it: it may go on in the next chunk.
      let q = p + 2;
      let f = 0;
      for (; f < fields && q + 4 <= buf.length; f++) q += 4 + Math.max(view.getInt32(q), 0);
      if (f < fields || q > buf.length) break;
      into.add(view, p + 2, buf);
      p = q;
    }
    return p;
  }

  /** Fail unless the COPY ended where it should. */
  end(): void {
    if (!this.ended || this.pending.length > 0) throw new Error("the binary COPY ended partway");
  }
}

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

const EMPTY = Buffer.alloc(0);

/** Bytes of a chunk that complete a row begun in the chunk before (longer rows take a slower path). */
const STRADDLE = 4096;

export interface RowSink {
  add(view: DataView, at: number, bytes: Uint8Array): void;
}
