/**
 * Loose version comparison for choosing among fixed versions: numbers compare as numbers, anything else as
 * text, segment by segment (`1.10.0` > `1.9.2`, `3.0.7-r1` > `3.0.7-r0`). Not a full semver or dpkg
 * ordering; good enough to pick the fix that applies to an installed version.
 *
 * @example compareVersions("8.17.1", "8.13.0") > 0 // true
 */
export function compareVersions(a: string, b: string): number {
  const x = segments(a);
  const y = segments(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (typeof p === "number" && typeof q === "number") {
      if (p !== q) return p - q;
    } else if (p !== q) {
      return String(p) < String(q) ? -1 : 1;
    }
  }
  return 0;
}

function segments(v: string): (number | string)[] {
  const out: (number | string)[] = [];
  for (const part of v.split(/[.\-+_:~]/)) {
    const m = /^(\d+)(.*)$/.exec(part);
    if (m) {
      out.push(Number(m[1]));
      if (m[2]) out.push(m[2]);
    } else if (part) out.push(part);
  }
  return out;
}

/**
 * The fixed version that applies to `installed`: the lowest fix above it (scanners list fixes for every
 * release line, e.g. ws "5.2.4, 6.2.3, 7.5.10, 8.17.1" for 8.13.0 -> 8.17.1), else the first listed.
 *
 * @example applicableFix("8.13.0", ["5.2.4", "6.2.3", "7.5.10", "8.17.1"]) // "8.17.1"
 */
export function applicableFix(installed: string, fixes: readonly string[]): string | undefined {
  if (fixes.length <= 1 || !installed) return fixes[0];
  let best: string | undefined;
  for (const f of fixes) {
    if (compareVersions(f, installed) > 0 && (best === undefined || compareVersions(f, best) < 0)) best = f;
  }
  return best ?? fixes[0];
}
