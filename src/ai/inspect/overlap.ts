import type { Hit } from "./scan.js";

/**
 * Which hits compete for the same characters. Values that redaction replaces (secrets, PII, confidential
 * terms) form one group: a token is either a GitHub token or an e-mail, never both. Injection, unsafe
 * code and source code are facts about a region, each its own group, so a code block keeps the secret
 * inside it and both are reported. Plug-in failures stand apart.
 */
export function groupOf(h: Pick<Hit, "dataClass" | "type">): string {
  if (h.type.startsWith("detector-error:")) return h.type;
  if (h.dataClass === "secret" || h.dataClass === "pii" || h.dataClass === "confidential") return "value";
  return h.dataClass;
}

/**
 * True when two detections compete for the same characters (see `groupOf`).
 *
 * @example sameGroup({ dataClass: "secret", type: "jwt" }, { dataClass: "pii", type: "email" }) // true
 */
export function sameGroup(a: Pick<Hit, "dataClass" | "type">, b: Pick<Hit, "dataClass" | "type">): boolean {
  return groupOf(a) === groupOf(b);
}

/** Better first: higher rank, then confidence, then the longer span, then the earlier one. */
function better(a: Hit, b: Hit): number {
  return (
    b.rank - a.rank || b.confidence - a.confidence || b.end - b.start - (a.end - a.start) || a.start - b.start
  );
}

/** Keep the best non-overlapping hits of one cluster of overlapping hits spanning [from, to). */
function pick(cluster: Hit[], from: number, to: number): Hit[] {
  cluster.sort(better);
  const taken = new Uint8Array(to - from);
  const kept: Hit[] = [];
  for (const h of cluster) {
    let free = true;
    for (let i = h.start - from; i < h.end - from; i++) {
      if (taken[i] === 1) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, h.start - from, h.end - from);
    kept.push(h);
  }
  return kept;
}

/**
 * Resolve overlapping hits within each group (the more specific wins; see `groupOf` and `RANK`) and
 * return them ordered by start. Linear in the total length of the hits after sorting: each cluster of
 * overlapping hits is settled on a bitmap of its own span.
 *
 * @example resolveOverlaps([cardHit, phoneHitInsideIt]) // [cardHit]
 */
export function resolveOverlaps(hits: readonly Hit[]): Hit[] {
  const groups = new Map<string, Hit[]>();
  for (const h of hits) {
    const g = groupOf(h);
    const list = groups.get(g);
    if (list === undefined) groups.set(g, [h]);
    else list.push(h);
  }
  const out: Hit[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.start - b.start || b.end - a.end);
    let i = 0;
    while (i < list.length) {
      let j = i + 1;
      let end = list[i]!.end;
      while (j < list.length && list[j]!.start < end) {
        end = Math.max(end, list[j]!.end);
        j++;
      }
      if (j - i === 1) out.push(list[i]!);
      else for (const h of pick(list.slice(i, j), list[i]!.start, end)) out.push(h);
      i = j;
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}
