/**
 * Each distinct text once, found by its UTF-8 bytes rather than decoded to be looked up in a Map: a
 * million rows repeat a few hundred statuses, severities and CVSS vectors.
 */
export class TextInterner {
  private readonly strings: string[] = [];
  private readonly bytes: Uint8Array[] = [];
  /** Open addressing on the bytes' hash: code + 1, 0 for an empty slot. */
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(1024);

  /** The code of the text in `buf` at `start` (`length` bytes), a new one for a text not seen before. */
  intern(buf: Uint8Array, start: number, length: number): number {
    let h = 0x811c9dc5 ^ length;
    for (let i = start; i < start + length; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const code = this.slots[i]! - 1;
      if (code < 0) break;
      if (this.hashes[i] === h && same(this.bytes[code]!, buf, start, length)) return code;
    }
    const code = this.strings.length;
    // A copy: a view would keep the whole chunk it came in alive.
    const copy = new Uint8Array(buf.subarray(start, start + length));
    this.bytes.push(copy);
    this.strings.push(Buffer.from(copy.buffer, copy.byteOffset, length).toString("utf8"));
    if (2 * (code + 1) > this.slots.length) this.rehash();
    this.insert(h, code);
    return code;
  }

  /** The text of a code; null for -1 (NULL). */
  text(code: number): string | null {
    return code < 0 ? null : this.strings[code]!;
  }

  private insert(h: number, code: number): void {
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = code + 1;
    this.hashes[i] = h;
  }

  private rehash(): void {
    const { slots, hashes } = this;
    this.slots = new Int32Array(slots.length * 2);
    this.hashes = new Int32Array(slots.length * 2);
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) this.insert(hashes[i]!, slots[i]! - 1);
  }
}

function same(known: Uint8Array, buf: Uint8Array, start: number, length: number): boolean {
  if (known.length !== length) return false;
  for (let i = 0; i < length; i++) if (known[i] !== buf[start + i]) return false;
  return true;
}
