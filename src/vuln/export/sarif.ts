import type { Finding } from "../finding.js";
import { markdownText } from "./markdown-text.js";
import { wellFormed } from "./printable.js";
import type { ExportedFinding, ExportSummary } from "./types.js";

const LEVEL = { act: "error", attend: "warning", "track*": "note", track: "note" } as const;

/**
 * A SARIF 2.1.0 log of decided findings that GitHub code scanning (and any SARIF viewer) loads: one rule per
 * vulnerability with its `security-severity`, one result per finding with the detente outcome as level
 * (act -> error, attend -> warning, track -> note), its reasons as the message, the lock file or the asset
 * as location, and the finding's fingerprint as `partialFingerprints` so alerts stay the same across runs.
 * Report text is untrusted: locations become percent-encoded relative URIs (see `physicalLocation`), a
 * rule's `helpUri` is its first absolute http(s) reference or absent, and lone surrogates become U+FFFD.
 *
 * @example writeFile("detente.sarif", JSON.stringify(sarifLog(summary, escalated, { version: "0.1.0" })))
 */
export function sarifLog(
  summary: ExportSummary,
  findings: readonly ExportedFinding[],
  tool: { readonly version: string },
): object {
  const rules: object[] = [];
  const ruleIndex = new Map<string, number>();
  const results = findings.map((e) => {
    const f = e.finding;
    // Keyed as written: two ids that differ only in a lone surrogate are one rule in the log.
    const ruleId = wellFormed(f.vulnId);
    let index = ruleIndex.get(ruleId);
    if (index === undefined) {
      index = rules.length;
      ruleIndex.set(ruleId, index);
      rules.push(wellFormedStrings(ruleOf(e)));
    }
    const fix =
      f.fixedVersions.length > 0 ? ` Fixed in ${f.fixedVersions.join(", ")}.` : " No fixed version is known.";
    const where = f.component ? `${f.component} ${f.version}` : f.location || f.assetKey;
    return wellFormedStrings({
      ruleId,
      ruleIndex: index,
      level: LEVEL[e.decision.outcome],
      message: {
        text:
          `${e.decision.outcome.toUpperCase()} (score ${e.decision.score.toFixed(1)}, due ${e.decision.dueDate}): ${f.vulnId} in ${where} on ${f.assetKey || "the scanned target"}.${fix} ` +
          e.decision.reasons.map((r) => r.text).join(". ") +
          ".",
      },
      locations: [{ physicalLocation: physicalLocation(f) }],
      partialFingerprints: { "detente/v1": e.id },
      properties: {
        outcome: e.decision.outcome,
        deployer: e.decision.deployer,
        score: e.decision.score,
        dueDate: e.decision.dueDate,
        escalated: e.escalated,
        asset: f.assetKey,
        owner: e.asset.asset.owner,
        component: f.component,
        version: f.version,
        fixedVersions: f.fixedVersions,
        scanners: e.scanners,
      },
    });
  });
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "detente",
            version: tool.version,
            rules,
          },
        },
        automationDetails: { id: "detente/triage/" },
        invocations: [{ executionSuccessful: true, endTimeUtc: summary.generatedAt }],
        results,
      },
    ],
  };
}

function ruleOf(e: ExportedFinding): object {
  const f = e.finding;
  const score = f.cvss4?.score ?? f.cvss3?.score ?? SEVERITY_SCORE[f.severity] ?? 0;
  const title = f.title || f.vulnId;
  const references = webReferences(f.references);
  return {
    id: f.vulnId,
    name: f.vulnId.replace(/[^A-Za-z0-9]/g, ""),
    shortDescription: { text: title.slice(0, 1000) },
    fullDescription: { text: `${title} (${[f.vulnId, ...f.aliases].join(", ")})`.slice(0, 1000) },
    ...(references[0] ? { helpUri: references[0] } : {}),
    help: {
      text: `${title}\n\nReferences:\n${references.join("\n")}`,
      // A serialized http(s) URL holds no space, "<" or ">", so it is a safe Markdown autolink.
      markdown: `**${markdownText(title)}**\n\n${references.map((r) => `- <${r}>`).join("\n")}`,
    },
    properties: {
      "security-severity": score.toFixed(1),
      tags: ["security", "vulnerability", f.severity],
      precision: "high",
    },
  };
}

const SEVERITY_SCORE: Readonly<Record<string, number>> = {
  critical: 9.5,
  high: 8,
  medium: 5.5,
  low: 2,
  info: 0,
  unknown: 0,
};

/**
 * Where a finding is, as GitHub code scanning reads it: a URI relative to the repository root
 * (`uriBaseId` `%SRCROOT%`) and a region. The location is the lock file, manifest or code file, or, for
 * OS packages and network findings without one, the asset (an image or host name, kept as text). Only a
 * code finding (no component) carries a line, which the SARIF reader appends as `path:N` to a file path;
 * a package location (an image `redis:7`), a URL (`https://app.example.com:8443`) or a host and port
 * without a path (`db:5432`, as a CSV row may give it) is not split. Without a line, the region is line
 * 1, since GitHub wants one.
 */
function physicalLocation(f: Finding): object {
  let line =
    f.location && !f.component && !f.location.includes("://") ? TRAILING_LINE.exec(f.location) : null;
  if (line && !looksLikeFile(f.location.slice(0, line.index))) line = null;
  const path = line ? f.location.slice(0, line.index) : f.location || f.assetKey;
  const n = line ? Number(line[1]) : 1;
  return {
    artifactLocation: { uri: relativeUri(path), uriBaseId: "%SRCROOT%" },
    region: { startLine: Number.isSafeInteger(n) && n >= 1 ? n : 1 },
  };
}

/** A path with a directory or a file extension (`src/app.ts`, `Makefile` is not one: it keeps `:N`). */
function looksLikeFile(path: string): boolean {
  return path.includes("/") || path.includes("\\") || /\.[A-Za-z0-9_-]{1,10}$/.test(path);
}

/** The `:N` the SARIF reader appends to a code location (any number it read; lines below 1 become 1). */
const TRAILING_LINE = /(?<=.):(-?\d+(?:\.\d+)?)$/;

/**
 * A path as a relative URI reference: a scheme (`https://`) and leading slashes dropped, every segment
 * percent-encoded (so `#`, `?` and `%` stay part of the path instead of starting a fragment or query, and
 * a lone surrogate cannot make the encoder throw), with `@ : $ & + , ; =` kept readable, except a colon
 * in the first segment (`C:/src`, `db:5432`), which would read as a scheme.
 */
function relativeUri(location: string): string {
  const cleaned = wellFormed(location)
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .replace(/^\/+/, "");
  if (!cleaned) return "unknown";
  return cleaned
    .split("/")
    .map((segment, i) =>
      encodeURIComponent(segment).replace(i === 0 ? KEPT_BUT_COLON : KEPT, (c) => decodeURIComponent(c)),
    )
    .join("/");
}

const KEPT = /%(?:40|3A|24|26|2B|2C|3B|3D)/g;
const KEPT_BUT_COLON = /%(?:40|24|26|2B|2C|3B|3D)/g;

/**
 * The references a rule can link to: absolute http(s) URLs without credentials, as the URL parser
 * serializes them (percent-encoded, so safe in JSON, Markdown and SARIF), at most ten. Anything else a
 * report calls a reference (`javascript:`, a relative path, free text) is left out.
 */
function webReferences(references: readonly string[]): string[] {
  const urls: string[] = [];
  for (const r of references) {
    let url: URL;
    try {
      url = new URL(r.trim());
    } catch {
      continue;
    }
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) continue;
    if (!urls.includes(url.href)) urls.push(url.href);
    if (urls.length === 10) break;
  }
  return urls;
}

/**
 * The value with every string in it made well-formed (see `wellFormed`): a JSON report can carry lone
 * surrogates, and cutting a title can split a pair; SARIF consumers may reject the `\ud800` escapes
 * JSON.stringify would write for them.
 */
function wellFormedStrings<T>(value: T): T {
  if (typeof value === "string") return wellFormed(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => wellFormedStrings(v)) as T;
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wellFormedStrings(v)])) as T;
  return value;
}
