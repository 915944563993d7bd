import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { DetenteError } from "../../errors.js";
import { JsonStreamReader } from "../formats/json-stream.js";
import { lineRuns, readError } from "./input.js";
import type { LoadContext } from "./meta.js";
import type { CvssEntry, IntelBatch, VulnrichmentSsvc } from "./types.js";
import { vulnrichmentOf, type RecordIntel } from "./vulnrichment.js";

/** Large CVE records (long `affected` lists) run to a few MiB; none comes near this. */
const MAX_RECORD_CHARS = 64 * 1024 * 1024;
/** Files read at once from a directory tree: enough to hide disk latency, few enough to bound memory. */
const PARALLEL_READS = 16;
/** A checkout nests year/Nxxx/; deeper trees are not a vulnrichment layout (and this bounds the walk). */
const MAX_DEPTH = 6;

/** Collects record intel; hands out batches whose two arrays each hold at most `batchSize` entries. */
class Batcher {
  private readonly ssvc: VulnrichmentSsvc[] = [];
  private readonly cvss: CvssEntry[] = [];
  constructor(private readonly ctx: LoadContext) {}
  add(r: RecordIntel): void {
    if (r.ssvc) this.ssvc.push(r.ssvc);
    if (r.cvss) this.cvss.push(r.cvss);
  }
  /** Full batches, and with `all` the remainder too. */
  *drain(all: boolean): Generator<IntelBatch> {
    const size = this.ctx.batchSize;
    while (
      this.ssvc.length >= size ||
      this.cvss.length >= size ||
      (all && this.ssvc.length + this.cvss.length > 0)
    ) {
      const ssvc = this.ssvc.splice(0, size);
      const cvss = this.cvss.splice(0, size);
      this.ctx.meta.count += ssvc.length + cvss.length;
      yield { source: "vulnrichment", ssvc, cvss };
    }
  }
}

/**
 * CISA Vulnrichment records as one JSON document: a single CVE record (`{dataType: "CVE_RECORD", ...}`)
 * or an array of them, streamed so a large array keeps memory at one record.
 *
 * @example for await (const b of readVulnrichmentJson(input.chunks, ctx)) store(b);
 */
export async function* readVulnrichmentJson(
  chunks: AsyncIterable<Uint8Array>,
  ctx: LoadContext,
): AsyncGenerator<IntelBatch> {
  const out = new Batcher(ctx);
  let index = 0;
  const reader = new JsonStreamReader(ctx.name, {
    elements: {
      "": (record) => {
        out.add(vulnrichmentOf(record, `${ctx.name} [${index++}]`, ctx.meta));
      },
    },
    onClose: {
      "": (record) => {
        out.add(vulnrichmentOf(record, ctx.name, ctx.meta));
      },
    },
    maxValueBytes: MAX_RECORD_CHARS,
  });
  for await (const chunk of chunks) {
    reader.push(chunk);
    yield* out.drain(false);
  }
  reader.end();
  yield* out.drain(true);
}

/**
 * CISA Vulnrichment records as NDJSON, one CVE record per line (what `jq -c` over a checkout gives).
 *
 * @example for await (const b of readVulnrichmentNdjson(input.chunks, ctx)) store(b);
 */
export async function* readVulnrichmentNdjson(
  chunks: AsyncIterable<Uint8Array>,
  ctx: LoadContext,
): AsyncGenerator<IntelBatch> {
  const out = new Batcher(ctx);
  for await (const run of lineRuns(chunks, ctx.name, MAX_RECORD_CHARS)) {
    for (let i = 0; i < run.lines.length; i++) {
      const line = run.lines[i]!;
      if (line.trim() === "") continue;
      const lineNo = run.first + i;
      const record = parseJson(line, ctx.name, lineNo);
      out.add(vulnrichmentOf(record, `${ctx.name} line ${lineNo}`, ctx.meta));
    }
    yield* out.drain(false);
  }
  yield* out.drain(true);
}

/**
 * A directory tree of `CVE-*.json` records, as in a checkout of github.com/cisagov/vulnrichment
 * (`2024/3xxx/CVE-2024-3094.json`). Files are read in sorted order, a few at a time; other files and
 * dot-directories are ignored and symbolic links are not followed. `onBytes` reports bytes read.
 *
 * @example for await (const b of readVulnrichmentDir("vulnrichment", ctx)) store(b);
 */
export async function* readVulnrichmentDir(
  dir: string,
  ctx: LoadContext,
  onBytes: (bytes: number) => void = () => undefined,
): AsyncGenerator<IntelBatch> {
  const out = new Batcher(ctx);
  let files = 0;
  let group: string[] = [];
  const flush = async (): Promise<void> => {
    const texts = await Promise.all(group.map(readRecordFile));
    texts.forEach((text, i) => {
      const file = group[i]!;
      onBytes(Buffer.byteLength(text));
      out.add(vulnrichmentOf(parseJson(text, file, 1), file, ctx.meta));
    });
    files += group.length;
    group = [];
  };
  for await (const file of recordFiles(dir, 0)) {
    group.push(file);
    if (group.length < PARALLEL_READS) continue;
    await flush();
    yield* out.drain(false);
  }
  await flush();
  if (files === 0) {
    throw new DetenteError(
      "INVALID_INPUT",
      `${dir}: no CVE-*.json files; expected CVE records as in a github.com/cisagov/vulnrichment checkout`,
    );
  }
  yield* out.drain(true);
}

async function* recordFiles(dir: string, depth: number): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw readError(e, dir);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue; // .git, .github
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth < MAX_DEPTH) yield* recordFiles(path, depth + 1);
    } else if (entry.isFile() && entry.name.startsWith("CVE-") && entry.name.endsWith(".json")) {
      yield path;
    }
  }
}

async function readRecordFile(path: string): Promise<string> {
  try {
    const { size } = await stat(path);
    if (size > MAX_RECORD_CHARS) {
      throw new DetenteError("INVALID_INPUT", `${path}: ${size} bytes is too large for one CVE record`);
    }
    return await readFile(path, "utf8");
  } catch (e) {
    throw readError(e, path);
  }
}

/** JSON.parse with an error that names the file and the line (`firstLine` is the text's first line). */
function parseJson(text: string, file: string, firstLine: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const message = e instanceof Error ? e.message : "invalid JSON";
    const m = /at position (\d+)/.exec(message);
    const at = m ? Math.min(Number(m[1]), text.length) : 0;
    let line = firstLine;
    let lineStart = 0;
    for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const reason = message.replace(/ in JSON at position \d+.*$/s, "").slice(0, 200);
    throw new DetenteError(
      "INVALID_INPUT",
      `${file}: invalid JSON (${reason}) at line ${line}, column ${at - lineStart + 1}`,
      {
        file,
        line,
      },
    );
  }
}
