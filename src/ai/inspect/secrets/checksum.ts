/**
 * Token checksums vendors publish, so a detector can tell a real token from a look-alike: GitHub's and
 * npm's last six characters are the CRC32 of the 30 random characters, in base62 with leading zeros.
 */

const CRC_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * CRC-32 (IEEE) of an ASCII string.
 *
 * @example crc32("hello") // 907060870
 */
export function crc32(s: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) c = CRC_TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * `n` in base62 (0-9A-Za-z), left-padded with zeros to `width`.
 *
 * @example base62(61, 2) // "0z"
 */
export function base62(n: number, width: number): string {
  let out = "";
  let v = n;
  while (v > 0) {
    out = BASE62[v % 62]! + out;
    v = Math.floor(v / 62);
  }
  return out.padStart(width, "0");
}

/**
 * True when a GitHub-format token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `npm_`: a four-character prefix,
 * 30 random characters, 6 checksum characters) carries a valid checksum.
 *
 * @example hasGitHubChecksum("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") // true
 */
export function hasGitHubChecksum(token: string): boolean {
  if (token.length !== 40) return false;
  const random = token.slice(4, 34);
  return base62(crc32(random), 6) === token.slice(34);
}

/**
 * A GitHub-format token with a valid checksum, for tests and the corpus generator.
 *
 * @example withGitHubChecksum("ghp_", "zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ") // "ghp_zQWB...0mLq17"
 */
export function withGitHubChecksum(prefix: string, random30: string): string {
  return prefix + random30 + base62(crc32(random30), 6);
}
