import { DetenteError } from "../../errors.js";
import type { IntelBatch, IntelMeta, IntelSource } from "./types.js";

/** Warnings kept per file; a feed with thousands of odd records should not carry thousands of strings. */
const MAX_WARNINGS = 25;

/**
 * Collects an intel file's metadata while its loader streams: version and date as the file states them,
 * counts, and a bounded list of warnings.
 *
 * @example
 * const meta = new MetaBuilder("kev");
 * meta.warn("kev.json: declares 1404 entries but lists 1403");
 * meta.snapshot().warnings.length; // 1
 */
export class MetaBuilder {
  version = "";
  date = "";
  count = 0;
  declaredCount: number | null = null;
  skipped = 0;
  private readonly warnings: string[] = [];
  private dropped = 0;

  constructor(readonly source: IntelSource) {}

  warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
    else this.dropped++;
  }

  /** A record that was read but yields no entry; with a message when the reason is worth telling. */
  skip(message?: string): void {
    this.skipped++;
    if (message) this.warn(message);
  }

  snapshot(): IntelMeta {
    const warnings =
      this.dropped > 0 ? [...this.warnings, `... and ${this.dropped} more warnings`] : [...this.warnings];
    return {
      source: this.source,
      version: this.version,
      date: this.date,
      count: this.count,
      declaredCount: this.declaredCount,
      skipped: this.skipped,
      warnings,
    };
  }
}

/** What every loader receives besides its input. */
export interface LoadContext {
  /** The file (or directory) name used in messages. */
  readonly name: string;
  readonly meta: MetaBuilder;
  /** Entries per yielded batch, about. */
  readonly batchSize: number;
}

/** A loader: decoded chunks in, batches out. Throws DetenteError("INVALID_INPUT") naming file and line. */
export type IntelReader = (chunks: AsyncIterable<Uint8Array>, ctx: LoadContext) => AsyncGenerator<IntelBatch>;

/**
 * An error about one JSON element, located by the reader offset just past it. `openIntelFile` turns the
 * offset into "in the entry ending at line N" once the stream is closed.
 *
 * @example throw entryError("kev.json", reader.offset, 'vulnerabilities[3]: "cveID" is missing');
 */
export function entryError(file: string, charOffset: number, reason: string): DetenteError {
  return new DetenteError(
    "INVALID_INPUT",
    `${file}: ${reason} (in the entry ending at character ${charOffset})`,
    {
      file,
      charOffset,
      reason,
      entryEnd: true,
    },
  );
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * True for a `YYYY-MM-DD` date that exists in the calendar.
 *
 * @example isIsoDate("2024-02-29") // true; isIsoDate("2023-02-29") // false
 */
export function isIsoDate(value: string): boolean {
  if (!DATE_RE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

/**
 * A value shortened for an error message, so a hostile file cannot make messages huge.
 *
 * @example preview("x".repeat(100), 5) // "xxxxx..."
 */
export function preview(value: unknown, max = 60): string {
  const s = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/**
 * Cut `pending` into parts of exactly `size` entries (plus, when `all`, the remainder) and remove them
 * from it. Batches stay within `size` however many entries one input chunk held, so a store can insert
 * each batch as one statement without reaching a database's parameter limit.
 *
 * @example const pending = [1, 2, 3, 4, 5]; cut(pending, 2, false) // [[1, 2], [3, 4]], pending is [5]
 */
export function cut<T>(pending: T[], size: number, all: boolean): T[][] {
  const parts: T[][] = [];
  let i = 0;
  while (pending.length - i >= size) {
    parts.push(pending.slice(i, i + size));
    i += size;
  }
  if (all && i < pending.length) {
    parts.push(pending.slice(i));
    i = pending.length;
  }
  pending.splice(0, i);
  return parts;
}
