import {
  canonicalId,
  normalizeSeverity,
  severityFromScore,
  type Cvss,
  type Finding,
  type Severity,
} from "../finding.js";
import { bool, cvssScore } from "./fields.js";
import type { ReadOptions, StreamFormat } from "./types.js";
import { SafeXmlReader, XmlContentError, type XmlHandlers } from "./xml-stream.js";

/**
 * Nessus v2 XML (`.nessus`, exported by Nessus and Tenable.io/Tenable.sc):
 * `NessusClientData_v2 > Report > ReportHost[name] > HostProperties > tag[name]` and
 * `ReportHost > ReportItem[port, protocol, severity, pluginID, pluginName]` with child elements.
 *
 * Each CVE of a ReportItem is its own finding (vulnId the CVE, `rule` "nessus:<pluginID>"); an item with
 * no CVE is one finding "NESSUS-<pluginID>"; informational items (severity 0) without a CVE are skipped.
 * The asset is the host's `host-fqdn` tag when present, else the ReportHost name (an IP or the target as
 * typed), unless `options.assetKey` overrides it; the location is "tcp/443", or "" for port 0. Severity
 * is the `severity` attribute (what Nessus displays) and falls back to `risk_factor`, then CVSS.
 * Plugin-level flags (`exploit_available`, CVSS) are copied to every CVE of the item; a CISA KEV xref
 * only when the item has a single CVE, since it does not say which of several is listed.
 *
 * @example
 * for await (const batch of nessus.read(chunks, { name: "scan.nessus" })) console.log(batch.length);
 */
export const nessus: StreamFormat = {
  kind: "stream",
  id: "nessus",
  label: "Nessus v2 XML (.nessus)",
  detect: (head) => head.includes("<NessusClientData_v2"),
  read: readNessus,
};

/** Item children we keep (everything else, e.g. description or plugin_output beyond 64 KiB, is skipped). */
const KEPT = new Set([
  "cve",
  "xref",
  "see_also",
  "cvss3_base_score",
  "cvss3_vector",
  "cvss4_base_score",
  "cvss4_vector",
  "cvss_base_score",
  "risk_factor",
  "exploit_available",
  "cisa-known-exploited",
  "plugin_name",
  "plugin_output",
]);
const MAX_FIELD_CHARS = 64 * 1024;
const MAX_VALUES_PER_ITEM = 10_000;
const MAX_HELD = 100_000;

interface Item {
  readonly attrs: Readonly<Record<string, string>>;
  readonly lists: Map<string, string[]>;
  readonly fields: Map<string, string>;
}

interface Host {
  readonly name: string;
  fqdn: string;
  /** HostProperties has closed, so the asset key is known. */
  known: boolean;
  /** Findings of items that came before HostProperties (Nessus writes it first; others might not). */
  readonly held: Finding[];
}

async function* readNessus(
  chunks: AsyncIterable<Uint8Array>,
  options: ReadOptions,
): AsyncGenerator<Finding[]> {
  const out: Finding[] = [];
  const xml = new SafeXmlReader(options.name, nessusHandlers(options, out));
  for await (const chunk of chunks) {
    xml.push(chunk);
    if (out.length > 0) yield out.splice(0);
  }
  xml.end();
  if (out.length > 0) yield out.splice(0);
}

/** The element walk: tracks the host, the item and the child being read, and emits findings into `out`. */
function nessusHandlers(options: ReadOptions, out: Finding[]): XmlHandlers {
  const stack: string[] = [];
  let host: Host | null = null;
  let item: Item | null = null;
  let tagName: string | null = null; // HostProperties <tag name="..."> being read
  let field: string | null = null; // ReportItem child being read
  let text = "";

  const emit = (findings: Finding[]): void => {
    if (!host || host.known || options.assetKey) {
      for (const f of findings) out.push(f);
      return;
    }
    if (host.held.length + findings.length > MAX_HELD) {
      throw new XmlContentError(
        `ReportHost "${host.name}" has over ${MAX_HELD} findings before its HostProperties`,
      );
    }
    for (const f of findings) host.held.push(f);
  };
  const release = (h: Host): void => {
    h.known = true;
    const assetKey = options.assetKey ?? (h.fqdn || h.name);
    for (const f of h.held.splice(0)) out.push({ ...f, assetKey });
  };

  return {
    open(name, attributes, depth) {
      const parent = stack[stack.length - 1];
      stack.push(name);
      text = "";
      if (depth === 1 && name !== "NessusClientData_v2") {
        throw new XmlContentError(`not a Nessus v2 report: the root element is <${name}>`);
      }
      if (name === "ReportHost" && parent === "Report") {
        const hostName = (attributes.name ?? "").trim();
        if (!hostName) throw new XmlContentError("a ReportHost has no name attribute");
        host = { name: hostName, fqdn: "", known: false, held: [] };
      } else if (name === "tag" && parent === "HostProperties" && host) {
        tagName = attributes.name ?? "";
      } else if (name === "ReportItem" && parent === "ReportHost" && host) {
        item = { attrs: attributes, lists: new Map(), fields: new Map() };
      } else if (parent === "ReportItem" && item && KEPT.has(name)) {
        field = name;
      }
    },
    text(t) {
      if ((field !== null || tagName !== null) && text.length < MAX_FIELD_CHARS) {
        text += t.length > MAX_FIELD_CHARS ? t.slice(0, MAX_FIELD_CHARS) : t;
      }
    },
    close(name) {
      stack.pop();
      if (field !== null && name === field && item) {
        addField(item, field, text);
        field = null;
      } else if (tagName !== null && name === "tag" && host) {
        if (tagName === "host-fqdn") host.fqdn = text.trim();
        tagName = null;
      } else if (name === "HostProperties" && host) {
        release(host);
      } else if (name === "ReportItem" && item && host) {
        const h: Host = host;
        const assetKey = options.assetKey ?? (h.fqdn || h.name);
        emit(itemFindings(item, assetKey));
        item = null;
      } else if (name === "ReportHost" && host) {
        release(host);
        options.onScanned?.({ assetKey: options.assetKey ?? (host.fqdn || host.name), scanner: "nessus" });
        host = null;
      }
      text = "";
    },
  };
}

function addField(item: Item, name: string, text: string): void {
  const value = name === "plugin_output" ? text : text.trim();
  if (name === "cve" || name === "xref" || name === "see_also") {
    let list = item.lists.get(name);
    if (!list) item.lists.set(name, (list = []));
    if (list.length >= MAX_VALUES_PER_ITEM) {
      throw new XmlContentError(`a ReportItem has more than ${MAX_VALUES_PER_ITEM} <${name}> elements`);
    }
    if (value) list.push(value);
  } else {
    item.fields.set(name, value);
  }
}

/** One finding per CVE of the item, or one "NESSUS-<pluginID>" finding when it names none. */
function itemFindings(item: Item, assetKey: string): Finding[] {
  const { attrs, lists, fields } = item;
  const pluginId = (attrs.pluginID ?? "").trim();
  if (!pluginId) throw new XmlContentError("a ReportItem has no pluginID attribute");
  const cves = [...new Set(lists.get("cve") ?? [])];
  const severityAttr = (attrs.severity ?? "").trim();
  if (severityAttr === "0" && cves.length === 0) return [];

  const cvss3 = cvssOf(fields.get("cvss3_vector"), fields.get("cvss3_base_score"));
  const cvss4 = cvssOf(fields.get("cvss4_vector"), fields.get("cvss4_base_score"));
  const xrefs = lists.get("xref") ?? [];
  const references = [...new Set([...splitLines(lists.get("see_also") ?? []), ...xrefs])];
  const port = (attrs.port ?? "").trim();
  const protocol = (attrs.protocol ?? "").trim().toLowerCase() || "tcp";
  const kev =
    xrefs.some((x) => x.toUpperCase().startsWith("CISA-KNOWN-EXPLOITED")) ||
    isSet(fields.get("cisa-known-exploited"));

  const base: Finding = {
    vulnId: `NESSUS-${pluginId}`,
    aliases: [],
    component: "",
    version: "",
    ecosystem: "",
    purl: "",
    fixedVersions: fixedVersionsIn(fields.get("plugin_output") ?? ""),
    location: port === "" || port === "0" ? "" : `${protocol}/${port}`,
    assetKey,
    scanner: "nessus",
    rule: `nessus:${pluginId}`,
    severity: severityOf(severityAttr, fields, cvss3, cvss4),
    cvss3,
    cvss4,
    title: (attrs.pluginName ?? "").trim() || fields.get("plugin_name") || `Nessus plugin ${pluginId}`,
    references,
    epss: null,
    knownExploited: kev && cves.length <= 1 ? true : null,
    exploitAvailable: bool(fields.get("exploit_available")),
    scannerRisk: null,
    status: "open",
    statusDetail: "",
  };
  if (cves.length === 0) return [base];
  return cves.map((cve) => ({ ...base, ...canonicalId(cve, []), references: [...references] }));
}

/** The `severity` attribute (0-4) is what Nessus shows; `risk_factor` and CVSS are fallbacks. */
function severityOf(
  attr: string,
  fields: Map<string, string>,
  cvss3: Cvss | null,
  cvss4: Cvss | null,
): Severity {
  if (attr.length === 1 && attr >= "0" && attr <= "4") return normalizeSeverity(attr);
  const risk = normalizeSeverity(fields.get("risk_factor"));
  if (risk !== "unknown") return risk;
  const score = cvss4?.score ?? cvss3?.score ?? scoreOf(fields.get("cvss_base_score"));
  return score === null ? "unknown" : severityFromScore(score);
}

function cvssOf(vector: string | undefined, score: string | undefined): Cvss | null {
  const s = scoreOf(score);
  return vector && s !== null ? { vector, score: s } : null;
}

function scoreOf(value: string | undefined): number | null {
  return cvssScore(value);
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== "" && bool(value) !== false;
}

/** `see_also` holds one or more URLs separated by newlines. */
function splitLines(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const line of v.split("\n")) {
      const t = line.trim();
      if (t) out.push(t);
    }
  }
  return out;
}

/**
 * "Fixed version : 9.3p2" lines, as Nessus's version-check plugins write them in plugin_output; the
 * version is advisory for remediation and not part of the finding's identity.
 */
function fixedVersionsIn(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== "fixed version") continue;
    const v = line.slice(colon + 1).trim();
    if (v && !out.includes(v) && out.length < 16) out.push(v);
  }
  return out;
}
