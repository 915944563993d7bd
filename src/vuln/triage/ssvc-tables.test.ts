import { describe, expect, it } from "vitest";
import {
  CISA_COORDINATOR_TABLE,
  DEPLOYER_TABLE,
  MISSION_WELLBEING_TABLE,
  cisaOutcome,
  deployerOutcome,
  missionWellbeingOf,
} from "./ssvc-tables.js";

/*
 * Independent copies of the published tables, typed in the sources' own value keys (not the code's value
 * names), so that a change to a row of the code's table — or to the key-to-name mapping — fails a case.
 */

// CERTCC/SSVC data/json/decision_tables/cisa/cisa_coordinator_2_0_3.json, "mapping", in order:
// ssvc:E:1.1.0 / ssvc:A:2.0.0 / ssvc:TI:1.0.0 / ssvc:MWI:1.0.0 -> cisa:CISA:1.1.0
const CISA_SOURCE = `
N N P L T | N N P M T | N N P H T | N N T L T | N N T M T | N N T H T*
N Y P L T | N Y P M T | N Y P H AT | N Y T L T | N Y T M T | N Y T H AT
P N P L T | P N P M T | P N P H T* | P N T L T | P N T M T* | P N T H AT
P Y P L T | P Y P M T | P Y P H AT | P Y T L T | P Y T M T* | P Y T H AT
A N P L T | A N P M T | A N P H AT | A N T L T | A N T M AT | A N T H AC
A Y P L AT | A Y P M AT | A Y P H AC | A Y T L AT | A Y T M AC | A Y T H AC`;

// CERTCC/SSVC data/json/decision_tables/ssvc/deployer_patch_application_priority_1_0_0.json, "mapping":
// ssvc:E:1.1.0 / ssvc:EXP:1.0.1 / ssvc:A:2.0.0 / ssvc:HI:2.0.2 -> ssvc:DSOI:1.0.0
const DEPLOYER_SOURCE = `
N S N L D | N S N M D | N S N H S | N S N VH S | N S Y L D | N S Y M S | N S Y H S | N S Y VH S
N C N L D | N C N M S | N C N H S | N C N VH S | N C Y L S | N C Y M S | N C Y H S | N C Y VH S
N O N L D | N O N M S | N O N H S | N O N VH S | N O Y L S | N O Y M S | N O Y H S | N O Y VH O
P S N L D | P S N M S | P S N H S | P S N VH S | P S Y L S | P S Y M S | P S Y H S | P S Y VH S
P C N L D | P C N M S | P C N H S | P C N VH S | P C Y L S | P C Y M S | P C Y H S | P C Y VH O
P O N L S | P O N M S | P O N H S | P O N VH O | P O Y L S | P O Y M S | P O Y H O | P O Y VH O
A S N L S | A S N M S | A S N H O | A S N VH O | A S Y L S | A S Y M O | A S Y H O | A S Y VH O
A C N L S | A C N M S | A C N H O | A C N VH O | A C Y L O | A C Y M O | A C Y H O | A C Y VH O
A O N L S | A O N M O | A O N H O | A O N VH I | A O Y L O | A O Y M O | A O Y H I | A O Y VH I`;

// CERTCC/SSVC data/csvs/mission-and-well-being_v1.csv: Mission Prevalence, Public Well-being Impact -> MWI
const MWI_SOURCE = `
minimal minimal low | minimal material medium | minimal irreversible high
support minimal medium | support material medium | support irreversible high
essential minimal high | essential material high | essential irreversible high`;

const E = { N: "none", P: "poc", A: "active" } as const;
const A = { N: "no", Y: "yes" } as const;
const TI = { P: "partial", T: "total" } as const;
const MWI = { L: "low", M: "medium", H: "high" } as const;
const CISA = { T: "track", "T*": "track*", AT: "attend", AC: "act" } as const;
const EXP = { S: "small", C: "controlled", O: "open" } as const;
const HI = { L: "low", M: "medium", H: "high", VH: "very high" } as const;
const DSOI = { D: "defer", S: "scheduled", O: "out-of-cycle", I: "immediate" } as const;

function rows(source: string): string[][] {
  return source
    .split(/[|\n]/)
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => r.split(" "));
}

function key<T extends Record<string, string>>(map: T, k: string | undefined): T[keyof T] {
  if (k === undefined || !(k in map)) throw new Error(`unknown key ${String(k)}`);
  return map[k as keyof T];
}

const cisaCases = rows(CISA_SOURCE).map(
  ([e, a, ti, m, out]) => [key(E, e), key(A, a), key(TI, ti), key(MWI, m), key(CISA, out)] as const,
);
const deployerCases = rows(DEPLOYER_SOURCE).map(
  ([e, x, a, h, out]) => [key(E, e), key(EXP, x), key(A, a), key(HI, h), key(DSOI, out)] as const,
);
const mwiCases = rows(MWI_SOURCE).map(([p, w, m]) => {
  const prevalence = p as "minimal" | "support" | "essential";
  const wellbeing = w as "minimal" | "material" | "irreversible";
  return [prevalence, wellbeing, key(MWI, m?.[0]?.toUpperCase())] as const;
});

describe("CISA coordinator decision table (v2.0.3)", () => {
  it("has the 36 published rows, in the published order", () => {
    expect(cisaCases).toHaveLength(36);
    expect(CISA_COORDINATOR_TABLE).toEqual(cisaCases);
  });

  it.each(cisaCases)(
    "%s exploitation, automatable %s, %s impact, %s mission & well-being -> %s",
    (e, a, ti, m, out) => {
      expect(cisaOutcome(e, a, ti, m)).toBe(out);
    },
  );
});

describe("SSVC deployer decision table (v1.0.0)", () => {
  it("has the 72 published rows, in the published order", () => {
    expect(deployerCases).toHaveLength(72);
    expect(DEPLOYER_TABLE).toEqual(deployerCases);
  });

  it.each(deployerCases)(
    "%s exploitation, %s exposure, automatable %s, %s human impact -> %s",
    (e, x, a, h, out) => {
      expect(deployerOutcome(e, x, a, h)).toBe(out);
    },
  );
});

describe("CISA Mission & Well-being", () => {
  it("has the 9 published rows", () => {
    expect(mwiCases).toHaveLength(9);
    expect(MISSION_WELLBEING_TABLE).toEqual(mwiCases);
  });

  it.each(mwiCases)("%s mission prevalence, %s public well-being -> %s", (p, w, m) => {
    expect(missionWellbeingOf(p, w)).toBe(m);
  });
});
