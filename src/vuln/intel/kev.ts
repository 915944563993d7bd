import { DetenteError } from "../../errors.js";
import { isCve } from "../finding.js";
import { num, obj, str } from "../formats/fields.js";
import { JsonStreamReader, type JsonObject } from "../formats/json-stream.js";
import { cut, entryError, isIsoDate, preview, type LoadContext } from "./meta.js";
import type { IntelBatch, KevEntry } from "./types.js";

/** One KEV entry is a few KiB; anything near this is not a KEV entry. */
const MAX_ENTRY_CHARS = 4 * 1024 * 1024;

/**
 * CISA Known Exploited Vulnerabilities catalog JSON (`known_exploited_vulnerabilities.json`, schema at
 * cisa.gov): `{ title, catalogVersion, dateReleased, count, vulnerabilities: [...] }`. Streams the
 * entries; takes `catalogVersion` as the version and `dateReleased` as the date, and warns when the
 * declared `count` differs from the entries listed.
 *
 * A malformed entry (an id that is not a CVE, a date that is not YYYY-MM-DD) fails the whole file: KEV
 * drives escalations and due dates, so a half-read catalog is worse than the previous one.
 *
 * @example
 * for await (const batch of readKev(input.chunks, ctx)) if (batch.source === "kev") store(batch.kev);
 */
export async function* readKev(
  chunks: AsyncIterable<Uint8Array>,
  ctx: LoadContext,
): AsyncGenerator<IntelBatch> {
  const { name, meta } = ctx;
  const batch: KevEntry[] = [];
  let index = 0;
  const takeRoot = (root: JsonObject | undefined): void => {
    if (!root) return;
    meta.version = str(root.catalogVersion);
    meta.date = str(root.dateReleased);
    meta.declaredCount = num(root.count);
  };
  const reader: JsonStreamReader = new JsonStreamReader(name, {
    // Errors name the line an entry ends on, so elements come one at a time.
    exactOffsets: true,
    elements: {
      vulnerabilities: (value, parents) => {
        // Publishers write the catalog fields first, so the metadata is known from the first entry on.
        if (index === 0) takeRoot(parents[0]);
        batch.push(kevEntry(value, `vulnerabilities[${index}]`, name, reader.offset));
        index++;
      },
    },
    onClose: {
      "": (root) => {
        takeRoot(obj(root));
      },
    },
    maxValueBytes: MAX_ENTRY_CHARS,
  });

  for await (const chunk of chunks) {
    reader.push(chunk);
    for (const kev of cut(batch, ctx.batchSize, false)) {
      meta.count += kev.length;
      yield { source: "kev", kev };
    }
  }
  reader.end();
  if (index === 0) {
    // Never true of the real catalog: an empty list means this is not one (or it was cut short upstream).
    throw new DetenteError("INVALID_INPUT", `${name}: not a CISA KEV catalog: it lists no vulnerabilities`);
  }
  for (const kev of cut(batch, ctx.batchSize, true)) {
    meta.count += kev.length;
    yield { source: "kev", kev };
  }
  if (!meta.version) meta.warn(`${name}: no "catalogVersion": the catalog's version is unknown`);
  if (meta.declaredCount !== null && meta.declaredCount !== index) {
    meta.warn(`${name}: declares "count": ${meta.declaredCount} but lists ${index} vulnerabilities`);
  }
}

function kevEntry(value: unknown, where: string, file: string, offset: number): KevEntry {
  const v = obj(value);
  const fail = (what: string): never => {
    throw entryError(file, offset, `${where}: ${what}`);
  };
  const cve = str(v.cveID).trim();
  if (!isCve(cve)) fail(`"cveID" ${cve ? `"${preview(cve)}" is not a CVE id` : "is missing"}`);
  const dateAdded = str(v.dateAdded).trim();
  if (!isIsoDate(dateAdded)) fail(`(${cve}) "dateAdded" "${preview(dateAdded)}" is not a YYYY-MM-DD date`);
  const dueDate = str(v.dueDate).trim();
  if (!isIsoDate(dueDate)) fail(`(${cve}) "dueDate" "${preview(dueDate)}" is not a YYYY-MM-DD date`);
  return {
    cve,
    vendorProject: str(v.vendorProject).trim(),
    product: str(v.product).trim(),
    name: str(v.vulnerabilityName).trim(),
    dateAdded,
    dueDate,
    requiredAction: str(v.requiredAction).trim(),
    // CISA writes "Known" or "Unknown"; anything else is not a confirmation.
    ransomware: str(v.knownRansomwareCampaignUse).trim().toLowerCase() === "known",
  };
}
