import { createReadStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { DetenteError } from "../../errors.js";
import type { Finding } from "../finding.js";
import { detectFormat, FORMATS } from "./detect.js";
import { readJsonFindings } from "./read-json.js";
import type { ReadOptions, ReportFormat, ScanTarget } from "./types.js";

const HEAD_BYTES = 64 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/** An opened report: its detected format and a one-shot stream of finding batches. */
export interface OpenedReport {
  readonly name: string;
  readonly format: ReportFormat;
  /** Size in bytes when known (files), for progress bars. */
  readonly size: number | undefined;
  /** Bytes read so far. */
  readonly bytesRead: () => number;
  /** Findings in batches; throws DetenteError naming the file and line on bad input. Iterate once. */
  readonly findings: AsyncIterable<Finding[]>;
  /**
   * The assets the report says were scanned, findings or not, and by which scanners (asset key ->
   * scanner names); complete once `findings` has been read to the end.
   */
  readonly scanned: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface OpenReportOptions {
  /** Skip detection and read as this format. */
  readonly format?: string | undefined;
  readonly assetKey?: string | undefined;
}

/**
 * Open a report file (or `-` for stdin), detect its format from the first 64 KiB and return a stream of
 * normalized findings. Nothing past the head and the chunk after it is read until `findings` is iterated.
 *
 * @example
 * const report = await openReport("trivy.json");
 * for await (const batch of report.findings) console.log(batch.length);
 */
export async function openReport(path: string, options: OpenReportOptions = {}): Promise<OpenedReport> {
  const isStdin = path === "-";
  const name = isStdin ? "stdin" : path;
  let size: number | undefined;
  if (!isStdin) {
    try {
      const s = await stat(path);
      if (!s.isFile()) throw new DetenteError("INVALID_INPUT", `${path}: not a file`);
      size = s.size;
    } catch (e) {
      if (e instanceof DetenteError) throw e;
      throw new DetenteError(
        "INVALID_INPUT",
        `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
  }
  const source = isStdin ? stdinSource() : await fileSource(path);

  // Read the head for detection, then replay it in front of the rest.
  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < HEAD_BYTES) {
    const next = await source.read(false);
    if (next === null) {
      ended = true;
      break;
    }
    head.push(next);
    headLength += next.length;
  }
  let bytesRead = headLength;
  const headText = Buffer.concat(head).subarray(0, HEAD_BYTES).toString("utf8");
  let format: ReportFormat;
  try {
    format = options.format ? formatNamed(options.format) : detectFormat(headText, name);
  } catch (e) {
    await source.close();
    throw e;
  }
  // The JSON reader decodes each chunk before asking for the next one, so two buffers serve the whole
  // file (one read ahead); other readers may keep a chunk, so they get their own.
  const reuse = format.kind === "json";

  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield* head;
    if (ended) return;
    for (;;) {
      const next = await source.read(reuse);
      if (next === null) return;
      bytesRead += next.length;
      yield next;
    }
  }

  const scanned = new Map<string, Set<string>>();
  const onScanned = ({ assetKey, scanner }: ScanTarget): void => {
    const scanners = scanned.get(assetKey);
    if (scanners === undefined) scanned.set(assetKey, new Set([scanner]));
    else scanners.add(scanner);
  };
  const readOptions: ReadOptions = { name, assetKey: options.assetKey, onScanned };
  async function* findings(): AsyncGenerator<Finding[]> {
    try {
      if (format.kind === "json") yield* readJsonFindings(format, chunks(), readOptions);
      else yield* format.read(chunks(), readOptions);
    } catch (e) {
      throw isStdin ? e : await withLineAndColumn(e, path);
    } finally {
      await source.close();
    }
  }

  return { name, format, size, bytesRead: () => bytesRead, findings: findings(), scanned };
}

/** Where report bytes come from: a file read chunk by chunk, or stdin. */
interface ByteSource {
  /**
   * The next chunk, or null at the end. With `reuse`, the chunk may be overwritten as soon as the caller
   * asks for the next one (it must be done with it by then): reading a big file into two buffers in turn
   * instead of a fresh one per chunk saves mapping a gigabyte of new memory page by page.
   */
  read(reuse: boolean): Promise<Buffer | null>;
  close(): Promise<void>;
}

async function fileSource(path: string): Promise<ByteSource> {
  let file: FileHandle;
  try {
    file = await open(path, "r");
  } catch (e) {
    throw new DetenteError(
      "INVALID_INPUT",
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const readInto = async (into: Buffer): Promise<Buffer | null> => {
    const { bytesRead } = await file.read(into, 0, into.length, null);
    return bytesRead === 0 ? null : into.subarray(0, bytesRead);
  };
  // The next chunk is read while the caller works on this one: waiting for each read in turn cost an
  // import of a 1 GB report 1.8 s of waiting. Reused chunks take turns in two buffers: the one read ahead
  // goes into the buffer of the chunk handed out before, which the caller is done with once it asks again.
  const scratch: [Buffer | null, Buffer | null] = [null, null];
  let turn = 0;
  let ahead: Promise<Buffer | null> | null = null;
  const buffer = (reuse: boolean): Buffer => {
    if (!reuse) return Buffer.allocUnsafe(CHUNK_BYTES);
    turn ^= 1;
    return (scratch[turn] ??= Buffer.allocUnsafe(CHUNK_BYTES));
  };
  return {
    async read(reuse) {
      const next = ahead ?? readInto(buffer(reuse));
      ahead = null;
      const chunk = await next;
      if (chunk === null) return null;
      ahead = readInto(buffer(reuse));
      // A failed read surfaces at the next call; one nobody asks for (the caller stopped) is dropped.
      ahead.catch(() => undefined);
      return chunk;
    },
    close: () => file.close(),
  };
}

function stdinSource(): ByteSource {
  const iterator = (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  return {
    async read() {
      const next = await iterator.next();
      return next.done ? null : next.value;
    },
    async close() {
      await iterator.return?.();
    },
  };
}

function formatNamed(id: string): ReportFormat {
  const f = FORMATS.find((x) => x.id === id);
  if (!f) {
    throw new DetenteError(
      "UNKNOWN_FORMAT",
      `unknown report format "${id}"; supported: ${FORMATS.map((x) => x.id).join(", ")}`,
    );
  }
  return f;
}

/**
 * Rewrite "at character N" in a JSON error into "at line L, column C" by counting lines in the file up to
 * that point. Only done on the error path, so reading stays free of per-line bookkeeping.
 */
async function withLineAndColumn(error: unknown, path: string): Promise<unknown> {
  if (!(error instanceof DetenteError) || typeof error.details?.charOffset !== "number") return error;
  const start = error.details.startOffset;
  const [at, from] = await linesAndColumns(path, [
    error.details.charOffset,
    typeof start === "number" ? start : 0,
  ]);
  const reason = typeof error.details.reason === "string" ? error.details.reason : error.message;
  // A value that never ends (a missing quote) is named where it starts, too.
  const unended =
    typeof start === "number"
      ? `; the value that starts at line ${from!.line}, column ${from!.column} never ends`
      : "";
  return new DetenteError(
    error.code,
    `${path}: ${reason} at line ${at!.line}, column ${at!.column}${unended}`,
    {
      ...error.details,
      line: at!.line,
      column: at!.column,
    },
  );
}

/**
 * Line and column (from 1) of each character offset into the file, counted in one read of it. The
 * offsets count a byte order mark as the reader does (one character), and columns on the first line do
 * not, as editors show them.
 */
async function linesAndColumns(
  path: string,
  offsets: readonly number[],
): Promise<{ line: number; column: number }[]> {
  const order = offsets.map((offset, i) => ({ offset, i })).sort((a, b) => a.offset - b.offset);
  const out: { line: number; column: number }[] = [];
  let line = 1;
  let lineStart = 0;
  let seen = 0;
  let next = 0;
  let firstChunk = true;
  const settle = (upTo: number): void => {
    for (; next < order.length && order[next]!.offset <= upTo; next++)
      out[order[next]!.i] = { line, column: order[next]!.offset - lineStart + 1 };
  };
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    const text = decoder.decode(chunk, { stream: true });
    if (firstChunk && text.charCodeAt(0) === 0xfeff) lineStart = 1;
    firstChunk = false;
    for (let i = text.indexOf("\n"); i >= 0 && next < order.length; i = text.indexOf("\n", i + 1)) {
      // Offsets on the line that this newline ends are settled before counting it.
      settle(seen + i);
      line++;
      lineStart = seen + i + 1;
    }
    seen += text.length;
    if (next >= order.length) break;
  }
  settle(Number.MAX_SAFE_INTEGER);
  return out;
}
