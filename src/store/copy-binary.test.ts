import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_BACKENDS, type TestStore } from "../../test/helpers/stores.js";
import { BinaryCopyRows } from "./copy-binary.js";

interface Row {
  readonly s: string | null;
  readonly x: number | null;
  readonly b: boolean | null;
  readonly a: readonly string[] | null;
  readonly d: string | null;
  readonly r: number | null;
  readonly big: number | null;
}

// What a hostile or odd report can carry: characters COPY's text format treats specially, non-ASCII,
// a NUL (which PostgreSQL text cannot hold: dropped), NULLs and values that are not finite numbers.
const ROWS: readonly Row[] = [
  { s: "plain", x: 9.8, b: true, a: ["1.2.3", "2.0"], d: "2024-10-30", r: 3, big: 8715186766221527 },
  { s: "tab\there\nand back\\slash", x: -1.5, b: false, a: [], d: "1999-12-31", r: 0, big: -2 },
  { s: 'quote " and \\N', x: 0, b: null, a: ['a "q"', "", "{braces}"], d: "2000-01-01", r: -1, big: 0 },
  { s: "naïve — 日本語 ✓ 🎉", x: null, b: true, a: ["ünïcode"], d: "2400-02-29", r: null, big: null },
  { s: "nul\u0000byte", x: Number.NaN, b: false, a: ["x\u0000y"], d: null, r: 32767, big: 2 ** 40 },
  { s: null, x: Number.POSITIVE_INFINITY, b: null, a: null, d: "1970-01-01", r: 1, big: 1 },
  // Long texts (encoded natively) with the same characters, and dates of other shapes.
  {
    s: 'naïve — 日本語 ✓ 🎉, quote " and \\N, tab\there '.repeat(3),
    x: 0.5,
    b: true,
    a: ["pkg:npm/%40scope/ünïcode@1.0.0?arch=x86_64&distro=3.19.1"],
    d: "0999-02-28",
    r: 2,
    big: 3,
  },
  {
    s: "a NUL in a long text: here \u0000 and gone",
    x: 1,
    b: false,
    a: ["x".repeat(30) + "\u0000" + "y".repeat(30)],
    d: "12024-10-30",
    r: 4,
    big: 5,
  },
];

function write(rows: BinaryCopyRows, r: Row, n: number): void {
  rows.row(8);
  rows.int8(n);
  rows.text(r.s);
  rows.float4(r.x);
  rows.boolean(r.b);
  rows.textArray(r.a);
  rows.date(r.d);
  rows.int2(r.r);
  rows.int8(r.big);
}

const strip = (v: string) => v.split("\u0000").join("");

describe.each(STORE_BACKENDS)("COPY binary rows on $name", (backend) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await backend.open();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("round-trips every type the import writes, NULLs and special characters included", async () => {
    const rows = new BinaryCopyRows();
    ROWS.forEach((r, i) => {
      write(rows, r, i);
    });
    // A row dropped halfway leaves nothing behind.
    rows.row(8);
    rows.int8(99);
    rows.text("dropped");
    rows.dropRow();
    const at = new Date("2026-12-01T21:22:00.747Z");
    const back = await t.store.transaction(async (tx) => {
      await tx.query(
        `CREATE TEMP TABLE copy_bin (n bigint, s text, x real, b boolean, a text[], d date, r smallint, big bigint, t timestamptz DEFAULT '${at.toISOString()}') ON COMMIT DROP`,
      );
      await tx.copyFrom("copy_bin", ["n", "s", "x", "b", "a", "d", "r", "big"], rows.take(), {
        binary: true,
      });
      const stamp = new BinaryCopyRows();
      stamp.row(2);
      stamp.int8(100);
      stamp.timestamptz(at.getTime());
      await tx.copyFrom("copy_bin", ["n", "t"], stamp.take(), { binary: true });
      return tx.query(
        `SELECT s, x, b, a, d::text AS d, r, big::text AS big, (t = '${at.toISOString()}') AS t FROM copy_bin ORDER BY n`,
      );
    });
    expect(back.slice(0, ROWS.length)).toEqual(
      ROWS.map((r) => ({
        s: r.s === null ? null : strip(r.s),
        // Read back as float4 prints it: the shortest text that gives the same float4.
        x: r.x === null || !Number.isFinite(r.x) ? null : r.x,
        b: r.b,
        a: r.a === null ? null : r.a.map(strip),
        d: r.d,
        r: r.r,
        big: r.big === null ? null : String(r.big),
        t: true,
      })),
    );
    expect(back[ROWS.length]).toMatchObject({ s: null, t: true });
    expect(back).toHaveLength(ROWS.length + 1);
  });

  it("keeps rows whole across buffers, long values included", async () => {
    const rows = new BinaryCopyRows();
    const long = ["x".repeat(70_000), "é".repeat(40_000)];
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const s = i % 1000 === 7 ? long[i % 2]! : `row ${i} ${"y".repeat(i % 97)}`;
      rows.row(2);
      rows.int8(i);
      rows.textArray(i % 500 === 3 ? long : [s]);
      expected.push(i % 500 === 3 ? long.join("|") : s);
    }
    expect(rows.rows).toBe(3000);
    const chunks = rows.take();
    expect(chunks.length).toBeGreaterThan(3);
    expect(rows.rows).toBe(0);
    const back = await t.store.transaction(async (tx) => {
      await tx.query(`CREATE TEMP TABLE copy_long (n bigint, a text[]) ON COMMIT DROP`);
      await tx.copyFrom("copy_long", ["n", "a"], chunks, { binary: true });
      // Rows written into the buffers of rows already copied land as written.
      BinaryCopyRows.recycle(chunks);
      for (let i = 3000; i < 6000; i++) {
        rows.row(2);
        rows.int8(i);
        rows.textArray([`again ${i}`]);
        expected.push(`again ${i}`);
      }
      await tx.copyFrom("copy_long", ["n", "a"], rows.take(), { binary: true });
      return tx.query<{ a: string }>(`SELECT array_to_string(a, '|') AS a FROM copy_long ORDER BY n`);
    });
    expect(back.map((r) => r.a)).toEqual(expected);
  });
});

describe("BinaryCopyRows", () => {
  it("hashes what the current row holds from a mark on, and the texts after it", () => {
    const hash = (value: string, scanner: string) => {
      const rows = new BinaryCopyRows();
      rows.row(2);
      rows.int8(1);
      const mark = rows.rowOffset;
      rows.text(value);
      return rows.hashSince(mark, scanner);
    };
    expect(hash("a", "trivy")).toBe(hash("a", "trivy"));
    expect(hash("a", "trivy")).not.toBe(hash("b", "trivy"));
    expect(hash("a", "trivy")).not.toBe(hash("a", "grype"));
    expect(Number.isSafeInteger(hash("a", "trivy"))).toBe(true);
  });

  it("gives nothing to copy when no row was written", () => {
    const rows = new BinaryCopyRows();
    expect(rows.take()).toEqual([]);
    rows.row(1);
    rows.int8(1);
    rows.dropRow();
    expect(rows.take()).toEqual([]);
  });
});
