import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { DetenteError } from "../../errors.js";
import type { Finding } from "../finding.js";
import { detectFormat, FORMATS } from "./detect.js";
import { readJsonFindings } from "./read-json.js";
import type { ReportFormat, ReadOptions } from "./types.js";

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
}

export interface OpenReportOptions {
  /** Skip detection and read as this format. */
  readonly format?: string | undefined;
  readonly assetKey?: string | undefined;
}

/**
 * Open a report file (or `-` for stdin), detect its format from the first 64 KiB and return a stream of
 * normalized findings. Nothing is read past the head until `findings` is iterated.
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
  const stream = isStdin ? process.stdin : createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();

  // Read the head for detection, then replay it in front of the rest.
  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  let bytesRead = headLength;
  const headText = Buffer.concat(head).subarray(0, HEAD_BYTES).toString("utf8");
  const format = options.format ? formatNamed(options.format) : detectFormat(headText, name);

  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield* head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      bytesRead += next.value.length;
      yield next.value;
    }
  }

  const readOptions: ReadOptions = { name, assetKey: options.assetKey };
  async function* findings(): AsyncGenerator<Finding[]> {
    try {
      if (format.kind === "json") yield* readJsonFindings(format, chunks(), readOptions);
      else yield* format.read(chunks(), readOptions);
    } catch (e) {
      throw isStdin ? e : await withLineAndColumn(e, path);
    } finally {
      await iterator.return?.();
      if (!isStdin) (stream as ReturnType<typeof createReadStream>).destroy();
    }
  }

  return { name, format, size, bytesRead: () => bytesRead, findings: findings() };
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
  const target = error.details.charOffset;
  let line = 1;
  let lineStart = 0;
  let seen = 0;
  const decoder = new TextDecoder();
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    const text = decoder.decode(chunk, { stream: true });
    const limit = Math.min(text.length, target - seen);
    for (let i = text.indexOf("\n"); i >= 0 && i < limit; i = text.indexOf("\n", i + 1)) {
      line++;
      lineStart = seen + i + 1;
    }
    seen += text.length;
    if (seen >= target) break;
  }
  const column = target - lineStart + 1;
  const reason = typeof error.details.reason === "string" ? error.details.reason : error.message;
  return new DetenteError(error.code, `${path}: ${reason} at line ${line}, column ${column}`, {
    ...error.details,
    line,
    column,
  });
}
