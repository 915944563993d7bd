import { DetenteError } from "../../errors.js";
import { isCve } from "../finding.js";
import { num, obj, str } from "../formats/fields.js";
import { JsonStreamReader, type JsonObject } from "../formats/json-stream.js";
import { pickNvdMetric } from "./cvss.js";
import { cut, entryError, preview, type LoadContext } from "./meta.js";
import type { CvssEntry, IntelBatch } from "./types.js";

/** Some NVD entries carry thousands of CPE matches; none comes near this. */
const MAX_ENTRY_CHARS = 64 * 1024 * 1024;

/**
 * NVD CVE API 2.0 JSON: one API page or a data feed (`nvdcve-2.0-2024.json[.gz]`), both
 * `{ resultsPerPage, startIndex, totalResults, format: "NVD_CVE", version: "2.0", timestamp,
 * vulnerabilities: [{ cve: { id, vulnStatus, metrics } }] }`. Streams `vulnerabilities` with the
 * project's JsonStreamReader, so a multi-gigabyte dump keeps memory flat.
 *
 * One CvssEntry (source "nvd") per CVE that has a usable v3.x or v4.0 metric, each version preferring
 * NVD's own Primary score over a CNA's Secondary one; v3.1 is preferred over v3.0. Rejected CVEs and
 * CVEs without a score are counted as skipped. A page that does not cover `totalResults` is warned about.
 *
 * @example
 * for await (const b of readNvd(input.chunks, ctx)) if (b.source === "nvd") store(b.cvss);
 */
export async function* readNvd(
  chunks: AsyncIterable<Uint8Array>,
  ctx: LoadContext,
): AsyncGenerator<IntelBatch> {
  const { name, meta } = ctx;
  const batch: CvssEntry[] = [];
  let index = 0;
  let root: JsonObject = {};
  const takeRoot = (r: JsonObject | undefined): void => {
    if (!r) return;
    root = r;
    const format = str(r.format);
    if (format && format !== "NVD_CVE") {
      throw new DetenteError("INVALID_INPUT", `${name}: not NVD CVE data ("format" is "${preview(format)}")`);
    }
    meta.version = str(r.version);
    meta.date = str(r.timestamp);
    meta.declaredCount = num(r.totalResults);
  };
  const reader: JsonStreamReader = new JsonStreamReader(name, {
    // Errors name the line an entry ends on, so elements come one at a time.
    exactOffsets: true,
    elements: {
      vulnerabilities: (value, parents) => {
        if (index === 0) takeRoot(parents[0]);
        const entry = cvssEntry(value, `vulnerabilities[${index}]`, name, reader.offset, ctx);
        if (entry) batch.push(entry);
        index++;
      },
    },
    onClose: {
      "": (r) => {
        takeRoot(obj(r));
      },
    },
    maxValueBytes: MAX_ENTRY_CHARS,
  });

  for await (const chunk of chunks) {
    reader.push(chunk);
    for (const cvss of cut(batch, ctx.batchSize, false)) {
      meta.count += cvss.length;
      yield { source: "nvd", cvss };
    }
  }
  reader.end();
  for (const cvss of cut(batch, ctx.batchSize, true)) {
    meta.count += cvss.length;
    yield { source: "nvd", cvss };
  }
  if (index === 0 && str(root.format) !== "NVD_CVE") {
    throw new DetenteError(
      "INVALID_INPUT",
      `${name}: not NVD CVE data: no "vulnerabilities" and no "format"`,
    );
  }
  if (meta.version && !meta.version.startsWith("2.")) {
    meta.warn(`${name}: NVD format version "${preview(meta.version)}"; detente reads version 2.0`);
  }
  const start = num(root.startIndex) ?? 0;
  const total = meta.declaredCount;
  if (total !== null && start + index < total) {
    meta.warn(
      `${name}: holds ${index} of ${total} CVEs (from index ${start}): one page of a larger result; load every page`,
    );
  }
}

function cvssEntry(
  value: unknown,
  where: string,
  file: string,
  offset: number,
  ctx: LoadContext,
): CvssEntry | null {
  const cve = obj(obj(value).cve);
  const id = str(cve.id).trim();
  if (!isCve(id)) {
    throw entryError(
      file,
      offset,
      `${where}: "cve.id" ${id ? `"${preview(id)}" is not a CVE id` : "is missing"}`,
    );
  }
  if (str(cve.vulnStatus) === "Rejected") {
    ctx.meta.skip();
    return null;
  }
  const metrics = obj(cve.metrics);
  const cvss3 = pickNvdMetric(metrics.cvssMetricV31, 3) ?? pickNvdMetric(metrics.cvssMetricV30, 3);
  const cvss4 = pickNvdMetric(metrics.cvssMetricV40, 4);
  if (!cvss3 && !cvss4) {
    ctx.meta.skip(); // not yet analysed, or only CVSS v2: nothing triage can use
    return null;
  }
  return { cve: id, cvss3, cvss4, source: "nvd" };
}
