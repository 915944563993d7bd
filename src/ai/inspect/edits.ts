/**
 * Where a pass over a text (masking, putting placeholders back) tells what it replaced: the span
 * [start, end) of the text it read became `length` characters of the text it wrote. Spans come in
 * order and do not overlap. Offsets are UTF-16 code units, as JavaScript indexes strings.
 */
export interface EditLog {
  replaced(start: number, end: number, length: number): void;
}

/** Which end of a span an offset is: a span's start, or its (exclusive) end. */
export type OffsetSide = "start" | "end";

/**
 * The spans one pass replaced, kept to move an offset into the text it read (a citation's, which the
 * provider counted in its own text) to the same place in the text it wrote. An offset outside every
 * replaced span moves by the change of length of the spans before it; one inside a span moves to the
 * start of its replacement when it starts something, to the end when it ends something, so a cited span
 * that reaches into a mask covers the whole mask.
 *
 * Nothing is allocated until a span is replaced, and then three numbers per span: a pass that changed
 * nothing costs one small object.
 *
 * @example
 * const edits = new TextEdits();
 * edits.replaced(4, 44, 23); // a 40-character token masked as "[REDACTED_GITHUB_TOKEN]"
 * edits.map(48, "start"); // 31
 */
export class TextEdits implements EditLog {
  /** [start, end, change of length up to and including this span] for each span, in order. */
  #spans: number[] | undefined;
  #shift = 0;

  replaced(start: number, end: number, length: number): void {
    if (start === end && length === 0) return;
    this.#shift += length - (end - start);
    (this.#spans ??= []).push(start, end, this.#shift);
  }

  /** How much longer (or shorter, when negative) the text written is than the text read, so far. */
  get shift(): number {
    return this.#shift;
  }

  /** Where `offset` into the text read is in the text written (see the class comment). */
  map(offset: number, side: OffsetSide): number {
    const spans = this.#spans;
    if (spans === undefined) return offset;
    // The first span that ends after `offset`: those before it are wholly before the offset.
    let lo = 0;
    let hi = spans.length / 3;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (spans[mid * 3 + 1]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    const before = lo === 0 ? 0 : spans[lo * 3 - 1]!;
    const start = spans[lo * 3];
    if (start !== undefined && start < offset)
      return side === "start" ? start + before : spans[lo * 3 + 1]! + spans[lo * 3 + 2]!;
    return offset + before;
  }
}
