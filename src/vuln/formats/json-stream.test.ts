import { describe, expect, it } from "vitest";
import { DetenteError } from "../../errors.js";
import { JsonStreamReader, type JsonObject } from "./json-stream.js";

interface Seen {
  readonly value: unknown;
  readonly parents: readonly JsonObject[];
}

/** Every element of `Results.*.Vulnerabilities` with copies of its parents, reading `bytes` in `chunks`. */
function elements(bytes: Buffer, chunks: readonly number[], exactOffsets = false): Seen[] {
  const seen: Seen[] = [];
  const reader = new JsonStreamReader("report.json", {
    elements: {
      "Results.*.Vulnerabilities": (value, parents) => {
        seen.push({ value, parents: parents.map((p) => ({ ...p })) });
      },
    },
    exactOffsets,
  });
  let at = 0;
  for (const size of chunks) {
    // One buffer reused for every chunk, as `openReport` does: the reader must not keep any of it.
    const scratch = Buffer.alloc(size);
    bytes.copy(scratch, 0, at, at + size);
    reader.push(scratch.subarray(0, Math.min(size, bytes.length - at)));
    scratch.fill(0x5a);
    at += size;
    if (at >= bytes.length) break;
  }
  if (at < bytes.length) {
    const rest = Buffer.from(bytes.subarray(at));
    reader.push(rest);
  }
  reader.end();
  return seen;
}

/** A report of `n` vulnerabilities whose titles hold 2-, 3- and 4-byte UTF-8 characters. */
function report(n: number, padding = 0): { bytes: Buffer; expected: JsonObject[] } {
  const vulns: JsonObject[] = [];
  for (let i = 0; i < n; i++) {
    vulns.push({
      VulnerabilityID: `CVE-2024-${1000 + i}`,
      Title: `naïve 日本語 ✓ 🦀 #${i} ${"é".repeat(padding)}`,
      CVSS: { nvd: { V3Score: 9.8 } },
      References: ["https://example.com/a", `https://example.com/${i}`],
    });
  }
  const doc = { SchemaVersion: 2, ArtifactName: "img:1", Results: [{ Target: "t", Vulnerabilities: vulns }] };
  return { bytes: Buffer.from(JSON.stringify(doc, null, 1)), expected: vulns };
}

describe("JsonStreamReader", () => {
  it("reads the same elements whatever the chunk sizes, with characters split across chunks", () => {
    const { bytes, expected } = report(40);
    for (const chunks of [[bytes.length], Array<number>(bytes.length).fill(1), [3, 5, 7, 11, 13, 4096]]) {
      const seen = elements(bytes, chunks);
      expect(seen.map((s) => s.value)).toEqual(expected);
      // Parents hold the fields read so far; a walked array is there, empty (its elements are not kept).
      expect(seen[0]!.parents).toEqual([
        { SchemaVersion: 2, ArtifactName: "img:1", Results: [] },
        { Target: "t", Vulnerabilities: [] },
      ]);
    }
  });

  it("reads elements larger than a decoding piece, in one chunk of several pieces", () => {
    // Each title is about 70 KiB of two-byte characters: every element spans several 32 KiB pieces, and
    // pieces end inside characters.
    const { bytes, expected } = report(12, 35_000);
    expect(bytes.length).toBeGreaterThan(800_000);
    expect(elements(bytes, [bytes.length]).map((s) => s.value)).toEqual(expected);
    expect(elements(bytes, [1 << 20, 65_537]).map((s) => s.value)).toEqual(expected);
    expect(elements(bytes, [bytes.length], true).map((s) => s.value)).toEqual(expected);
  });

  it("names the character where the bad element starts, counting characters rather than bytes", () => {
    const text = '{"Results":[{"Vulnerabilities":[{"Title":"日本"},{"Title":tru}]}]}';
    const bytes = Buffer.from(text);
    let error: unknown;
    try {
      elements(bytes, [5, 9, 1 << 20]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DetenteError);
    const offset = (error as DetenteError).details?.charOffset;
    // "日本" takes six bytes and two characters before the bad element.
    expect(offset).toBe(text.indexOf('{"Title":tru}'));
  });

  describe("a single key or value of megabytes (read in pieces, not rescanned as each arrives)", () => {
    // Escapes that a piece boundary may cut: a backslash before a quote, a pair of backslashes, \u.
    const tricky = 'a\\"b\\\\c\\u00e9 "q" }] {['.repeat(60_000) + "日本🦀";
    const nested = Array.from({ length: 40_000 }, (_, i) => ({ k: `v${i}"}`, n: [i, { d: [] }] }));
    const doc = {
      SchemaVersion: 2,
      Results: [
        {
          Target: "t",
          [tricky.slice(0, 1_500_000)]: "huge key",
          Big: 1234567890123456,
          Vulnerabilities: [{ VulnerabilityID: "CVE-1", Description: tricky }, { Nested: nested }, 7],
        },
      ],
    };
    const bytes = Buffer.from(JSON.stringify(doc));

    it("reads it whole whatever the chunk sizes", () => {
      expect(bytes.length).toBeGreaterThan(3_000_000);
      for (const chunks of [[bytes.length], [1 << 20, 65_537, 4099], [7, 1 << 16, 333_333]]) {
        const seen = elements(bytes, chunks);
        expect(seen.map((s) => s.value)).toEqual(doc.Results[0]!.Vulnerabilities);
        expect(seen[0]!.parents[1]).toEqual({
          Target: "t",
          [tricky.slice(0, 1_500_000)]: "huge key",
          Big: 1234567890123456,
          Vulnerabilities: [],
        });
      }
    });

    it("names the character where a bad one starts, and reports it truncated", () => {
      const text = JSON.stringify(doc).replace('"v39999\\"}"', "v39999");
      let error: unknown;
      try {
        elements(Buffer.from(text), [1 << 16]);
      } catch (e) {
        error = e;
      }
      // Where the bad element starts, as for any other element.
      expect((error as DetenteError).details?.charOffset).toBe(text.indexOf('{"Nested"'));
      expect(() => elements(bytes.subarray(0, 2_000_000), [1 << 16])).toThrow(/truncated/);
    });
  });

  it("reports a truncated document", () => {
    const { bytes } = report(3);
    expect(() => elements(bytes.subarray(0, bytes.length - 5), [64])).toThrow(/truncated/);
  });
});
