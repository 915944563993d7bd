import { describe, expect, it } from "vitest";
import {
  BUILTIN_ASSET_DEFAULTS,
  defaultAsset,
  describeDefault,
  describeUnmatched,
  formatSlo,
} from "./defaults.js";
import { createAssetMatcher } from "./matcher.js";

describe("default context", () => {
  it("is an asset keyed (default) carrying the defaults", () => {
    const asset = defaultAsset({ ...BUILTIN_ASSET_DEFAULTS, owner: "secops", criticality: "high" });
    expect(asset).toMatchObject({
      key: "(default)",
      owner: "secops",
      criticality: "high",
      exposure: "internal",
    });
    expect(asset.matchers).toEqual([]);
  });

  it("describes itself in one phrase", () => {
    expect(describeDefault(BUILTIN_ASSET_DEFAULTS)).toBe(
      "the default context (criticality medium, exposure internal, data internal, environment production, owner unassigned)",
    );
    expect(describeDefault({ ...BUILTIN_ASSET_DEFAULTS, sloTarget: 0.9995 })).toContain(", SLO 99.95%)");
  });

  it("says how many findings on how many unknown assets used it", () => {
    const matcher = createAssetMatcher([], BUILTIN_ASSET_DEFAULTS);
    expect(describeUnmatched(matcher.stats(), BUILTIN_ASSET_DEFAULTS)).toBe("");
    for (let i = 0; i < 412; i++) matcher.match(`host-${i % 7}`);
    expect(describeUnmatched(matcher.stats(), BUILTIN_ASSET_DEFAULTS)).toBe(
      "412 findings on 7 unknown assets matched no asset; used the default context (criticality medium, exposure internal, data internal, environment production, owner unassigned).",
    );
    const one = createAssetMatcher([], BUILTIN_ASSET_DEFAULTS);
    one.match("x");
    expect(describeUnmatched(one.stats(), BUILTIN_ASSET_DEFAULTS)).toMatch(
      /^1 finding on 1 unknown asset matched/,
    );
    const many = createAssetMatcher([], BUILTIN_ASSET_DEFAULTS, { maxUnmatchedKeys: 3 });
    for (let i = 0; i < 5; i++) many.match(`k${i}`);
    expect(describeUnmatched(many.stats(), BUILTIN_ASSET_DEFAULTS)).toMatch(
      /^5 findings on more than 3 unknown assets/,
    );
  });

  it("formats SLO targets without float noise", () => {
    expect(formatSlo(0.9995)).toBe("99.95%");
    expect(formatSlo(0.999)).toBe("99.9%");
    expect(formatSlo(1)).toBe("100%");
  });
});
