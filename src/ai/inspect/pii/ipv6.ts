import { isHexCode, isIdentCode } from "../chars.js";
import type { Plan } from "../plan.js";
import { RANK, type Scan } from "../scan.js";

const IPV4_TAIL = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Number of 16-bit groups in an IPv6 address, or undefined when it is not one.
 *
 * @example ipv6Groups("2001:db8::1") // { groups: 3, compressed: true }
 */
export function ipv6Groups(s: string): { groups: number; compressed: boolean } | undefined {
  if (s.includes(":::")) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  let count = 0;
  for (let h = 0; h < halves.length; h++) {
    const half = halves[h]!;
    if (half === "") continue;
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const last = h === halves.length - 1 && i === parts.length - 1;
      if (last && p.includes(".")) {
        if (!IPV4_TAIL.test(p)) return undefined;
        count += 2;
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) count++;
      else return undefined;
    }
  }
  const compressed = halves.length === 2;
  if (compressed ? count > 7 : count !== 8) return undefined;
  return { groups: count, compressed };
}

/**
 * IPv6 addresses around a `:` (full, `::`-compressed, with an IPv4 tail). Not reported: `::`, `::1`
 * (loopback), and shapes with no digit at all (`dead::beef` is more likely code than an address).
 */
function ipv6(text: string, pos: number, scan: Scan): void {
  if (pos < scan.ipv6SkipUntil) return;
  const before = pos > 0 ? text.charCodeAt(pos - 1) : 0;
  const after = text.charCodeAt(pos + 1);
  if (!(isHexCode(before) || before === 58) || !(isHexCode(after) || after === 58)) return;
  let s = pos;
  while (s > 0 && pos - s < 40) {
    const c = text.charCodeAt(s - 1);
    if (isHexCode(c) || c === 58) s--;
    else break;
  }
  if (s > 0 && (isIdentCode(text.charCodeAt(s - 1)) || text.charCodeAt(s - 1) === 46)) return;
  let e = pos;
  const n = text.length;
  while (e < n && e - s < 45) {
    const c = text.charCodeAt(e);
    if (isHexCode(c) || c === 58 || c === 46) e++;
    else break;
  }
  while (e > s && text.charCodeAt(e - 1) === 46) e--;
  scan.ipv6SkipUntil = e;
  if (e < n && isIdentCode(text.charCodeAt(e))) return;
  const candidate = text.slice(s, e);
  const parsed = ipv6Groups(candidate);
  if (parsed === undefined || !/\d/.test(candidate)) return;
  if (candidate === "::" || /^(?:0{0,4}:){0,7}:?0{0,3}1$/.test(candidate)) return;
  if (parsed.groups < 2 && !candidate.includes(".")) return;
  scan.emit("pii", "ipv6", s, e, parsed.compressed ? 0.8 : 0.9, RANK.ip);
}

/**
 * Register IPv6 detection at every `:`.
 *
 * @example registerIpv6(plan); // "fe80::1ff:fe23:4567:890a" -> ipv6
 */
export function registerIpv6(plan: Plan): void {
  plan.char(58, ipv6);
}
