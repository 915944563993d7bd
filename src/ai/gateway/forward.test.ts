import { describe, expect, it } from "vitest";
import { maskedKeys } from "./forward.js";

describe("maskedKeys", () => {
  it("replaces a key quoted masked in the middle, as providers quote a rejected key", () => {
    expect(maskedKeys('{"message":"Incorrect API key provided: sk-proj-ab**************wxyz."}')).toBe(
      '{"message":"Incorrect API key provided: [upstream key]."}',
    );
    expect(maskedKeys("key ****wxyz and sk-ant-***")).toBe("key [upstream key] and [upstream key]");
  });

  it("leaves text without a masked key as it is, stars alone included", () => {
    for (const text of ["", "no key here", "a *** b", "rated ***** (five)", "**bold** text"])
      expect(maskedKeys(text)).toBe(text);
  });

  it("stays correct on long hostile input", () => {
    const stars = "*".repeat(1 << 20);
    expect(maskedKeys(stars)).toBe(stars);
    const dashes = "-".repeat(1 << 20) + "***";
    expect(maskedKeys(dashes)).toBe("[upstream key]");
    const many = "a***b ".repeat(100_000);
    expect(maskedKeys(many)).toBe("[upstream key] ".repeat(100_000));
  });
});
