import type { Cvss, Finding } from "../../vuln/finding.js";
import { componentKey } from "../../vuln/fingerprint.js";

/**
 * Collects findings from any number of reports into one de-duplicated list, small enough in memory for a
 * million findings: strings repeat across findings (the same CVE, package, image), so each distinct
 * string, array and CVSS value is kept once and shared, and a vulnerability's title and references are
 * kept once per vulnerability. Two scanners reporting the same identity (see `vuln/fingerprint.ts`)
 * become one finding whose evidence is merged and whose sources are both listed.
 *
 * @example
 * const c = new FindingCollector();
 * for await (const batch of report.findings) for (const f of batch) c.add(f);
 * c.findings.length; // distinct findings
 */
export class FindingCollector {
  /** Distinct findings in first-seen order. */
  readonly findings: Finding[] = [];
  /** Findings read, duplicates included. */
  read = 0;
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];
  private readonly byIdentity = new Map<string, number>();
  private readonly arrays = new Map<string, readonly string[]>();
  private readonly cvss = new Map<string, Cvss>();
  private readonly vulnText = new Map<string, { title: string; references: string[] }>();
  /** Scanners of findings reported by more than one, by index; absent means only `finding.scanner`. */
  private readonly extraScanners = new Map<number, Set<string>>();

  add(f: Finding): void {
    this.read++;
    const vulnId = this.str(f.vulnId);
    const component = this.str(f.component);
    const version = this.str(f.version);
    const assetKey = this.str(f.assetKey);
    const location = this.str(f.location);
    const key =
      this.id(vulnId) +
      "," +
      this.id(componentKey(component, f.ecosystem)) +
      "," +
      this.id(version) +
      "," +
      this.id(assetKey) +
      "," +
      this.id(location);
    const existing = this.byIdentity.get(key);
    if (existing !== undefined) {
      this.merge(existing, f);
      return;
    }
    let text = this.vulnText.get(vulnId);
    if (!text) this.vulnText.set(vulnId, (text = { title: f.title, references: f.references }));
    this.byIdentity.set(key, this.findings.length);
    this.findings.push({
      vulnId,
      aliases: this.arr(f.aliases) as string[],
      component,
      version,
      ecosystem: this.str(f.ecosystem),
      purl: this.str(f.purl),
      fixedVersions: this.arr(f.fixedVersions) as string[],
      location,
      assetKey,
      scanner: this.str(f.scanner),
      rule: this.str(f.rule),
      severity: f.severity,
      cvss3: this.cv(f.cvss3),
      cvss4: this.cv(f.cvss4),
      title: text.title || f.title,
      references: text.references,
      epss: f.epss,
      knownExploited: f.knownExploited,
      exploitAvailable: f.exploitAvailable,
      scannerRisk: f.scannerRisk,
      status: f.status,
      statusDetail: this.str(f.statusDetail),
    });
  }

  /** Every scanner that reported finding `index`. */
  scannersOf(index: number): string[] {
    const f = this.findings[index];
    if (!f) return [];
    const extra = this.extraScanners.get(index);
    return extra ? [...new Set([f.scanner, ...extra])].sort() : [f.scanner];
  }

  /** Findings that were reported more than once (by two scanners, or twice by one). */
  get duplicates(): number {
    return this.read - this.findings.length;
  }

  /** Evidence accumulates: the highest EPSS, any exploit flag, CVSS and fixes where one scanner had none. */
  private merge(index: number, f: Finding): void {
    const old = this.findings[index]!;
    if (f.scanner !== old.scanner) {
      let set = this.extraScanners.get(index);
      if (!set) this.extraScanners.set(index, (set = new Set()));
      set.add(this.str(f.scanner));
    }
    this.findings[index] = {
      ...old,
      epss: f.epss && (!old.epss || f.epss.score > old.epss.score) ? f.epss : old.epss,
      knownExploited:
        f.knownExploited === true || old.knownExploited === true
          ? true
          : (old.knownExploited ?? f.knownExploited),
      exploitAvailable:
        f.exploitAvailable === true || old.exploitAvailable === true
          ? true
          : (old.exploitAvailable ?? f.exploitAvailable),
      cvss3: old.cvss3 ?? this.cv(f.cvss3),
      cvss4: old.cvss4 ?? this.cv(f.cvss4),
      fixedVersions:
        old.fixedVersions.length > 0 ? old.fixedVersions : (this.arr(f.fixedVersions) as string[]),
      severity: old.severity === "unknown" ? f.severity : old.severity,
      title: old.title || f.title,
      purl: old.purl || this.str(f.purl),
    };
  }

  private str(s: string): string {
    const id = this.ids.get(s);
    if (id !== undefined) return this.strings[id]!;
    this.ids.set(s, this.strings.length);
    this.strings.push(s);
    return s;
  }

  private id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.ids.set(s, id);
      this.strings.push(s);
    }
    return id;
  }

  private arr(a: readonly string[]): readonly string[] {
    if (a.length === 0) return EMPTY;
    const key = a.join("\u001f");
    let v = this.arrays.get(key);
    if (!v) this.arrays.set(key, (v = a.map((s) => this.str(s))));
    return v;
  }

  private cv(c: Cvss | null): Cvss | null {
    if (!c) return null;
    const key = c.vector + "|" + c.score;
    let v = this.cvss.get(key);
    if (!v) this.cvss.set(key, (v = c));
    return v;
  }
}

const EMPTY: readonly string[] = Object.freeze([]);
