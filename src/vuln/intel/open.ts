import { stat } from "node:fs/promises";
import { DetenteError } from "../../errors.js";
import { detectIntelHead, jsonLayout, unknownIntel, type IntelLayout } from "./detect.js";
import { readEpss } from "./epss.js";
import { locate, openInput, readError } from "./input.js";
import { readKev } from "./kev.js";
import { MetaBuilder, type IntelReader, type LoadContext } from "./meta.js";
import { readNvd } from "./nvd.js";
import type { IntelBatch, IntelMeta, IntelSource } from "./types.js";
import { readVulnrichmentDir, readVulnrichmentJson, readVulnrichmentNdjson } from "./vulnrichment-read.js";

/** An intel file opened for loading: what it is, and a one-shot stream of entry batches. */
export interface OpenedIntelFile {
  readonly name: string;
  readonly source: IntelSource;
  readonly layout: IntelLayout;
  readonly gzip: boolean;
  /** Bytes on disk when known (a file; not a directory), for progress bars. */
  readonly size: number | undefined;
  /** Bytes read from disk so far. */
  readonly bytesRead: () => number;
  /** Entries in batches of about `batchSize`. Throws DetenteError("INVALID_INPUT") naming file and line. */
  readonly batches: AsyncIterable<IntelBatch>;
  /** Metadata as read so far; complete (counts, declared count, warnings) once `batches` is exhausted. */
  readonly meta: () => IntelMeta;
}

export interface OpenIntelOptions {
  /** Skip detection and read as this source. */
  readonly source?: IntelSource | undefined;
  /** Entries per batch, about (default 5000). */
  readonly batchSize?: number | undefined;
}

const READERS: Readonly<
  Record<Exclude<IntelLayout, "directory">, Partial<Record<IntelSource, IntelReader>>>
> = {
  json: { kev: readKev, nvd: readNvd, vulnrichment: readVulnrichmentJson },
  ndjson: { vulnrichment: readVulnrichmentNdjson },
  csv: { epss: readEpss },
};

/**
 * Open an intel file (KEV JSON, EPSS CSV or .csv.gz, NVD 2.0 JSON or .json.gz, a vulnrichment record,
 * array, NDJSON or directory tree), detect what it is from its content, and return a stream of typed
 * batches plus its metadata. Memory stays flat however large the file. Nothing past the first 64 KiB
 * is read until `batches` is iterated; write each source's batches in one transaction.
 *
 * @example
 * const file = await openIntelFile("known_exploited_vulnerabilities.json");
 * for await (const batch of file.batches) if (batch.source === "kev") await insert(batch.kev);
 * const { version, count, warnings } = file.meta(); // "2025.08.25", 1404, []
 */
export async function openIntelFile(path: string, options: OpenIntelOptions = {}): Promise<OpenedIntelFile> {
  const batchSize = Math.max(1, options.batchSize ?? 5000);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (e) {
    throw readError(e, path);
  }

  if (isDirectory) {
    if (options.source && options.source !== "vulnrichment") {
      throw new DetenteError("INVALID_INPUT", `${path}: a directory can only hold vulnrichment records`);
    }
    const ctx: LoadContext = { name: path, meta: new MetaBuilder("vulnrichment"), batchSize };
    let bytesRead = 0;
    return {
      name: path,
      source: "vulnrichment",
      layout: "directory",
      gzip: false,
      size: undefined,
      bytesRead: () => bytesRead,
      batches: readVulnrichmentDir(path, ctx, (n) => (bytesRead += n)),
      meta: () => ctx.meta.snapshot(),
    };
  }

  const input = await openInput(path);
  let source: IntelSource;
  let layout: IntelLayout;
  try {
    if (options.source) {
      source = options.source;
      const text = input.head.trimStart();
      layout = source === "epss" ? "csv" : source === "vulnrichment" ? jsonLayout(text) : "json";
    } else {
      ({ source, layout } = detectIntelHead(input.head, path));
    }
  } catch (e) {
    input.close();
    throw e;
  }
  const reader = layout === "directory" ? undefined : READERS[layout][source];
  if (!reader) {
    input.close();
    throw unknownIntel(path);
  }
  const ctx: LoadContext = { name: path, meta: new MetaBuilder(source), batchSize };

  async function* batches(): AsyncGenerator<IntelBatch> {
    try {
      yield* reader!(input.chunks, ctx);
    } catch (e) {
      throw await withLine(e, path);
    } finally {
      input.close();
    }
  }

  return {
    name: path,
    source,
    layout,
    gzip: input.gzip,
    size: input.size,
    bytesRead: input.bytesRead,
    batches: batches(),
    meta: () => ctx.meta.snapshot(),
  };
}

/**
 * Rewrite "at character N" in a streamed-JSON error into a line (and column) by reading the file again;
 * only done on the error path.
 */
async function withLine(error: unknown, path: string): Promise<unknown> {
  if (!(error instanceof DetenteError) || typeof error.details?.charOffset !== "number") return error;
  const reason = typeof error.details.reason === "string" ? error.details.reason : error.message;
  const { line, column } = await locate(path, error.details.charOffset).catch(() => ({ line: 0, column: 0 }));
  if (line === 0) return error;
  const message =
    error.details.entryEnd === true
      ? `${path}: ${reason} (in the entry ending at line ${line})`
      : `${path}: ${reason} at line ${line}, column ${column}`;
  return new DetenteError(error.code, message, { ...error.details, line, column });
}
