import { DetenteError } from "../../errors.js";
import { isCve } from "../finding.js";
import { lineRuns } from "./input.js";
import { cut, isIsoDate, preview, type LoadContext } from "./meta.js";
import type { EpssEntry, IntelBatch } from "./types.js";

/** A real EPSS row is about 35 characters; the header and comment lines well under 200. */
const MAX_LINE = 64 * 1024;

const DECIMAL_RE = /^[0-9.eE+-]+$/;

interface Columns {
  readonly cve: number;
  readonly epss: number;
  readonly percentile: number;
  readonly width: number;
}

/**
 * FIRST EPSS daily scores CSV (`epss_scores-YYYY-MM-DD.csv[.gz]`): an optional comment line
 * `#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z`, the header `cve,epss,percentile`, then
 * one row per CVE. The model version becomes the version, the score date the date (and each entry's
 * `date`). A row that is not a CVE with two numbers in 0..1 fails the file, naming the line.
 *
 * @example
 * for await (const b of readEpss(input.chunks, ctx)) if (b.source === "epss") store(b.epss);
 */
export async function* readEpss(
  chunks: AsyncIterable<Uint8Array>,
  ctx: LoadContext,
): AsyncGenerator<IntelBatch> {
  const { name, meta } = ctx;
  let columns: Columns | null = null;
  let day: string | undefined;
  const batch: EpssEntry[] = [];
  const fail = (line: number, what: string): DetenteError =>
    new DetenteError("INVALID_INPUT", `${name}: ${what} at line ${line}`, { file: name, line });

  for await (const run of lineRuns(chunks, name, MAX_LINE)) {
    for (let i = 0; i < run.lines.length; i++) {
      const lineNo = run.first + i;
      let line = run.lines[i]!;
      if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      if (line.trim() === "") continue;
      if (columns === null) {
        if (line.startsWith("#")) {
          readComment(line, ctx);
          continue;
        }
        columns = header(line);
        if (!columns)
          throw fail(lineNo, `expected the EPSS header "cve,epss,percentile", found "${preview(line)}"`);
        day = isIsoDate(meta.date.slice(0, 10)) ? meta.date.slice(0, 10) : undefined;
        continue;
      }
      batch.push(row(line, columns, day, (what) => fail(lineNo, what)));
    }
    for (const epss of cut(batch, ctx.batchSize, false)) {
      meta.count += epss.length;
      yield { source: "epss", epss };
    }
  }
  if (columns === null)
    throw new DetenteError("INVALID_INPUT", `${name}: no EPSS header "cve,epss,percentile"`);
  for (const epss of cut(batch, ctx.batchSize, true)) {
    meta.count += epss.length;
    yield { source: "epss", epss };
  }
  if (!meta.version)
    meta.warn(`${name}: no "#model_version" comment line: the EPSS model version is unknown`);
  if (!meta.date) meta.warn(`${name}: no "score_date": the date of the scores is unknown`);
}

/** `#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z`; older files split it over two lines. */
function readComment(line: string, ctx: LoadContext): void {
  for (const part of line.slice(1).split(",")) {
    const colon = part.indexOf(":");
    if (colon < 0) continue;
    const key = part.slice(0, colon).trim().toLowerCase();
    const value = part.slice(colon + 1).trim();
    if (key === "model_version") ctx.meta.version = value;
    else if (key === "score_date") ctx.meta.date = value;
  }
}

function header(line: string): Columns | null {
  const names = line.split(",").map((c) => unquote(c).toLowerCase());
  const cve = names.indexOf("cve");
  const epss = names.indexOf("epss");
  const percentile = names.indexOf("percentile");
  if (cve < 0 || epss < 0 || percentile < 0) return null;
  return { cve, epss, percentile, width: Math.max(cve, epss, percentile) + 1 };
}

function row(
  line: string,
  columns: Columns,
  date: string | undefined,
  fail: (what: string) => DetenteError,
): EpssEntry {
  const cells = line.split(",");
  if (cells.length < columns.width) throw fail(`expected ${columns.width} columns, found ${cells.length}`);
  const cve = unquote(cells[columns.cve]!);
  if (!isCve(cve)) throw fail(`"${preview(cve)}" is not a CVE id`);
  const score = probability(cells[columns.epss]!);
  if (score === null)
    throw fail(`epss "${preview(cells[columns.epss])}" of ${cve} is not a number from 0 to 1`);
  const percentile = probability(cells[columns.percentile]!);
  if (percentile === null) {
    throw fail(`percentile "${preview(cells[columns.percentile])}" of ${cve} is not a number from 0 to 1`);
  }
  return date === undefined ? { cve, score, percentile } : { cve, score, percentile, date };
}

function probability(cell: string): number | null {
  const s = unquote(cell);
  // Number() also takes "0x1" and "Infinity"; a feed only ever writes decimals.
  if (!DECIMAL_RE.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : null;
}

function unquote(cell: string): string {
  const s = cell.trim();
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).trim() : s;
}
