import { describe, expect, it } from "vitest";
import { formatIp, maskIp, parseCidr, parseIp } from "./ip.js";

describe("parseIp", () => {
  it("parses IPv4 and rejects what is not a dotted quad", () => {
    expect(parseIp("10.20.3.4")).toEqual({
      version: 4,
      value: (10n << 24n) | (20n << 16n) | (3n << 8n) | 4n,
    });
    expect(parseIp("255.255.255.255")?.value).toBe(0xffffffffn);
    for (const bad of ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.x", "", "1..2.3", "a.b.c.d"]) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });

  it("parses IPv6 with `::`, an embedded IPv4 tail and a zone", () => {
    expect(parseIp("2001:db8::1")).toEqual({ version: 6, value: 0x20010db8000000000000000000000001n });
    expect(parseIp("::")).toEqual({ version: 6, value: 0n });
    expect(parseIp("::1")?.value).toBe(1n);
    expect(parseIp("fe80::1%eth0")).toEqual({ version: 6, value: 0xfe800000000000000000000000000001n });
    expect(parseIp("2001:DB8:0:0:0:0:0:1")?.value).toBe(0x20010db8000000000000000000000001n);
    expect(parseIp("64:ff9b::192.0.2.33")?.value).toBe(0x0064ff9b0000000000000000c0000221n);
    for (const bad of [
      "2001:db8:::1",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::1",
      "g::1",
      ":1::",
      "1::2::3",
    ]) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });

  it("reads IPv4-mapped IPv6 as the IPv4 address", () => {
    expect(parseIp("::ffff:10.0.0.1")).toEqual(parseIp("10.0.0.1"));
    expect(parseIp("::ffff:a00:1")).toEqual(parseIp("10.0.0.1"));
  });
});

describe("parseCidr", () => {
  it("parses blocks and single addresses", () => {
    expect(parseCidr("10.20.0.0/16")).toEqual({
      ok: true,
      cidr: { version: 4, network: 0x0a140000n, prefix: 16 },
    });
    expect(parseCidr("10.20.9.10")).toEqual({
      ok: true,
      cidr: { version: 4, network: 0x0a14090an, prefix: 32 },
    });
    expect(parseCidr("2001:db8::/32")).toEqual({
      ok: true,
      cidr: { version: 6, network: 0x20010db8n << 96n, prefix: 32 },
    });
    expect(parseCidr("0.0.0.0/0")).toEqual({ ok: true, cidr: { version: 4, network: 0n, prefix: 0 } });
    expect(parseCidr("::ffff:10.0.0.0/104")).toEqual({
      ok: true,
      cidr: { version: 4, network: 0x0a000000n, prefix: 8 },
    });
  });

  it("explains bad blocks", () => {
    expect(parseCidr("10.20.1.0/16")).toEqual({
      ok: false,
      error: '"10.20.1.0/16" has host bits set; did you mean 10.20.0.0/16, or a longer prefix?',
    });
    expect(parseCidr("2001:db8::1/32")).toEqual({
      ok: false,
      error: '"2001:db8::1/32" has host bits set; did you mean 2001:db8::/32, or a longer prefix?',
    });
    expect(parseCidr("10.0.0.0/33")).toEqual({
      ok: false,
      error: '"10.0.0.0/33" has an invalid prefix length',
    });
    expect(parseCidr("10.0.0.0/")).toMatchObject({ ok: false });
    expect(parseCidr("10.0.0.0/-1")).toMatchObject({ ok: false });
    expect(parseCidr("2001:db8::/129")).toMatchObject({ ok: false });
    expect(parseCidr("example.com/24")).toEqual({
      ok: false,
      error: 'expected an IP address or CIDR block, got "example.com/24"',
    });
  });
});

describe("formatIp and maskIp", () => {
  it("formats IPv6 the RFC 5952 way", () => {
    const v6 = (text: string): string => formatIp(parseIp(text)!);
    expect(v6("2001:0db8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
    expect(v6("2001:db8:0:1:0:0:0:1")).toBe("2001:db8:0:1::1");
    expect(v6("2001:db8:0:1:1:1:1:1")).toBe("2001:db8:0:1:1:1:1:1"); // a single zero group stays
    expect(v6("::")).toBe("::");
    expect(v6("1::")).toBe("1::");
    expect(formatIp({ version: 4, value: 0xc0000221n })).toBe("192.0.2.33");
  });

  it("masks to a prefix", () => {
    expect(formatIp({ version: 4, value: maskIp(parseIp("10.20.30.40")!.value, 4, 12) })).toBe("10.16.0.0");
    expect(maskIp(parseIp("2001:db8:40:1::5")!.value, 6, 48)).toBe(parseIp("2001:db8:40::")!.value);
  });
});
