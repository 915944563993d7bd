import type { Detection } from "../inspect/types.js";
import type { AiEvent, AiEventDetection } from "../../services/ai/events.js";

/** Where the gateway sends finished AI events (the store's batched writer, or anything with `write`). */
export interface EventSink {
  write(event: AiEvent): void;
}

/**
 * Keyed hashes kept per detection type in one event: enough to correlate, bounded for huge prompts. A
 * credential, a person's data or a confidential term is a value worth finding again: up to 20 distinct
 * hashes, out of at most 80 worked out (a value repeated all over a log does not hide the next ones, nor
 * cost an HMAC per repeat). A source-code block, an injection phrase or an unsafe call is a span whose
 * bounds the detector chose, so its hash tells little beyond "the same paste again": the first 3
 * detections' hashes. Counts are kept in full. Each hash is an HMAC of the span (2-5 µs for a
 * 400-character block, most of it setting the HMAC up): a prompt of the same code block 29 times hashed
 * all 29 when only distinct hashes were counted.
 */
const MAX_HASHES = 20;
const MAX_HASHES_WORKED_OUT = 80;
const MAX_SPAN_HASHES = 3;
const VALUE_CLASSES: ReadonlySet<string> = new Set(["secret", "pii", "confidential"]);

/** One type's count and hashes in an event, with how many more hashes it may keep and work out. */
interface Entry {
  d: AiEventDetection;
  hashes: Set<string>;
  max: number;
  left: number;
}

/**
 * Folds detections into the audit record's shape: counts by class and type for the request and the
 * response, with the keyed hashes of what was found (never the values).
 *
 * @example
 * const tally = new DetectionTally();
 * tally.add("request", detections);
 * event.detections = tally.list();
 */
export class DetectionTally {
  private readonly byKey = new Map<string, Entry>();

  add(where: "request" | "response", detections: readonly Detection[]): void {
    // Detections come sorted by position, so runs of one type (29 code blocks) are common: the entry of
    // the one before is reused without building and looking up its key again.
    let lastType = "";
    let lastClass = "";
    let entry: Entry | undefined;
    for (const d of detections) {
      if (entry === undefined || d.type !== lastType || d.dataClass !== lastClass) {
        const key = `${where}\u0000${d.dataClass}\u0000${d.type}`;
        entry = this.byKey.get(key);
        if (entry === undefined) {
          const value = VALUE_CLASSES.has(d.dataClass);
          entry = {
            d: { dataClass: d.dataClass, type: d.type, count: 0, where, hashes: [] },
            hashes: new Set(),
            max: value ? MAX_HASHES : MAX_SPAN_HASHES,
            left: value ? MAX_HASHES_WORKED_OUT : MAX_SPAN_HASHES,
          };
          this.byKey.set(key, entry);
        }
        lastType = d.type;
        lastClass = d.dataClass;
      }
      (entry.d as { count: number }).count++;
      if (entry.left > 0 && entry.hashes.size < entry.max) {
        entry.left--;
        entry.hashes.add(d.hash);
      }
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  list(): AiEventDetection[] {
    return [...this.byKey.values()].map(({ d, hashes }) => ({ ...d, hashes: [...hashes] }));
  }

  /** `pii=2, secret=1` for the decision header: classes and counts, nothing else. */
  summary(where: "request" | "response"): string {
    if (this.byKey.size === 0) return "";
    const byClass = new Map<string, number>();
    for (const { d } of this.byKey.values())
      if (d.where === where) byClass.set(d.dataClass, (byClass.get(d.dataClass) ?? 0) + d.count);
    let out = "";
    for (const [c, n] of byClass) out += `${out === "" ? "" : ", "}${c}=${n}`;
    return out;
  }
}
