import type { Finding } from "../finding.js";
import type { JsonObject } from "./json-stream.js";

/** Every report format detente reads. */
export type FormatId = "trivy" | "grype" | "osv-scanner" | "sarif" | "cyclonedx" | "nessus" | "csv";

/** Options that apply to every format. */
export interface ReadOptions {
  /** Display name of the input for messages: the file path, or "stdin". */
  readonly name: string;
  /** Overrides the asset key of every finding (for reports whose format does not name the asset). */
  readonly assetKey?: string | undefined;
  /**
   * Set when a JSON element handler is retried after its enclosing objects closed: every field that the
   * file has is now known, so the handler must use defaults instead of throwing `NeedsContext` again.
   */
  readonly contextComplete?: boolean;
  /**
   * Told of every asset a scanner says it scanned, findings or not (a Trivy artifact, a Nessus host, a
   * SARIF run): a full scan of an asset with nothing left to report still closes what it reported before.
   */
  readonly onScanned?: ((target: ScanTarget) => void) | undefined;
}

/** An asset a scanner scanned: the asset key as findings on it carry it, and the scanner's name. */
export interface ScanTarget {
  readonly assetKey: string;
  readonly scanner: string;
}

/**
 * Says which asset an object of a JSON report (the root, a SARIF run, a Kubernetes resource) scanned,
 * once the object closes and all its non-streamed fields are known; null when it names none.
 */
export type ScanHandler = (
  value: JsonObject,
  parents: readonly JsonObject[],
  options: ReadOptions,
) => ScanTarget | null;

/**
 * Turns one element of a streamed JSON array into findings. Pure: it sees only the element, the objects
 * that enclose it (root first, holding the fields read so far) and the read options.
 */
export type JsonElementHandler = (
  value: unknown,
  parents: readonly JsonObject[],
  options: ReadOptions,
) => Finding[];

/** A JSON report format: which arrays to stream and how each element becomes findings. */
export interface JsonFormat {
  readonly kind: "json";
  readonly id: FormatId;
  readonly label: string;
  /** True when the first bytes of a file (up to 64 KiB, decoded) look like this format. */
  readonly detect: (head: string) => boolean;
  /** Array paths (see JsonStreamReader) to the handler that turns each element into findings. */
  readonly elements: Readonly<Record<string, JsonElementHandler>>;
  /**
   * Paths of enclosing objects whose fields must all be known before their elements are handled (for
   * producers that write, say, SARIF `tool` after `results`). Elements are held until such an object
   * closes only when the handler reports that it needs it, by throwing `NeedsContext`.
   */
  readonly contextPaths?: readonly string[];
  /** Paths of objects that name a scanned asset (see `ScanHandler`), for `--full-scan`. */
  readonly scans?: Readonly<Record<string, ScanHandler>>;
}

/** A format read by its own streaming reader (XML, CSV). */
export interface StreamFormat {
  readonly kind: "stream";
  readonly id: FormatId;
  readonly label: string;
  readonly detect: (head: string) => boolean;
  /** Reads the whole input, yielding findings in batches. Throws DetenteError("INVALID_INPUT") on bad input. */
  readonly read: (chunks: AsyncIterable<Uint8Array>, options: ReadOptions) => AsyncIterable<Finding[]>;
}

export type ReportFormat = JsonFormat | StreamFormat;

/**
 * Thrown by a JSON element handler when a field it needs from an enclosing object has not been read yet
 * because the producer wrote it after the array; the reader retries the element when that object closes.
 */
export class NeedsContext extends Error {
  override readonly name = "NeedsContext";
}
