/**
 * IPv4 and IPv6 addresses and CIDR blocks as integers, parsed by hand (no regular expressions) so that
 * any string from a report can be tried as an address cheaply and safely. IPv4-mapped IPv6 addresses
 * (`::ffff:10.0.0.1`) are treated as the IPv4 address they carry.
 */

export type IpVersion = 4 | 6;

export interface IpAddress {
  readonly version: IpVersion;
  readonly value: bigint;
}

export interface Cidr {
  readonly version: IpVersion;
  /** The network address (host bits zero). */
  readonly network: bigint;
  readonly prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

/** Number of bits in an address of `version`. */
export function ipBits(version: IpVersion): number {
  return BITS[version];
}

/**
 * Parse a plain IPv4 or IPv6 address (no brackets, port or prefix); an IPv6 zone (`%eth0`) is ignored.
 * Returns undefined for anything else, including IPv4 octets with leading zeros (ambiguous: octal?).
 *
 * @example parseIp("10.20.3.4"); // { version: 4, value: 169083652n }
 */
export function parseIp(text: string): IpAddress | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  if (!text.includes(":")) {
    const v4 = parseIpv4(text);
    return v4 === undefined ? undefined : { version: 4, value: v4 };
  }
  const zone = text.indexOf("%");
  const v6 = parseIpv6(zone >= 0 ? text.slice(0, zone) : text);
  if (v6 === undefined) return undefined;
  // ::ffff:0:0/96 holds IPv4-mapped addresses; scanners print either spelling of the same host.
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

/**
 * Parse an address (a block of one) or `address/prefix`. Returns an error sentence instead of throwing
 * so the inventory loader can report it against the right line; host bits set under the prefix are an
 * error, because `10.20.1.0/16` is more often a typo for `/24` than a wish for `10.20.0.0/16`.
 *
 * @example parseCidr("10.20.0.0/16"); // { ok: true, cidr: { version: 4, network: 169082880n, prefix: 16 } }
 */
export function parseCidr(text: string): { ok: true; cidr: Cidr } | { ok: false; error: string } {
  const slash = text.indexOf("/");
  const addressText = slash >= 0 ? text.slice(0, slash) : text;
  const address = parseIp(addressText);
  if (!address) return { ok: false, error: `expected an IP address or CIDR block, got "${text}"` };
  const bits = BITS[address.version];
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > (addressText.includes(":") ? 128 : 32)) {
      return { ok: false, error: `"${text}" has an invalid prefix length` };
    }
    // A mapped IPv6 block such as ::ffff:10.0.0.0/104 is the IPv4 block 10.0.0.0/8.
    if (address.version === 4 && addressText.includes(":")) prefix -= 96;
    if (prefix < 0) return { ok: false, error: `"${text}" mixes IPv4-mapped and plain IPv6 space` };
  }
  const network = maskIp(address.value, address.version, prefix);
  if (network !== address.value) {
    const suggestion = formatIp({ version: address.version, value: network });
    return {
      ok: false,
      error: `"${text}" has host bits set; did you mean ${suggestion}/${prefix}, or a longer prefix?`,
    };
  }
  return { ok: true, cidr: { version: address.version, network, prefix } };
}

/** Keep the top `prefix` bits of an address. */
export function maskIp(value: bigint, version: IpVersion, prefix: number): bigint {
  const bits = BigInt(BITS[version]);
  const host = bits - BigInt(prefix);
  return (value >> host) << host;
}

/**
 * The canonical text of an address: dotted IPv4, or RFC 5952 IPv6 (lower-case, longest zero run as `::`).
 *
 * @example formatIp({ version: 6, value: 0x20010db8000000000000000000000001n }); // "2001:db8::1"
 */
export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) {
    const v = Number(ip.value);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1; // RFC 5952: `::` only for runs of two or more zero groups
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (part.length === 0 || part.length > 3 || (part.length > 1 && part.startsWith("0"))) return undefined;
    let n = 0;
    for (const c of part) {
      if (c < "0" || c > "9") return undefined;
      n = n * 10 + (c.charCodeAt(0) - 48);
    }
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const groups: number[] = [];
  const readGroups = (parts: string[], isLast: boolean): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (isLast && i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part); // embedded IPv4 in the last 32 bits
        if (v4 === undefined) return false;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (part.length === 0 || part.length > 4) return false;
      const n = Number.parseInt(part, 16);
      if (!isHex(part) || Number.isNaN(n)) return false;
      groups.push(n);
    }
    return true;
  };
  if (!readGroups(head, halves.length === 1)) return undefined;
  const headCount = groups.length;
  if (!readGroups(tail, true)) return undefined;
  const missing = 8 - groups.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const full = [
    ...groups.slice(0, headCount),
    ...new Array<number>(missing).fill(0),
    ...groups.slice(headCount),
  ];
  let value = 0n;
  for (const g of full) value = (value << 16n) | BigInt(g);
  return value;
}

function isHex(text: string): boolean {
  for (const c of text.toLowerCase()) {
    if (!((c >= "0" && c <= "9") || (c >= "a" && c <= "f"))) return false;
  }
  return true;
}
