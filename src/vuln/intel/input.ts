import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { pipeline, Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { DetenteError } from "../../errors.js";

/**
 * How much decoded text detection looks at: enough for any feed's header fields.
 *
 * @example input.head.length <= HEAD_CHARS // true
 */
export const HEAD_CHARS = 64 * 1024;
const READ_CHUNK = 1024 * 1024;

/**
 * An intel file opened for one streaming pass: gzip is recognised by its magic bytes (not the file name)
 * and undone on the fly, so `chunks` is always the decoded content, head included.
 */
export interface IntelInput {
  readonly name: string;
  readonly gzip: boolean;
  /** Size on disk, in bytes. */
  readonly size: number;
  /** Bytes read from disk so far (compressed bytes for a gzip file), for progress bars. */
  readonly bytesRead: () => number;
  /** Up to the first 64 KiB of decoded text, for detection. */
  readonly head: string;
  /** The whole decoded content, head first. Iterate once. */
  readonly chunks: AsyncIterable<Buffer>;
  /** Release the file early (iteration to the end or an error releases it too). */
  readonly close: () => void;
}

/**
 * Open `path` for streaming, undoing gzip when the file starts with the gzip magic bytes 1f 8b.
 * Throws DetenteError("INVALID_INPUT") naming the file when it cannot be read or is not a regular file.
 *
 * @example
 * const input = await openInput("epss_scores-current.csv.gz");
 * input.head.startsWith("#model_version"); // true
 */
export async function openInput(path: string): Promise<IntelInput> {
  const size = await fileSize(path);
  const gzip = await hasGzipMagic(path);
  let bytesRead = 0;
  const file = createReadStream(path, { highWaterMark: READ_CHUNK });
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      yield chunk;
    }
  }
  // pipeline() destroys every stage on an error, so a corrupt member surfaces in the iteration below.
  const decoded: AsyncIterable<Buffer> = gzip
    ? pipeline(Readable.from(counted()), createGunzip({ chunkSize: READ_CHUNK }), () => undefined)
    : counted();
  const iterator = decoded[Symbol.asyncIterator]();
  const close = (): void => {
    file.destroy();
    void iterator.return?.();
  };

  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  try {
    while (headLength < HEAD_CHARS) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headLength += next.value.length;
    }
  } catch (e) {
    close();
    throw readError(e, path);
  }

  // A UTF-8 byte-order mark (spreadsheet exports) is not content: JSON.parse and the CSV header reject it.
  const first = head[0];
  if (first && first.length >= 3 && first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf) {
    head[0] = first.subarray(3);
  }

  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      yield* head;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } catch (e) {
      throw readError(e, path);
    } finally {
      close();
    }
  }

  const headText = Buffer.concat(head).subarray(0, HEAD_CHARS).toString("utf8");
  return { name: path, gzip, size, bytesRead: () => bytesRead, head: headText, chunks: chunks(), close };
}

/**
 * Size of a regular file; a DetenteError("INVALID_INPUT") naming the file otherwise.
 *
 * @example await fileSize("kev.json") // 1257565
 */
export async function fileSize(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new DetenteError("INVALID_INPUT", `${path}: not a file`);
    return s.size;
  } catch (e) {
    throw readError(e, path);
  }
}

async function hasGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, "r").catch((e: unknown) => {
    throw readError(e, path);
  });
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * File-system and zlib failures as a DetenteError("INVALID_INPUT") that names the file; anything else
 * (a DetenteError already, or a bug) is returned as it is.
 *
 * @example throw readError(e, "epss.csv.gz"); // "epss.csv.gz: the gzip data is truncated or corrupt (...)"
 */
export function readError(e: unknown, path: string): unknown {
  if (e instanceof DetenteError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code ?? "";
  if (code.startsWith("Z_") || code === "ERR_ZLIB_INITIALIZATION_FAILED") {
    const reason = e instanceof Error ? e.message : "gzip error";
    return new DetenteError("INVALID_INPUT", `${path}: the gzip data is truncated or corrupt (${reason})`);
  }
  if (code) return new DetenteError("INVALID_INPUT", `${path}: cannot read (${code})`);
  return e;
}

/** A run of complete lines from one chunk, and the 1-based number of the first. */
export interface LineRun {
  readonly first: number;
  readonly lines: readonly string[];
}

/**
 * Split decoded chunks into lines (LF or CRLF), a run per chunk so a 300k-line file costs a few hundred
 * iterations rather than 300k. A line longer than `maxLine` characters is an error, not a memory spike.
 *
 * @example
 * for await (const run of lineRuns(input.chunks, input.name)) run.lines.forEach((l, i) => use(l, run.first + i));
 */
export async function* lineRuns(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  maxLine = 1024 * 1024,
): AsyncGenerator<LineRun> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let lineNo = 1;
  for await (const chunk of chunks) {
    const fresh = decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    const firstNl = fresh.indexOf("\n");
    if (firstNl < 0) {
      // Still inside one long line: append without rescanning what was already searched.
      rest += fresh;
      if (rest.length > maxLine) throw tooLong(name, lineNo, maxLine);
      continue;
    }
    const text = rest + fresh;
    const lines: string[] = [];
    let start = 0;
    for (let nl = rest.length + firstNl; nl >= 0; nl = text.indexOf("\n", start)) {
      if (nl - start > maxLine) throw tooLong(name, lineNo + lines.length, maxLine);
      lines.push(trimCr(text.slice(start, nl)));
      start = nl + 1;
    }
    rest = text.slice(start);
    if (rest.length > maxLine) throw tooLong(name, lineNo + lines.length, maxLine);
    yield { first: lineNo, lines };
    lineNo += lines.length;
  }
  rest += decoder.end();
  if (rest.length > 0) yield { first: lineNo, lines: [trimCr(rest)] };
}

function tooLong(name: string, line: number, maxLine: number): DetenteError {
  return new DetenteError("INVALID_INPUT", `${name}: line ${line} is longer than ${maxLine} characters`);
}

function trimCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * Line and column (1-based) of a character offset in a file's decoded text, by reading it again. Only
 * used on the error path, so reading stays free of per-line bookkeeping.
 *
 * @example await locate("nvd.json", 1234) // { line: 40, column: 7 }
 */
export async function locate(path: string, charOffset: number): Promise<{ line: number; column: number }> {
  const input = await openInput(path);
  let line = 1;
  let lineStart = 0;
  let seen = 0;
  const decoder = new StringDecoder("utf8");
  try {
    for await (const chunk of input.chunks) {
      const text = decoder.write(chunk);
      const limit = Math.min(text.length, charOffset - seen);
      for (let i = text.indexOf("\n"); i >= 0 && i < limit; i = text.indexOf("\n", i + 1)) {
        line++;
        lineStart = seen + i + 1;
      }
      seen += text.length;
      if (seen >= charOffset) break;
    }
  } finally {
    input.close();
  }
  return { line, column: charOffset - lineStart + 1 };
}
