import { describe, expect, it } from "vitest";
import { JsonNumber, membersIn, parseJson, stringifyJson } from "./json-parse.js";

/** Parse, then write back: what the gateway sends after redacting something else in the same body. */
const roundTrip = (text: string) => stringifyJson(parseJson(text).value);

describe("JSON numbers a double would change are kept as written", () => {
  it("writes integers beyond 2^53 and overflowing numbers back as they came", () => {
    const text =
      '{"order_id":12345678901234567891,"ids":[-98765432109876543210,9007199254740993],"huge":1e400,"tiny":-1E+999,"n":{"deep":[[18446744073709551615]]}}';
    // What JSON.parse and JSON.stringify alone would send instead:
    expect(JSON.stringify(JSON.parse(text))).toContain('"order_id":12345678901234567000');
    expect(JSON.stringify(JSON.parse(text))).toContain('"huge":null');
    expect(roundTrip(text)).toBe(text);
  });

  it("parses a body that is one number as JSON.parse does (it is never an object to rewrite)", () => {
    expect(parseJson(" 12345678901234567891 ").value).toBe(12345678901234567000);
  });

  it("keeps numbers at any depth, under a __proto__ key too", () => {
    const depth = 20_000;
    const deep = `${"[".repeat(depth)}12345678901234567891${"]".repeat(depth)}`;
    let v = parseJson(`{"d":${deep}}`).value as { d: unknown };
    let inner: unknown = v.d;
    for (let i = 1; i < depth; i++) inner = (inner as unknown[])[0];
    expect(String((inner as unknown[])[0])).toBe("12345678901234567891");
    v = parseJson('{"__proto__":{"n":12345678901234567891},"m":[1e400]}').value as { d: unknown };
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["__proto__", "m"]);
    expect(stringifyJson(v)).toBe('{"__proto__":{"n":12345678901234567891},"m":[1e400]}');
  });

  it("keeps none past 100,000 in one text, which then goes out as JSON.stringify writes it", () => {
    const many = `[${Array.from({ length: 100_001 }, () => "1e999").join(",")}]`;
    const { value } = parseJson(many);
    expect((value as unknown[]).every((x) => x === Infinity)).toBe(true);
    const enough = `[${Array.from({ length: 100_000 }, () => "1e999").join(",")}]`;
    expect(stringifyJson(parseJson(enough).value)).toBe(enough);
  });

  it("leaves as plain numbers those a double holds, and fractions and exponents, which every reader reads as doubles", () => {
    const { value } = parseJson(
      '{"a":9007199254740992,"b":1e20,"c":100000000000000000000,"d":0.1,"e":1.2345678901234567891,"f":-4e-400,"g":42}',
    );
    expect(value).toEqual({
      a: 2 ** 53,
      b: 1e20,
      c: 1e20,
      d: 0.1,
      e: Number("1.2345678901234567891"),
      f: -0,
      g: 42,
    });
    for (const v of Object.values(value as object)) expect(typeof v).toBe("number");
  });

  it("says which kept numbers are integers (their digits are inspected) and which overflowed", () => {
    const { value } = parseJson("[4532015112830369272, -12345678901234567891, 1.5e400, 1e999]");
    expect((value as JsonNumber[]).map((n) => [String(n), n.integer])).toEqual([
      ["4532015112830369272", true],
      ["-12345678901234567891", true],
      ["1.5e400", false],
      ["1e999", false],
    ]);
  });

  it("reads no number inside a string, escaped quotes included", () => {
    const text =
      '{"s":"12345678901234567891","t":"say \\"99999999999999999999\\" \\\\","u":["\\\\\\"",55555555555555555555]}';
    const { value } = parseJson(text);
    const v = value as { s: string; t: string; u: unknown[] };
    expect(v.s).toBe("12345678901234567891");
    expect(v.t).toBe('say "99999999999999999999" \\');
    expect(v.u[0]).toBe('\\"');
    expect(v.u[1]).toBeInstanceOf(JsonNumber);
    expect(roundTrip(text)).toBe(
      '{"s":"12345678901234567891","t":"say \\"99999999999999999999\\" \\\\","u":["\\\\\\"",55555555555555555555]}',
    );
  });

  it("keeps a client's string that starts like the mark as a string", () => {
    // The mark holds a nonce of the process: a client cannot write it, so a NUL and digits stay text.
    const text = '{"a":"\\u0000abc:12345678901234567891","b":12345678901234567891}';
    const { value } = parseJson(text);
    expect((value as { a: unknown }).a).toBe("\u0000abc:12345678901234567891");
    expect(roundTrip(text)).toBe(text);
  });

  it("keeps a kept number when the value around it is changed, and drops it when it is replaced", () => {
    const { value } = parseJson('{"id":12345678901234567891,"card":4532015112830369272,"email":"a@b.io"}');
    const body = value as Record<string, unknown>;
    body.email = "[EMAIL_1]";
    body.card = "[CARD_1]";
    expect(stringifyJson(body)).toBe('{"id":12345678901234567891,"card":"[CARD_1]","email":"[EMAIL_1]"}');
  });

  it("reads a number of a hundred thousand digits, and writes it back whole", () => {
    const big = `1${"0".repeat(100_000)}`;
    expect(roundTrip(`{"n":${big},"m":-${big}.5e3}`)).toBe(`{"n":${big},"m":-${big}.5e3}`);
  });

  it("throws JSON.parse's own error on text that is not JSON, and a TypeError for a value with no JSON form", () => {
    expect(() => parseJson('{"a":12345678901234567891')).toThrow(SyntaxError);
    expect(() => stringifyJson(undefined)).toThrow(TypeError);
  });

  it("counts members as membersIn does, so a key given twice shows", () => {
    const once = '{"a":1,"b":{"c":[{"d":2},{"e":"x:y"}]},"f":12345678901234567891}';
    expect(parseJson(once).members).toBe(6);
    expect(membersIn(once)).toBe(6);
    const twice = '{"a":1,"b":{"c":2,"c":3}}';
    expect(parseJson(twice).members).toBe(3);
    expect(membersIn(twice)).toBe(4);
  });
});
