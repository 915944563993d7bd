import { componentKey, type FindingIdentity } from "./fingerprint.js";

/**
 * A map from finding identity to a dense index, for a million findings in a few megabytes: each identity
 * is reduced to two independent 32-bit hashes (64 bits; the chance that two of a million identities
 * collide is about 3 in 100 million) kept in open-addressed typed arrays, instead of a Map of
 * 100-character key strings.
 *
 * @example
 * const t = new IdentityTable();
 * t.indexOf(f); // 0 (new), and 0 again for the same identity from another scanner
 */
export class IdentityTable {
  private h1: Int32Array;
  private h2: Int32Array;
  /** index + 1; 0 marks an empty slot. */
  private slot: Int32Array;
  private mask: number;
  /** Distinct identities seen. */
  size = 0;

  /**
   * `expected`: about how many identities will come, so that the table need not grow on the way (room is
   * made up front for at most 2,097,152; past that it grows as it fills).
   */
  constructor(expected = 0) {
    let capacity = 1 << 16;
    while (capacity < 2 * expected && capacity < 1 << 22) capacity *= 2;
    this.h1 = new Int32Array(capacity);
    this.h2 = new Int32Array(capacity);
    this.slot = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /** The identity's index: an existing one, or `size` (then size grows by one). */
  indexOf(f: FindingIdentity): number {
    hashA = 0x811c9dc5 | 0;
    hashB = 0x5bd1e995 | 0;
    mix(f.vulnId);
    mix(componentKey(f.component, f.ecosystem));
    mix(f.version);
    mix(f.assetKey);
    mix(f.location);
    const a = fmix(hashA);
    return this.indexOfHash(a, fmix(hashB ^ a));
  }

  /**
   * The index of a 64-bit key given as two 32-bit halves (for keys that are already hashes, such as the
   * first 16 hex digits of a SHA-256 fingerprint): an existing index, or `size` for a new key.
   */
  indexOfHash(a: number, b: number): number {
    let i = a & this.mask;
    for (;;) {
      const s = this.slot[i]!;
      if (s === 0) break;
      if (this.h1[i] === a && this.h2[i] === b) return s - 1;
      i = (i + 1) & this.mask;
    }
    const index = this.size++;
    this.h1[i] = a;
    this.h2[i] = b;
    this.slot[i] = index + 1;
    if (this.size * 2 > this.mask) this.grow();
    return index;
  }

  private grow(): void {
    const { h1, h2, slot } = this;
    const capacity = slot.length * 2;
    this.h1 = new Int32Array(capacity);
    this.h2 = new Int32Array(capacity);
    this.slot = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let j = 0; j < slot.length; j++) {
      const s = slot[j]!;
      if (s === 0) continue;
      let i = h1[j]! & this.mask;
      while (this.slot[i] !== 0) i = (i + 1) & this.mask;
      this.h1[i] = h1[j]!;
      this.h2[i] = h2[j]!;
      this.slot[i] = s;
    }
  }
}

// The two running hashes of `indexOf`, kept here rather than in an array of parts per finding.
let hashA = 0;
let hashB = 0;

/** Feed one part of an identity into both hashes, then a separator so ("ab", "c") and ("a", "bc") differ. */
function mix(s: string): void {
  let a = hashA;
  let b = hashB;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  hashA = Math.imul(a ^ 0x1f, 0x01000193);
  hashB = Math.imul(b ^ 0x1f, 0x5bd1e995);
}

/** MurmurHash3's 32-bit finalizer: every input bit affects every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
